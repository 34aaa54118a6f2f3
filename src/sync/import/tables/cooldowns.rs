//! `cooldowns` -> cooldowns still in force between two imported users.

use tokio_postgres::Row;

use super::super::convert::id;
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, USER_MISSING, store_each, uuid_text};
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{StoreError, Tx};

/// (a, b, until).
type Pair = (Id, Id, Millis);

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!("id, user_id_1, user_id_2, {}", ms("expires_at"));
    let table = "cooldowns";
    let source = Source::new(table, &[("id", KeyKind::Int)], columns);
    import.table(source, check, extend).await?;
    import.done(table);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<Pair> {
    let key: i32 = row.try_get("id")?;
    let a = id(row.try_get("user_id_1")?);
    let b = id(row.try_get("user_id_2")?);
    let until: Option<Millis> = row.try_get("expires_at")?;
    let Some(until) = until else {
        at.report.skip(key, "expires_at is not a finite time", None);
        return Ok(None);
    };
    if until <= at.now {
        at.report.skip_unlisted("expired");
    } else if a == b {
        at.report.skip(key, "a user paired with themself", None);
    } else if !at.has_user(&a)? {
        at.report.skip(key, USER_MISSING, Some(uuid_text(&a)));
    } else if !at.has_user(&b)? {
        at.report.skip(key, USER_MISSING, Some(uuid_text(&b)));
    } else {
        return Ok(Some((a, b, until)));
    }
    Ok(None)
}

fn extend(tx: &mut Tx<'_>, pairs: Vec<Pair>) -> Result<Vec<Note>, StoreError> {
    store_each(pairs, |(a, b, until)| tx.extend_cooldown(a, b, until))
}
