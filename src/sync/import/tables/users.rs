//! `users` -> user records. Emails that collide once normalised stay with one user; a row
//! that cannot be imported leaves the users referring to it without that reference.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use tokio_postgres::Row;
use uuid::Uuid;

use super::super::convert::{self, EMAIL_COLLISION, UserRow, id, normalize_email};
use super::super::source::{KeyKind, ms};
use super::paging::{WRITE_BATCH, batches};
use super::table::{Checked, Checking, Import, Note, Source, read_row, uuid_text};
use crate::clock::Millis;
use crate::store::records::{Id, User};
use crate::store::{StoreError, Tx};

const REFERENCE_CLEARED: &str = "refers to a user that was not imported; reference cleared";

const TABLE: &str = "users";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let losers = email_collisions(import).await.context("importing users")?;
    let columns = format!(
        "user_id, name, gender, account_type, email, password_hash, selfie_url, video_url,
         socials, timer_total_seconds, session_count, last_sessions, streak_days,
         referral_code, referred_by, introduced_to, introduced_via_code, introduced_by,
         paid_status, {}, payment_id, invite_code_used, my_invite_code,
         invite_code_uses_remaining, qr_unlocked, successful_sessions, {}, ban_status, {},
         banned_reason, review_status, {}",
        ms("paid_at"),
        ms("qr_unlocked_at"),
        ms("banned_at"),
        ms("created_at")
    );
    let key = &[("user_id", KeyKind::Uuid)];
    // Rows that could not be imported: what refers to them is cleared.
    let mut skipped = HashSet::new();
    let check = |row: &Row, at: &mut Checking<'_>| check(row, at, &losers, &mut skipped);
    let source = Source::new(TABLE, key, columns);
    import.table(source, check, put_users).await?;
    clear_references(import, skipped)
        .await
        .context("importing users")?;
    import.done(TABLE);
    Ok(())
}

/// `losers`: which user loses its email (key) to which (value).
fn check(
    row: &Row,
    at: &mut Checking<'_>,
    losers: &HashMap<Id, Id>,
    skipped: &mut HashSet<Id>,
) -> Checked<User> {
    let row = user_row(row)?;
    let key = row.id;
    let mut changes = Vec::new();
    match convert::user(row, at.now, &mut changes) {
        Err(reason) => {
            at.skip(key, reason);
            skipped.insert(id(key));
            Ok(None)
        }
        Ok(mut user) => {
            if let Some(kept) = losers.get(&user.id)
                && user.email.is_some()
            {
                user.email = None;
                changes.push((EMAIL_COLLISION, Some(kept_user(kept))));
            }
            at.adjust_all(key, changes);
            Ok(Some(user))
        }
    }
}

fn kept_user(kept: &Id) -> String {
    format!("the email stays with user {}", uuid_text(kept))
}

/// Users whose emails collide once normalised: which one loses its email (key) to which
/// (value). The one kept: a permanent account first, then the earliest created, then the
/// smallest id. The rest are only the few colliding rows, so this fits in memory.
async fn email_collisions(import: &Import<'_, '_>) -> anyhow::Result<HashMap<Id, Id>> {
    let sql = format!(
        "SELECT user_id, email, account_type, {} FROM users
         WHERE lower(btrim(email)) IN (
            SELECT lower(btrim(email)) FROM users WHERE email IS NOT NULL
            GROUP BY 1 HAVING count(*) > 1)",
        ms("created_at")
    );
    let rows = import
        .src
        .query(&sql, &[])
        .await
        .context("finding emails that collide after normalising")?;
    let mut groups: HashMap<String, Vec<(bool, Millis, Id)>> = HashMap::new();
    for row in rows {
        let user: Uuid = row.try_get("user_id")?;
        let email: String = row.try_get("email")?;
        let account: String = row.try_get("account_type")?;
        let created: Option<Millis> = row.try_get("created_at")?;
        if let Some(email) = normalize_email(&email) {
            groups.entry(email).or_default().push((
                account != "permanent",
                created.unwrap_or(Millis::MAX),
                id(user),
            ));
        }
    }
    let mut losers = HashMap::new();
    for mut group in groups.into_values() {
        group.sort_unstable();
        if let Some(((_, _, kept), rest)) = group.split_first() {
            for (_, _, loser) in rest {
                losers.insert(*loser, *kept);
            }
        }
    }
    Ok(losers)
}

