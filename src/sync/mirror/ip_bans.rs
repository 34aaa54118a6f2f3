//! `ip_bans`: one row per banned address, in the original's columns.

use super::columns::PgType::{Inet, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::IpBan;

impl Mirrored for IpBan {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("ip_address", Inet, |b: &IpBan| b.ip.clone()).key(),
            Column::new("banned_at", Timestamp, |b: &IpBan| b.banned_at),
            Column::new("user_id", Uuid, |b: &IpBan| b.user_id.as_ref().map(uuid)).verified(),
            Column::new("reason", Text, |b: &IpBan| b.reason.clone()),
        ];
        Table::new("ip_bans", |b: &IpBan| b.version, columns)
    }
}
