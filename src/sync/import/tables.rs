//! One reader per source table: page through it, convert each row, check what it refers to
//! exists in the store, and write the records in batches through `Store::write` (which also
//! fills the outbox, so the mirror sync copies them later).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use tokio_postgres::{Row, Transaction};
use uuid::Uuid;

use super::convert::{
    self, BanEffect, BanRow, CompletionRow, EMAIL_COLLISION, HistoryRow, Reason, SessionRow,
    UserRow, id, normalize_email,
};
use super::report::{ImportReport, TableReport};
use super::source::{KeyKind, Pager, ms, primary_key_width};
use crate::clock::Millis;
use crate::store::records::{Completion, HistoryEntry, Id, Session, User};
use crate::store::{Reader, Store, StoreError, Tx};

/// Records per `Store::write` (one group commit each).
const WRITE_BATCH: usize = 1_000;
/// A progress line every this many rows read.
const PROGRESS_EVERY: u64 = 100_000;

const NO_STORE_SUPPORT: &str = "no store support yet";
const USER_MISSING: &str = "user not imported";
const PARTNER_MISSING: &str = "partner not imported";
const REFERENCE_CLEARED: &str = "refers to a user that was not imported; reference cleared";

const USER_KEY: &[(&str, KeyKind)] = &[("user_id", KeyKind::Uuid)];
const SESSION_KEY: &[(&str, KeyKind)] = &[("session_token", KeyKind::Uuid)];
const HISTORY_KEY_ORIGINAL: &[(&str, KeyKind)] = &[("session_id", KeyKind::Text)];
const HISTORY_KEY_PER_PARTICIPANT: &[(&str, KeyKind)] =
    &[("session_id", KeyKind::Text), ("user_id", KeyKind::Uuid)];
const SERIAL_KEY: &[(&str, KeyKind)] = &[("id", KeyKind::Int)];

/// Tables the store has no record type for yet: counted and reported, not imported.
const COUNTED_ONLY: &[(&str, &str)] = &[
    ("invite_codes", NO_STORE_SUPPORT),
    ("reports", NO_STORE_SUPPORT),
    ("ip_bans", NO_STORE_SUPPORT),
    ("referral_notifications", NO_STORE_SUPPORT),
    ("audit_log", "unused by the original server"),
];

pub(super) struct Importer<'a, 't> {
    store: &'a Store,
    src: &'a Transaction<'t>,
    now: Millis,
    present: HashSet<String>,
    report: ImportReport,
    /// Users rows that could not be imported: what refers to them is cleared or skipped.
    skipped_users: HashSet<Id>,
}

