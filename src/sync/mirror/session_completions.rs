//! `session_completions`: one row per (user, room) call of at least 30 s.

use std::sync::LazyLock;

use super::columns::{Column, KeyPart, Mirrored, PgType, int, sync_version, uuid};
use crate::store::records::{Completion, RecordKind};

static COLUMNS: LazyLock<Vec<Column<Completion>>> = LazyLock::new(|| {
    use PgType::{Int, Timestamp, Uuid};
    vec![
        Column::new("user_id", Uuid, |c: &Completion| uuid(&c.user_id)).key(),
        Column::new("partner_id", Uuid, |c: &Completion| uuid(&c.partner_id)),
        Column::new("room_id", Uuid, |c: &Completion| uuid(&c.room_id)).key(),
        Column::new("duration_seconds", Int, |c: &Completion| {
            int(c.duration_seconds.into())
        })
        .verified(),
        Column::new("completed_at", Timestamp, |c: &Completion| c.completed_at),
        sync_version(|c: &Completion| c.version),
    ]
});

impl Mirrored for Completion {
    const KIND: RecordKind = RecordKind::Completion;
    const TABLE: &'static str = "session_completions";

    fn columns() -> &'static [Column<Self>] {
        &COLUMNS
    }

    /// Completions are never deleted from the store.
    fn deleted_key(_: &[u8]) -> Option<Vec<KeyPart>> {
        None
    }
}
