//! `user_ip_addresses`: one row per user with their recorded addresses (a napalmsky table:
//! the original kept addresses only on sessions and ban records).

use serde_json::{Value, json};

use super::columns::PgType::{Jsonb, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::UserIps;

/// `[{"ip": "203.0.113.7", "lastSeenAt": ms}, ...]`, most recently seen first.
fn addresses(record: &UserIps) -> Value {
    let seen = record.addresses.iter();
    Value::Array(
        seen.map(|s| json!({"ip": s.ip, "lastSeenAt": s.last_seen_at}))
            .collect(),
    )
}

impl Mirrored for UserIps {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("user_id", Uuid, |r: &UserIps| uuid(&r.user_id)).key(),
            Column::new("addresses", Jsonb, addresses),
        ];
        Table::new("user_ip_addresses", |r: &UserIps| r.version, columns)
    }
}