/// Splits `items` into owned batches (a store write takes ownership of its records).
fn batches<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut current = Vec::with_capacity(size.min(items.len()));
    for item in items {
        current.push(item);
        if current.len() == size {
            out.push(std::mem::replace(&mut current, Vec::with_capacity(size)));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn has_user(reader: &Reader, user: &Id) -> Result<bool, StoreError> {
    Ok(reader.with_user(user, |_| ())?.is_some())
}

fn uuid_text(id: &Id) -> String {
    Uuid::from_bytes(*id).to_string()
}

fn progress(table: &TableReport, finished: bool) {
    if finished {
        eprintln!(
            "import: {}: read {}, imported {}, skipped {}",
            table.table,
            table.read,
            table.imported,
            table.skipped_total()
        );
    } else if table.read.is_multiple_of(PROGRESS_EVERY) {
        eprintln!("import: {}: {} rows read", table.table, table.read);
    }
}

fn skip(table: &mut TableReport, key: impl std::fmt::Display, (reason, detail): Reason) {
    table.skip(key, reason, detail);
}

fn adjust_all(table: &mut TableReport, key: impl std::fmt::Display, changes: Vec<Reason>) {
    let key = key.to_string();
    for (reason, detail) in changes {
        table.adjust(&key, reason, detail);
    }
}

impl<'a, 't> Importer<'a, 't> {
    pub(super) fn new(
        store: &'a Store,
        src: &'a Transaction<'t>,
        now: Millis,
        present: HashSet<String>,
    ) -> Self {
        Self {
            store,
            src,
            now,
            present,
            report: ImportReport::default(),
            skipped_users: HashSet::new(),
        }
    }

    /// Every table, in an order where what a row refers to is imported before it.
    pub(super) async fn run(mut self) -> anyhow::Result<ImportReport> {
        self.users().await.context("importing users")?;
        self.sessions().await.context("importing sessions")?;
        self.history().await.context("importing chat_history")?;
        self.completions()
            .await
            .context("importing session_completions")?;
        self.cooldowns().await.context("importing cooldowns")?;
        self.ban_records().await.context("importing ban_records")?;
        for (table, reason) in COUNTED_ONLY {
            self.count_only(table, reason)
                .await
                .with_context(|| format!("counting {table}"))?;
        }
        Ok(self.report)
    }

    /// Marks `table` absent if the source lacks it; returns whether it is there.
    fn present(&mut self, table: &'static str) -> bool {
        let present = self.present.contains(table);
        let report = self.report.table_mut(table);
        report.present = present;
        if !present {
            eprintln!("import: {table}: absent from the source");
        }
        present
    }

    // ---- users ----------------------------------------------------------------------------

    async fn users(&mut self) -> anyhow::Result<()> {
        const T: &str = "users";
        self.present(T);
        let losers = self.email_collisions().await?;
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
        let mut pager = Pager::new(T, &columns, USER_KEY);
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let table = self.report.table_mut(T);
            let mut users = Vec::with_capacity(rows.len());
            for row in &rows {
                table.read += 1;
                progress(table, false);
                let row = user_row(row)?;
                let key = row.id;
                let mut changes = Vec::new();
                match convert::user(row, self.now, &mut changes) {
                    Err(reason) => {
                        skip(table, key, reason);
                        self.skipped_users.insert(id(key));
                    }
                    Ok(mut user) => {
                        if let Some(kept) = losers.get(&user.id)
                            && user.email.is_some()
                        {
                            user.email = None;
                            changes.push((EMAIL_COLLISION, Some(kept_user(kept))));
                        }
                        adjust_all(table, key, changes);
                        users.push(user);
                    }
                }
            }
            for batch in batches(users, WRITE_BATCH) {
                let count = batch.len() as u64;
                let collisions = self.store.write(move |tx| put_users(tx, batch)).await?;
                let table = self.report.table_mut(T);
                table.imported += count;
                for (user, owner) in collisions {
                    table.adjust(uuid_text(&user), EMAIL_COLLISION, Some(kept_user(&owner)));
                }
            }
        }
        self.clear_references().await?;
        progress(self.report.table_mut(T), true);
        Ok(())
    }

    /// Users whose emails collide once normalised: which one loses its email (key) to which
    /// (value). The one kept: a permanent account first, then the earliest created, then the
    /// smallest id. The rest are only the few colliding rows, so this fits in memory.
    async fn email_collisions(&self) -> anyhow::Result<HashMap<Id, Id>> {
        let sql = format!(
            "SELECT user_id, email, account_type, {} FROM users
             WHERE lower(btrim(email)) IN (
                SELECT lower(btrim(email)) FROM users WHERE email IS NOT NULL
                GROUP BY 1 HAVING count(*) > 1)",
            ms("created_at")
        );
        let rows = self
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
    async fn clear_references(&mut self) -> anyhow::Result<()> {
        if self.skipped_users.is_empty() {
            return Ok(());
        }
        let gone: Vec<Uuid> = self
            .skipped_users
            .iter()
            .map(|i| Uuid::from_bytes(*i))
            .collect();
        let rows = self
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
            if !self.skipped_users.contains(&user) {
                referring.push(user);
            }
        }
        let gone = Arc::new(self.skipped_users.clone());
        for batch in batches(referring, WRITE_BATCH) {
            let gone = gone.clone();
            let cleared = self
                .store
                .write(move |tx| clear_user_references(tx, batch, &gone))
                .await?;
            let table = self.report.table_mut("users");
            for (user, fields) in cleared {
                table.adjust(uuid_text(&user), REFERENCE_CLEARED, Some(fields.join(", ")));
            }
        }
        Ok(())
    }

    // ---- sessions -------------------------------------------------------------------------

    async fn sessions(&mut self) -> anyhow::Result<()> {
        const T: &str = "sessions";
        if !self.present(T) {
            return Ok(());
        }
        let columns = format!(
            "session_token, user_id, host(ip_address) AS ip, device_info, is_active, {}, {}, {}",
            ms("created_at"),
            ms("expires_at"),
            ms("last_active_at")
        );
        let mut pager = Pager::new(T, &columns, SESSION_KEY);
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let table = self.report.table_mut(T);
            let mut sessions = Vec::with_capacity(rows.len());
            for row in &rows {
                table.read += 1;
                progress(table, false);
                let row = session_row(row)?;
                let key = row.token;
                match convert::session(row, self.now) {
                    Err(reason) => skip(table, key, reason),
                    Ok(session) if session.expires_at <= self.now => table.skip_unlisted("expired"),
                    Ok(session) if !has_user(&reader, &session.user_id)? => {
                        table.skip(key, USER_MISSING, Some(uuid_text(&session.user_id)));
                    }
                    Ok(session) => sessions.push(session),
                }
            }
            drop(reader);
            for batch in batches(sessions, WRITE_BATCH) {
                let count = batch.len() as u64;
                self.store.write(move |tx| put_sessions(tx, batch)).await?;
                self.report.table_mut(T).imported += count;
            }
        }
        progress(self.report.table_mut(T), true);
        Ok(())
    }

    // ---- chat_history ---------------------------------------------------------------------

    async fn history(&mut self) -> anyhow::Result<()> {
        const T: &str = "chat_history";
        if !self.present(T) {
            return Ok(());
        }
        // The original keys a call by session_id alone; a database our 002 migration fixed
        // keys it by (session_id, user_id). Page by whichever primary key is there.
        let key = if primary_key_width(self.src, T).await? >= 2 {
            HISTORY_KEY_PER_PARTICIPANT
        } else {
            HISTORY_KEY_ORIGINAL
        };
        let columns = format!(
            "session_id, user_id, partner_id, partner_name, room_id, {}, duration, messages",
            ms("started_at")
        );
        let mut pager = Pager::new(T, &columns, key);
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let table = self.report.table_mut(T);
            let mut entries = Vec::with_capacity(rows.len());
            for row in &rows {
                table.read += 1;
                progress(table, false);
                let row = history_row(row)?;
                let key = format!("{}/{}", row.session_id, row.user_id);
                let mut changes = Vec::new();
                match convert::history(row, &mut changes) {
                    Err(reason) => skip(table, key, reason),
                    Ok(entry) if !has_user(&reader, &entry.user_id)? => {
                        table.skip(key, USER_MISSING, None);
                    }
                    Ok(entry) if !has_user(&reader, &entry.partner_id)? => {
                        table.skip(key, PARTNER_MISSING, Some(uuid_text(&entry.partner_id)));
                    }
                    Ok(entry) => {
                        adjust_all(table, key, changes);
                        entries.push(entry);
                    }
                }
            }
            drop(reader);
            for batch in batches(entries, WRITE_BATCH) {
                let count = batch.len() as u64;
                self.store.write(move |tx| add_history(tx, batch)).await?;
                self.report.table_mut(T).imported += count;
            }
        }
        progress(self.report.table_mut(T), true);
        Ok(())
    }

    // ---- session_completions --------------------------------------------------------------

    async fn completions(&mut self) -> anyhow::Result<()> {
        const T: &str = "session_completions";
        if !self.present(T) {
            return Ok(());
        }
        let columns = format!(
            "id, user_id, partner_id, room_id, duration_seconds, {}",
            ms("completed_at")
        );
        let mut pager = Pager::new(T, &columns, SERIAL_KEY);
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let table = self.report.table_mut(T);
            let mut completions = Vec::with_capacity(rows.len());
            for row in &rows {
                table.read += 1;
                progress(table, false);
                let key: i32 = row.try_get("id")?;
                let row = completion_row(row)?;
                let mut changes = Vec::new();
                match convert::completion(row, self.now, &mut changes) {
                    Err(reason) => skip(table, key, reason),
                    Ok(c) if !has_user(&reader, &c.user_id)? => {
                        table.skip(key, USER_MISSING, Some(uuid_text(&c.user_id)));
                    }
                    Ok(c) if !has_user(&reader, &c.partner_id)? => {
                        table.skip(key, PARTNER_MISSING, Some(uuid_text(&c.partner_id)));
                    }
                    Ok(c) => {
                        adjust_all(table, key, changes);
                        completions.push((key, c));
                    }
                }
            }
            drop(reader);
            for batch in batches(completions, WRITE_BATCH) {
                let (added, duplicates) = self
                    .store
                    .write(move |tx| add_completions(tx, batch))
                    .await?;
                let table = self.report.table_mut(T);
                table.imported += added;
                for key in duplicates {
                    table.skip(key, "duplicate (user_id, room_id)", None);
                }
            }
        }
        progress(self.report.table_mut(T), true);
        Ok(())
    }

    // ---- cooldowns ------------------------------------------------------------------------

    async fn cooldowns(&mut self) -> anyhow::Result<()> {
        const T: &str = "cooldowns";
        if !self.present(T) {
            return Ok(());
        }
        let columns = format!("id, user_id_1, user_id_2, {}", ms("expires_at"));
        let mut pager = Pager::new(T, &columns, SERIAL_KEY);
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let table = self.report.table_mut(T);
            let mut pairs = Vec::with_capacity(rows.len());
            for row in &rows {
                table.read += 1;
                progress(table, false);
                let key: i32 = row.try_get("id")?;
                let a = id(row.try_get("user_id_1")?);
                let b = id(row.try_get("user_id_2")?);
                let until: Option<Millis> = row.try_get("expires_at")?;
                let Some(until) = until else {
                    table.skip(key, "expires_at is not a finite time", None);
                    continue;
                };
                if until <= self.now {
                    table.skip_unlisted("expired");
                } else if a == b {
                    table.skip(key, "a user paired with themself", None);
                } else if !has_user(&reader, &a)? {
                    table.skip(key, USER_MISSING, Some(uuid_text(&a)));
                } else if !has_user(&reader, &b)? {
                    table.skip(key, USER_MISSING, Some(uuid_text(&b)));
                } else {
                    pairs.push((a, b, until));
                }
            }
            drop(reader);
            for batch in batches(pairs, WRITE_BATCH) {
                let count = batch.len() as u64;
                self.store
                    .write(move |tx| {
                        for (a, b, until) in batch {
                            tx.extend_cooldown(a, b, until)?;
                        }
                        Ok(())
                    })
                    .await?;
                self.report.table_mut(T).imported += count;
            }
        }
        progress(self.report.table_mut(T), true);
        Ok(())
    }

    // ---- ban_records ----------------------------------------------------------------------

    /// The store has no ban record yet, but a temporary or permanent ban still reaches its
    /// user: the ban fields the users row lacked are filled from the record.
    async fn ban_records(&mut self) -> anyhow::Result<()> {
        const T: &str = "ban_records";
        if !self.present(T) {
            return Ok(());
        }
        let columns = format!(
            "user_id, ban_status, {}, banned_reason, review_status",
            ms("banned_at")
        );
        let mut pager = Pager::new(T, &columns, USER_KEY);
        let mut applied = 0u64;
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let mut bans = Vec::with_capacity(rows.len());
            for row in &rows {
                bans.push(BanRow {
                    user_id: row.try_get("user_id")?,
                    ban_status: row.try_get("ban_status")?,
                    banned_at: row.try_get("banned_at")?,
                    banned_reason: row.try_get("banned_reason")?,
                    review_status: row.try_get("review_status")?,
                });
            }
            self.report.table_mut(T).read += bans.len() as u64;
            for batch in batches(bans, WRITE_BATCH) {
                let outcomes = self.store.write(move |tx| apply_bans(tx, batch)).await?;
                let table = self.report.table_mut(T);
                for (user, outcome) in outcomes {
                    match outcome {
                        None => table.skip(user, USER_MISSING, None),
                        Some(Err(reason)) => skip(table, user, reason),
                        Some(Ok(effect)) => {
                            if effect == BanEffect::Applied {
                                applied += 1;
                            }
                            table.skip_unlisted(NO_STORE_SUPPORT);
                        }
                    }
                }
            }
            progress(self.report.table_mut(T), false);
        }
        let table = self.report.table_mut(T);
        table.note = Some(format!(
            "{} rows not imported: {NO_STORE_SUPPORT}; {applied} applied to their user's ban \
             status, banned_at, banned_reason or review_status",
            table.skipped.get(NO_STORE_SUPPORT).copied().unwrap_or(0)
        ));
        progress(table, true);
        Ok(())
    }

    // ---- tables the store cannot hold yet ---------------------------------------------------

    async fn count_only(&mut self, table: &'static str, reason: &str) -> anyhow::Result<()> {
        if !self.present(table) {
            return Ok(());
        }
        let row = self
            .src
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await?;
        let count = u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
        let report = self.report.table_mut(table);
        report.read = count;
        if count > 0 {
            report.skipped.insert(reason.to_owned(), count);
        }
        report.note = Some(format!("{count} rows not imported: {reason}"));
        report.counted_only = true;
        eprintln!("import: {table}: {count} rows not imported: {reason}");
        Ok(())
    }
}

