//! `chat_history`: one row per participant of a call.

use std::sync::LazyLock;

use serde_json::json;

use super::columns::{Column, KeyPart, Mirrored, PgType, int, sync_version, uuid};
use crate::store::records::{HistoryEntry, RecordKind};

static COLUMNS: LazyLock<Vec<Column<HistoryEntry>>> = LazyLock::new(|| {
    use PgType::{Int, Jsonb, Text, Timestamp, Uuid};
    vec![
        Column::new("session_id", Text, |e: &HistoryEntry| e.session_id.clone()).key(),
        Column::new("user_id", Uuid, |e: &HistoryEntry| uuid(&e.user_id)).key(),
        Column::new("partner_id", Uuid, |e: &HistoryEntry| uuid(&e.partner_id)).verified(),
        Column::new("partner_name", Text, |e: &HistoryEntry| {
            e.partner_name.clone()
        }),
        Column::new("room_id", Uuid, |e: &HistoryEntry| uuid(&e.room_id)),
        Column::new("started_at", Timestamp, |e: &HistoryEntry| e.started_at),
        Column::new("duration", Int, |e: &HistoryEntry| {
            int(e.duration_seconds.into())
        })
        .verified(),
        Column::new("messages", Jsonb, |e: &HistoryEntry| {
            serde_json::from_str(&e.messages).unwrap_or(json!([]))
        }),
        // The row's creation is the call's start.
        Column::new("created_at", Timestamp, |e: &HistoryEntry| e.started_at).insert_only(),
        sync_version(|e: &HistoryEntry| e.version),
    ]
});

impl Mirrored for HistoryEntry {
    const KIND: RecordKind = RecordKind::History;
    const TABLE: &'static str = "chat_history";

    fn columns() -> &'static [Column<Self>] {
        &COLUMNS
    }

    /// History is never deleted from the store.
    fn deleted_key(_: &[u8]) -> Option<Vec<KeyPart>> {
        None
    }
}
