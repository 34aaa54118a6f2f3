//! `ban_records`: the store has no ban record yet, but a temporary or permanent ban still
//! reaches its user: the ban fields the users row lacked are filled from the record.

use tokio_postgres::Row;

use super::super::convert::{self, BanEffect, BanRow, id};
use super::super::source::{KeyKind, ms};
use super::table::{
    Checked, Checking, Import, NO_STORE_SUPPORT, Note, Source, USER_MISSING, read_row,
};
use crate::store::{StoreError, Tx};

const TABLE: &str = "ban_records";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "user_id, ban_status, {}, banned_reason, review_status",
        ms("banned_at")
    );
    let key = &[("user_id", KeyKind::Uuid)];
    let source = Source::new(TABLE, key, columns);
    let applied = import.table(source, read, apply).await?;
    let table = import.report.table_mut(TABLE);
    if table.present {
        table.note = Some(format!(
            "{} rows not imported: {NO_STORE_SUPPORT}; {applied} applied to their user's ban \
             status, banned_at, banned_reason or review_status",
            table.skipped.get(NO_STORE_SUPPORT).copied().unwrap_or(0)
        ));
    }
    import.done(TABLE);
    Ok(())
}

/// Every row goes to the write, which sees the user it applies to.
fn read(row: &Row, _: &mut Checking<'_>) -> Checked<BanRow> {
    let ban = read_row!(row => BanRow {
        user_id, ban_status, banned_at, banned_reason, review_status
    });
    Ok(Some(ban))
}

/// None is imported as a record; a ban whose user is in the store fills what it lacks.
fn apply(tx: &mut Tx<'_>, bans: Vec<BanRow>) -> Result<Vec<Note>, StoreError> {
    let mut notes = Vec::with_capacity(bans.len());
    for ban in bans {
        let user_key = ban.user_id.to_string();
        let Some(mut user) = tx.user(&id(ban.user_id))? else {
            notes.push(Note::Skip(user_key, (USER_MISSING, None)));
            continue;
        };
        match convert::apply_ban(&mut user, &ban) {
            Err(reason) => notes.push(Note::Skip(user_key, reason)),
            Ok(effect) => {
                if effect == BanEffect::Applied {
                    tx.put_user(&mut user)?;
                    notes.push(Note::Applied);
                }
                notes.push(Note::SkipUnlisted(NO_STORE_SUPPORT));
            }
        }
    }
    Ok(notes)
}
