//! `invite_codes` -> invite code records with their uses. A code outlives its creator (the
//! original's ON DELETE SET NULL): one whose creator was not imported is kept without it.

use tokio_postgres::Row;

use super::super::paywall::{self, InviteCodeRow};
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, read_row, uuid_text};
use crate::store::records::InviteCode;
use crate::store::{Id, StoreError, Tx};

const TABLE: &str = "invite_codes";
const CREATOR_CLEARED: &str = "creator not imported; the code kept without it";
const SAME_CODE: &str = "the same code as another row once upper-cased";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "code, created_by, created_by_name, {}, type AS kind, max_uses, uses_remaining, \
         used_by, is_active",
        ms("created_at")
    );
    let source = Source::new(TABLE, &[("code", KeyKind::Text)], columns);
    import.table(source, check, put).await?;
    import.done(TABLE);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<(String, InviteCode, Vec<Id>)> {
    let row = read_row!(row => InviteCodeRow {
        code, created_by, created_by_name, created_at, kind, max_uses, uses_remaining,
        used_by, is_active
    });
    // The report names a code by its first characters only: codes are secrets.
    let key: String = row.code.chars().take(4).chain("…".chars()).collect();
    let mut changes = Vec::new();
    let (mut code, users) = match paywall::invite_code(row, at.now, &mut changes) {
        Ok(found) => found,
        Err(reason) => {
            at.skip(key, reason);
            return Ok(None);
        }
    };
    if let Some(creator) = code.created_by
        && !at.has_user(&creator)?
    {
        code.created_by = None;
        changes.push((CREATOR_CLEARED, Some(uuid_text(&creator))));
    }
    at.adjust_all(&key, changes);
    Ok(Some((key, code, users)))
}

/// The import fills an empty store, so a code already there came from this import.
fn put(
    tx: &mut Tx<'_>,
    codes: Vec<(String, InviteCode, Vec<Id>)>,
) -> Result<Vec<Note>, StoreError> {
    let mut notes = Vec::new();
    for (key, mut code, users) in codes {
        if tx.invite_code(&code.code)?.is_some() {
            notes.push(Note::Skip(key, (SAME_CODE, None)));
            continue;
        }
        tx.index_code_uses(&code.code, &users, code.created_at)?;
        tx.put_invite_code(&mut code)?;
    }
    Ok(notes)
}
