//! `sessions`: one row per session record (active or invalidated).

use std::sync::LazyLock;

use super::columns::{Column, KeyPart, Mirrored, PgType, sync_version, uuid};
use crate::store::records::{Id, RecordKind, Session};

/// INET rejects anything that is not an address; such a value is stored as NULL.
fn ip_address(session: &Session) -> Option<String> {
    session
        .ip_address
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

static COLUMNS: LazyLock<Vec<Column<Session>>> = LazyLock::new(|| {
    use PgType::{Bool, Inet, Text, Timestamp, Uuid};
    vec![
        Column::new("session_token", Uuid, |s: &Session| uuid(&s.token)).key(),
        Column::new("user_id", Uuid, |s: &Session| uuid(&s.user_id)).verified(),
        Column::new("ip_address", Inet, ip_address),
        Column::new("device_info", Text, |s: &Session| s.device_info.clone()),
        Column::new("is_active", Bool, |s: &Session| s.is_active).verified(),
        Column::new("created_at", Timestamp, |s: &Session| s.created_at),
        Column::new("expires_at", Timestamp, |s: &Session| s.expires_at),
        Column::new("last_active_at", Timestamp, |s: &Session| s.last_active_at),
        sync_version(|s: &Session| s.version),
    ]
});

impl Mirrored for Session {
    const KIND: RecordKind = RecordKind::Session;
    const TABLE: &'static str = "sessions";

    fn columns() -> &'static [Column<Self>] {
        &COLUMNS
    }

    fn deleted_key(outbox_key: &[u8]) -> Option<Vec<KeyPart>> {
        let token = Id::try_from(outbox_key).ok()?;
        Some(vec![KeyPart::Uuid(uuid(&token))])
    }
}
