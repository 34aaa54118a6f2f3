//! `sessions`: one row per session record (active or invalidated).

use super::columns::PgType::{Bool, Inet, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::Session;

/// INET rejects anything that is not an address; such a value is stored as NULL.
fn ip_address(session: &Session) -> Option<String> {
    session
        .ip_address
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

impl Mirrored for Session {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("session_token", Uuid, |s: &Session| uuid(&s.token)).key(),
            Column::new("user_id", Uuid, |s: &Session| uuid(&s.user_id)).verified(),
            Column::new("ip_address", Inet, ip_address),
            Column::new("device_info", Text, |s: &Session| s.device_info.clone()),
            Column::new("is_active", Bool, |s: &Session| s.is_active).verified(),
            Column::new("created_at", Timestamp, |s: &Session| s.created_at),
            Column::new("expires_at", Timestamp, |s: &Session| s.expires_at),
            Column::new("last_active_at", Timestamp, |s: &Session| s.last_active_at),
        ];
        Table::new("sessions", |s: &Session| s.version, columns)
    }
}
