//! `session_completions` -> completions of imported users and partners, one per (user, room).

use tokio_postgres::Row;

use super::super::convert::{self, CompletionRow};
use super::super::source::{KeyKind, ms};
use super::table::{
    Checked, Checking, Import, Note, PARTNER_MISSING, Source, USER_MISSING, read_row, uuid_text,
};
use crate::store::records::Completion;
use crate::store::{StoreError, Tx};

const TABLE: &str = "session_completions";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "id, user_id, partner_id, room_id, duration_seconds, {}",
        ms("completed_at")
    );
    let source = Source::new(TABLE, &[("id", KeyKind::Int)], columns);
    import.table(source, check, add).await?;
    import.done(TABLE);
    Ok(())
}

/// With its source id, which names a duplicate in the report.
fn check(row: &Row, at: &mut Checking<'_>) -> Checked<(i32, Completion)> {
    let key: i32 = row.try_get("id")?;
    let mut changes = Vec::new();
    match convert::completion(completion_row(row)?, at.now, &mut changes) {
        Err(reason) => at.skip(key, reason),
        Ok(c) if !at.has_user(&c.user_id)? => {
            at.report
                .skip(key, USER_MISSING, Some(uuid_text(&c.user_id)));
        }
        Ok(c) if !at.has_user(&c.partner_id)? => {
            at.report
                .skip(key, PARTNER_MISSING, Some(uuid_text(&c.partner_id)));
        }
        Ok(c) => {
            at.adjust_all(key, changes);
            return Ok(Some((key, c)));
        }
    }
    Ok(None)
}

/// A completion the store already has is a duplicate (user_id, room_id).
fn add(tx: &mut Tx<'_>, completions: Vec<(i32, Completion)>) -> Result<Vec<Note>, StoreError> {
    let mut duplicates = Vec::new();
    for (key, mut completion) in completions {
        if !tx.add_completion(&mut completion)? {
            let reason = ("duplicate (user_id, room_id)", None);
            duplicates.push(Note::Skip(key.to_string(), reason));
        }
    }
    Ok(duplicates)
}

fn completion_row(row: &Row) -> Result<CompletionRow, tokio_postgres::Error> {
    Ok(read_row!(row => CompletionRow {
        user_id, partner_id, room_id, duration_seconds, completed_at,
    }))
}