/// Imported users that refer (referred_by, introduced_to, introduced_by) to a users row
/// that was skipped lose that reference: the mirror's foreign keys would refuse it.
async fn clear_references(import: &mut Import<'_, '_>, skipped: HashSet<Id>) -> anyhow::Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let gone: Vec<Uuid> = skipped.iter().map(|i| Uuid::from_bytes(*i)).collect();
    let rows = import
        .src
        .query(
            "SELECT user_id FROM users
             WHERE referred_by = ANY($1) OR introduced_to = ANY($1) OR introduced_by = ANY($1)
             ORDER BY user_id",
            &[&gone],
        )
        .await
        .context("finding references to skipped users")?;
    let mut referring = Vec::with_capacity(rows.len());
    for row in rows {
        let user = id(row.try_get::<_, Uuid>("user_id")?);
        if !skipped.contains(&user) {
            referring.push(user);
        }
    }
    let gone = Arc::new(skipped);
    for batch in batches(referring, WRITE_BATCH) {
        let gone = gone.clone();
        let cleared = import
            .store
            .write(move |tx| clear_user_references(tx, batch, &gone))
            .await?;
        let table = import.report.table_mut(TABLE);
        for (user, fields) in cleared {
            table.adjust(uuid_text(&user), REFERENCE_CLEARED, Some(fields.join(", ")));
        }
    }
    Ok(())
}

fn user_row(row: &Row) -> Result<UserRow, tokio_postgres::Error> {
    Ok(read_row!(row => UserRow {
        id = "user_id", name, gender, account_type, email, password_hash, selfie_url, video_url,
        socials, timer_total_seconds, session_count, last_sessions, streak_days, referral_code,
        referred_by, introduced_to, introduced_via_code, introduced_by, paid_status, paid_at,
        payment_id, invite_code_used, my_invite_code, invite_code_uses_remaining, qr_unlocked,
        successful_sessions, qr_unlocked_at, ban_status, banned_at, banned_reason,
        review_status, created_at,
    }))
}

/// Stores users; one whose email another already holds (a collision the SQL pre-pass could
/// not see) is stored without it, and noted.
fn put_users(tx: &mut Tx<'_>, users: Vec<User>) -> Result<Vec<Note>, StoreError> {
    let mut collisions = Vec::new();
    for mut user in users {
        if let Some(email) = &user.email
            && let Some(owner) = tx.user_id_by_email(email)?
            && owner != user.id
        {
            let change = (EMAIL_COLLISION, Some(kept_user(&owner)));
            collisions.push(Note::Adjust(uuid_text(&user.id), change));
            user.email = None;
        }
        tx.put_user(&mut user)?;
    }
    Ok(collisions)
}

fn clear_user_references(
    tx: &mut Tx<'_>,
    users: Vec<Id>,
    gone: &HashSet<Id>,
) -> Result<Vec<(Id, Vec<&'static str>)>, StoreError> {
    let mut cleared = Vec::new();
    for user_id in users {
        let Some(mut user) = tx.user(&user_id)? else {
            continue;
        };
        let mut fields = Vec::new();
        for (field, value) in [
            ("referred_by", &mut user.referred_by),
            ("introduced_to", &mut user.introduced_to),
            ("introduced_by", &mut user.introduced_by),
        ] {
            if value.is_some_and(|other| gone.contains(&other)) {
                *value = None;
                fields.push(field);
            }
        }
        if !fields.is_empty() {
            tx.put_user(&mut user)?;
            cleared.push((user_id, fields));
        }
    }
    Ok(cleared)
}
