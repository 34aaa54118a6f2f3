//! `chat_history` -> history entries of imported users and partners.

use tokio_postgres::Row;

use super::super::convert::{self, HistoryRow};
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms, primary_key_width};
use super::table::{
    Import, PARTNER_MISSING, Page, SourceTable, USER_MISSING, adjust_all, skip, uuid_text,
};
use crate::store::records::HistoryEntry;
use crate::store::{StoreError, Tx};

const KEY_ORIGINAL: &[(&str, KeyKind)] = &[("session_id", KeyKind::Text)];
const KEY_PER_PARTICIPANT: &[(&str, KeyKind)] =
    &[("session_id", KeyKind::Text), ("user_id", KeyKind::Uuid)];

pub(super) struct ChatHistory {
    key: &'static [(&'static str, KeyKind)],
}

impl ChatHistory {
    /// The original keys a call by session_id alone; a database our 002 migration fixed keys
    /// it by (session_id, user_id). Pages by whichever primary key is there.
    pub(super) async fn prepare(import: &Import<'_, '_>) -> anyhow::Result<Self> {
        let width = if import.present.contains(Self::NAME) {
            primary_key_width(import.src, Self::NAME).await?
        } else {
            0
        };
        Ok(Self {
            key: if width >= 2 {
                KEY_PER_PARTICIPANT
            } else {
                KEY_ORIGINAL
            },
        })
    }
}

impl SourceTable for ChatHistory {
    const NAME: &'static str = "chat_history";
    type Item = HistoryEntry;
    type Written = ();

    fn columns(&self) -> String {
        format!(
            "session_id, user_id, partner_id, partner_name, room_id, {}, duration, messages",
            ms("started_at")
        )
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        self.key
    }

    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<HistoryEntry>> {
        let row = history_row(row)?;
        let key = format!("{}/{}", row.session_id, row.user_id);
        let mut changes = Vec::new();
        match convert::history(row, &mut changes) {
            Err(reason) => skip(table, key, reason),
            Ok(entry) if !page.has_user(&entry.user_id)? => table.skip(key, USER_MISSING, None),
            Ok(entry) if !page.has_user(&entry.partner_id)? => {
                table.skip(key, PARTNER_MISSING, Some(uuid_text(&entry.partner_id)));
            }
            Ok(entry) => {
                adjust_all(table, key, changes);
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    fn write(tx: &mut Tx<'_>, entries: Vec<HistoryEntry>) -> Result<(), StoreError> {
        for mut entry in entries {
            tx.add_history(&mut entry)?;
        }
        Ok(())
    }
}

fn history_row(row: &Row) -> Result<HistoryRow, tokio_postgres::Error> {
    Ok(HistoryRow {
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        partner_id: row.try_get("partner_id")?,
        partner_name: row.try_get("partner_name")?,
        room_id: row.try_get("room_id")?,
        started_at: row.try_get("started_at")?,
        duration: row.try_get("duration")?,
        messages: row.try_get("messages")?,
    })
}
