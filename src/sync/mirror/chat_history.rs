//! `chat_history`: one row per participant of a call.

use serde_json::json;

use super::columns::PgType::{Int, Jsonb, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, int, uuid};
use crate::store::records::HistoryEntry;

/// The original's `JSONB` array; text that is not one becomes an empty array.
fn messages(entry: &HistoryEntry) -> serde_json::Value {
    serde_json::from_str(&entry.messages).unwrap_or(json!([]))
}

impl Mirrored for HistoryEntry {
    fn describe() -> Table<Self> {
        let columns = vec![
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
            Column::new("messages", Jsonb, messages),
            // The row's creation is the call's start.
            Column::new("created_at", Timestamp, |e: &HistoryEntry| e.started_at).insert_only(),
        ];
        // Never deleted: the store keeps every participant's history.
        Table::new("chat_history", |e: &HistoryEntry| e.version, columns)
    }
}
