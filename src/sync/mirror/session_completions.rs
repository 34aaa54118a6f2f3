//! `session_completions`: one row per (user, room) call of at least 30 s.

use super::columns::PgType::{Int, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, int, uuid};
use crate::store::records::Completion;

impl Mirrored for Completion {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("user_id", Uuid, |c: &Completion| uuid(&c.user_id)).key(),
            Column::new("partner_id", Uuid, |c: &Completion| uuid(&c.partner_id)),
            Column::new("room_id", Uuid, |c: &Completion| uuid(&c.room_id)).key(),
            Column::new("duration_seconds", Int, |c: &Completion| {
                int(c.duration_seconds.into())
            })
            .verified(),
            Column::new("completed_at", Timestamp, |c: &Completion| c.completed_at),
        ];
        Table::new("session_completions", |c: &Completion| c.version, columns)
    }
}
