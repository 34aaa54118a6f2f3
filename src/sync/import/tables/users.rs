//! `users` -> user records. Emails that collide once normalised stay with one user; a row
//! that cannot be imported leaves the users referring to it without that reference.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use tokio_postgres::Row;
use uuid::Uuid;

use super::super::convert::{self, EMAIL_COLLISION, UserRow, id, normalize_email};
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::paging::{WRITE_BATCH, batches};
use super::table::{Import, Page, SourceTable, adjust_all, skip, uuid_text};
use crate::clock::Millis;
use crate::store::records::{Id, User};
use crate::store::{StoreError, Tx};

const REFERENCE_CLEARED: &str = "refers to a user that was not imported; reference cleared";

pub(super) struct Users {
    /// Which user loses its email (key) to which (value).
    losers: HashMap<Id, Id>,
    /// Rows that could not be imported: what refers to them is cleared.
    skipped: HashSet<Id>,
}

impl Users {
    pub(super) async fn prepare(import: &Import<'_, '_>) -> anyhow::Result<Self> {
        Ok(Self {
            losers: email_collisions(import).await?,
            skipped: HashSet::new(),
        })
    }
}

impl SourceTable for Users {
    const NAME: &'static str = "users";
    type Item = User;
    /// (user stored without its email, the user who holds it).
    type Written = Vec<(Id, Id)>;

    fn columns(&self) -> String {
        format!(
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
        )
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        &[("user_id", KeyKind::Uuid)]
    }

    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<User>> {
        let row = user_row(row)?;
        let key = row.id;
        let mut changes = Vec::new();
        match convert::user(row, page.now, &mut changes) {
            Err(reason) => {
                skip(table, key, reason);
                self.skipped.insert(id(key));
                Ok(None)
            }
            Ok(mut user) => {
                if let Some(kept) = self.losers.get(&user.id)
                    && user.email.is_some()
                {
                    user.email = None;
                    changes.push((EMAIL_COLLISION, Some(kept_user(kept))));
                }
                adjust_all(table, key, changes);
                Ok(Some(user))
            }
        }
    }

    fn write(tx: &mut Tx<'_>, users: Vec<User>) -> Result<Vec<(Id, Id)>, StoreError> {
        put_users(tx, users)
    }

    fn written(&mut self, table: &mut TableReport, count: u64, collisions: Vec<(Id, Id)>) {
        table.imported += count;
        for (user, owner) in collisions {
            table.adjust(uuid_text(&user), EMAIL_COLLISION, Some(kept_user(&owner)));
        }
    }

    async fn finish(self, import: &mut Import<'_, '_>) -> anyhow::Result<()> {
        clear_references(import, self.skipped).await
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
        let table = import.report.table_mut(Users::NAME);
        for (user, fields) in cleared {
            table.adjust(uuid_text(&user), REFERENCE_CLEARED, Some(fields.join(", ")));
        }
    }
    Ok(())
}

fn user_row(row: &Row) -> Result<UserRow, tokio_postgres::Error> {
    Ok(UserRow {
        id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        gender: row.try_get("gender")?,
        account_type: row.try_get("account_type")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        selfie_url: row.try_get("selfie_url")?,
        video_url: row.try_get("video_url")?,
        socials: row.try_get("socials")?,
        timer_total_seconds: row.try_get("timer_total_seconds")?,
        session_count: row.try_get("session_count")?,
        last_sessions: row.try_get("last_sessions")?,
        streak_days: row.try_get("streak_days")?,
        referral_code: row.try_get("referral_code")?,
        referred_by: row.try_get("referred_by")?,
        introduced_to: row.try_get("introduced_to")?,
        introduced_via_code: row.try_get("introduced_via_code")?,
        introduced_by: row.try_get("introduced_by")?,
        paid_status: row.try_get("paid_status")?,
        paid_at: row.try_get("paid_at")?,
        payment_id: row.try_get("payment_id")?,
        invite_code_used: row.try_get("invite_code_used")?,
        my_invite_code: row.try_get("my_invite_code")?,
        invite_code_uses_remaining: row.try_get("invite_code_uses_remaining")?,
        qr_unlocked: row.try_get("qr_unlocked")?,
        successful_sessions: row.try_get("successful_sessions")?,
        qr_unlocked_at: row.try_get("qr_unlocked_at")?,
        ban_status: row.try_get("ban_status")?,
        banned_at: row.try_get("banned_at")?,
        banned_reason: row.try_get("banned_reason")?,
        review_status: row.try_get("review_status")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores users; one whose email another already holds (a collision the SQL pre-pass could
/// not see) is stored without it. Returns those (user, owner of the email).
fn put_users(tx: &mut Tx<'_>, users: Vec<User>) -> Result<Vec<(Id, Id)>, StoreError> {
    let mut collisions = Vec::new();
    for mut user in users {
        if let Some(email) = &user.email
            && let Some(owner) = tx.user_id_by_email(email)?
            && owner != user.id
        {
            collisions.push((user.id, owner));
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
