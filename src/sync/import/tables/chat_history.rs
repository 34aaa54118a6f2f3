//! `chat_history` -> history entries of imported users and partners.

use anyhow::Context;
use tokio_postgres::Row;

use super::super::convert::{self, HistoryRow};
use super::super::source::{KeyKind, ms, primary_key_width};
use super::table::{
    Checked, Checking, Import, Note, PARTNER_MISSING, Source, USER_MISSING, read_row, store_each,
    uuid_text,
};
use crate::store::records::HistoryEntry;
use crate::store::{StoreError, Tx};

const TABLE: &str = "chat_history";
const KEY_ORIGINAL: &[(&str, KeyKind)] = &[("session_id", KeyKind::Text)];
const KEY_PER_PARTICIPANT: &[(&str, KeyKind)] =
    &[("session_id", KeyKind::Text), ("user_id", KeyKind::Uuid)];

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    // The original keys a call by session_id alone; a database our 002 migration fixed keys
    // it by (session_id, user_id). Page by whichever primary key is there.
    let per_participant = import.present.contains(TABLE)
        && primary_key_width(import.src, TABLE)
            .await
            .context("importing chat_history")?
            >= 2;
    let key = if per_participant {
        KEY_PER_PARTICIPANT
    } else {
        KEY_ORIGINAL
    };
    let columns = format!(
        "session_id, user_id, partner_id, partner_name, room_id, {}, duration, messages",
        ms("started_at")
    );
    let source = Source::new(TABLE, key, columns);
    import.table(source, check, add).await?;
    import.done(TABLE);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<HistoryEntry> {
    let row = history_row(row)?;
    let key = format!("{}/{}", row.session_id, row.user_id);
    let mut changes = Vec::new();
    match convert::history(row, &mut changes) {
        Err(reason) => at.skip(key, reason),
        Ok(entry) if !at.has_user(&entry.user_id)? => at.report.skip(key, USER_MISSING, None),
        Ok(entry) if !at.has_user(&entry.partner_id)? => {
            let detail = Some(uuid_text(&entry.partner_id));
            at.report.skip(key, PARTNER_MISSING, detail);
        }
        Ok(entry) => {
            at.adjust_all(key, changes);
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

fn add(tx: &mut Tx<'_>, entries: Vec<HistoryEntry>) -> Result<Vec<Note>, StoreError> {
    store_each(entries, |mut entry| tx.add_history(&mut entry))
}

fn history_row(row: &Row) -> Result<HistoryRow, tokio_postgres::Error> {
    Ok(read_row!(row => HistoryRow {
        session_id, user_id, partner_id, partner_name, room_id, started_at, duration, messages,
    }))
}
