//! `ban_records` -> ban records of imported users. A temporary or permanent ban also still
//! reaches its user: the ban fields the users row lacked are filled from the record.

use tokio_postgres::Row;

use super::super::convert::{self, BanEffect, BanRow, id};
use super::super::moderation;
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, USER_MISSING, read_row, uuid_text};
use crate::store::records::BanRecord;
use crate::store::{StoreError, Tx};

const TABLE: &str = "ban_records";
/// The original's `reviewed_by` refers to a users row; the mirror's does too.
const REVIEWER_CLEARED: &str = "reviewed_by refers to a user that was not imported; cleared";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "user_id, user_name, user_selfie, user_video, ban_status, {}, banned_reason,
         report_count, review_status, {}, reviewed_by, ip_addresses",
        ms("banned_at"),
        ms("reviewed_at")
    );
    let key = &[("user_id", KeyKind::Uuid)];
    let source = Source::new(TABLE, key, columns);
    let applied = import.table(source, check, put).await?;
    let table = import.report.table_mut(TABLE);
    if table.present {
        table.note = Some(format!(
            "{applied} also filled their user's missing ban status, banned_at, banned_reason \
             or review_status"
        ));
    }
    import.done(TABLE);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<(BanRow, BanRecord)> {
    let row = read_row!(row => BanRow {
        user_id, user_name, user_selfie, user_video, ban_status, banned_at, banned_reason,
        report_count, review_status, reviewed_at, reviewed_by, ip_addresses,
    });
    let key = row.user_id;
    if !at.has_user(&id(row.user_id))? {
        at.report.skip(key, USER_MISSING, None);
        return Ok(None);
    }
    let mut changes = Vec::new();
    let mut record = match moderation::ban_record(&row, at.now, &mut changes) {
        Ok(record) => record,
        Err(reason) => {
            at.skip(key, reason);
            return Ok(None);
        }
    };
    if let Some(reviewer) = row.reviewed_by
        && !at.has_user(&id(reviewer))?
    {
        record.reviewed_by = None;
        changes.push((REVIEWER_CLEARED, Some(reviewer.to_string())));
    }
    at.adjust_all(key, changes);
    Ok(Some((row, record)))
}

/// Stores each record (named after its user if the row had no name) and fills what its
/// user lacks.
fn put(tx: &mut Tx<'_>, bans: Vec<(BanRow, BanRecord)>) -> Result<Vec<Note>, StoreError> {
    let mut notes = Vec::new();
    for (row, mut record) in bans {
        let Some(mut user) = tx.user(&record.user_id)? else {
            let key = uuid_text(&record.user_id);
            notes.push(Note::Skip(key, (USER_MISSING, None)));
            continue;
        };
        if record.user_name.is_empty() {
            record.user_name.clone_from(&user.name);
        }
        // The status parsed when the record was built, so this only reports what it did.
        if convert::apply_ban(&mut user, &row) == Ok(BanEffect::Applied) {
            tx.put_user(&mut user)?;
            notes.push(Note::Applied);
        }
        tx.put_ban_record(&mut record)?;
    }
    Ok(notes)
}