fn kept_user(kept: &Id) -> String {
    format!("the email stays with user {}", uuid_text(kept))
}

// ---- row readers ---------------------------------------------------------------------------

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

fn session_row(row: &Row) -> Result<SessionRow, tokio_postgres::Error> {
    Ok(SessionRow {
        token: row.try_get("session_token")?,
        user_id: row.try_get("user_id")?,
        ip: row.try_get("ip")?,
        device_info: row.try_get("device_info")?,
        is_active: row.try_get("is_active")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_active_at: row.try_get("last_active_at")?,
    })
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

fn completion_row(row: &Row) -> Result<CompletionRow, tokio_postgres::Error> {
    Ok(CompletionRow {
        user_id: row.try_get("user_id")?,
        partner_id: row.try_get("partner_id")?,
        room_id: row.try_get("room_id")?,
        duration_seconds: row.try_get("duration_seconds")?,
        completed_at: row.try_get("completed_at")?,
    })
}

// ---- store writes (each runs inside one group commit) ----------------------------------------

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

fn put_sessions(tx: &mut Tx<'_>, sessions: Vec<Session>) -> Result<(), StoreError> {
    for mut session in sessions {
        tx.put_session(&mut session)?;
    }
    Ok(())
}

fn add_history(tx: &mut Tx<'_>, entries: Vec<HistoryEntry>) -> Result<(), StoreError> {
    for mut entry in entries {
        tx.add_history(&mut entry)?;
    }
    Ok(())
}

/// Returns how many were new and the keys of those the store already had.
fn add_completions(
    tx: &mut Tx<'_>,
    completions: Vec<(i32, Completion)>,
) -> Result<(u64, Vec<i32>), StoreError> {
    let mut added = 0;
    let mut duplicates = Vec::new();
    for (key, mut completion) in completions {
        if tx.add_completion(&mut completion)? {
            added += 1;
        } else {
            duplicates.push(key);
        }
    }
    Ok((added, duplicates))
}

type BanOutcome = (Uuid, Option<Result<BanEffect, Reason>>);

/// Per ban record: `None` if its user is not in the store, else what applying it did.
fn apply_bans(tx: &mut Tx<'_>, bans: Vec<BanRow>) -> Result<Vec<BanOutcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(bans.len());
    for ban in bans {
        let Some(mut user) = tx.user(&id(ban.user_id))? else {
            outcomes.push((ban.user_id, None));
            continue;
        };
        let effect = convert::apply_ban(&mut user, &ban);
        if effect == Ok(BanEffect::Applied) {
            tx.put_user(&mut user)?;
        }
        outcomes.push((ban.user_id, Some(effect)));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::super::source::PAGE;
    use super::*;

    #[test]
    fn batches_split_without_losing_items() {
        let split = batches((0..2_500).collect::<Vec<_>>(), 1_000);
        assert_eq!(
            split.iter().map(Vec::len).collect::<Vec<_>>(),
            [1_000, 1_000, 500]
        );
        assert_eq!(split.concat(), (0..2_500).collect::<Vec<_>>());
        assert!(batches(Vec::<u8>::new(), 10).is_empty());
        assert_eq!(PAGE % WRITE_BATCH, 0, "a page is a whole number of writes");
    }
}
