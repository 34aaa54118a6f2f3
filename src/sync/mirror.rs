//! Writing store records into the Postgres mirror: one multi-row statement per table and
//! operation (arrays + UNNEST), all in one transaction per batch.
//!
//! Upserts apply only when the incoming `sync_version` is newer than the row's, so replays and
//! retries are idempotent and an older change never overwrites a newer one. Deletions remove
//! rows whose record no longer exists in the store.

use serde_json::{Value, json};
use tokio_postgres::Transaction;
use uuid::Uuid;

use super::SyncError;
use crate::store::Current;
use crate::store::records::{Completion, Cooldown, HistoryEntry, Id, RecordKind, Session, User};

/// Rows of one batch, grouped by table, in the order foreign keys need.
#[derive(Default)]
pub(crate) struct Rows {
    pub users: Vec<User>,
    pub sessions: Vec<Session>,
    pub history: Vec<HistoryEntry>,
    pub completions: Vec<Completion>,
    pub cooldowns: Vec<Cooldown>,
    pub deleted_users: Vec<Uuid>,
    pub deleted_sessions: Vec<Uuid>,
    pub deleted_cooldowns: Vec<(Uuid, Uuid)>,
}

fn uuid(id: &Id) -> Uuid {
    Uuid::from_bytes(*id)
}

fn pair(key: &[u8]) -> Option<(Uuid, Uuid)> {
    let a: Id = key.get(..16)?.try_into().ok()?;
    let b: Id = key.get(16..32)?.try_into().ok()?;
    Some((uuid(&a), uuid(&b)))
}

impl Rows {
    pub fn add(&mut self, current: Current) {
        match current {
            Current::User(user) => self.users.push(*user),
            Current::Session(session) => self.sessions.push(session),
            Current::History(entry) => self.history.push(entry),
            Current::Completion(completion) => self.completions.push(completion),
            Current::Cooldown(cooldown) => self.cooldowns.push(cooldown),
            Current::Deleted(kind, key) => match kind {
                RecordKind::User => {
                    if let Ok(id) = Id::try_from(key.as_slice()) {
                        self.deleted_users.push(uuid(&id));
                    }
                }
                RecordKind::Session => {
                    if let Ok(id) = Id::try_from(key.as_slice()) {
                        self.deleted_sessions.push(uuid(&id));
                    }
                }
                RecordKind::Cooldown => self.deleted_cooldowns.extend(pair(&key)),
                // History and completions are never deleted from the store.
                RecordKind::History | RecordKind::Completion => {}
            },
        }
    }

    /// One `Rows` per row, in the order [`Rows::write`] writes them (parents first), each
    /// with the kind of its record: for writing a batch row by row.
    pub fn into_singles(self) -> Vec<(RecordKind, Rows)> {
        fn one(kind: RecordKind, fill: impl FnOnce(&mut Rows)) -> (RecordKind, Rows) {
            let mut rows = Rows::default();
            fill(&mut rows);
            (kind, rows)
        }
        let mut singles = Vec::with_capacity(self.len());
        for user in self.users {
            singles.push(one(RecordKind::User, |r| r.users.push(user)));
        }
        for session in self.sessions {
            singles.push(one(RecordKind::Session, |r| r.sessions.push(session)));
        }
        for entry in self.history {
            singles.push(one(RecordKind::History, |r| r.history.push(entry)));
        }
        for completion in self.completions {
            singles.push(one(RecordKind::Completion, |r| {
                r.completions.push(completion)
            }));
        }
        for cooldown in self.cooldowns {
            singles.push(one(RecordKind::Cooldown, |r| r.cooldowns.push(cooldown)));
        }
        for pair in self.deleted_cooldowns {
            singles.push(one(RecordKind::Cooldown, |r| {
                r.deleted_cooldowns.push(pair)
            }));
        }
        for token in self.deleted_sessions {
            singles.push(one(RecordKind::Session, |r| r.deleted_sessions.push(token)));
        }
        for id in self.deleted_users {
            singles.push(one(RecordKind::User, |r| r.deleted_users.push(id)));
        }
        singles
    }

    pub fn len(&self) -> usize {
        self.users.len()
            + self.sessions.len()
            + self.history.len()
            + self.completions.len()
            + self.cooldowns.len()
            + self.deleted_users.len()
            + self.deleted_sessions.len()
            + self.deleted_cooldowns.len()
    }

    /// Writes everything in `txn` (the caller commits). `overwrite` also replaces rows whose
    /// version equals the incoming one (`replay --full` repairing a mirror edited by hand).
    pub async fn write(&self, txn: &Transaction<'_>, overwrite: bool) -> Result<(), SyncError> {
        let newer = if overwrite { "<=" } else { "<" };
        upsert_users(txn, &self.users, newer).await?;
        upsert_sessions(txn, &self.sessions, newer).await?;
        upsert_history(txn, &self.history, newer).await?;
        upsert_completions(txn, &self.completions, newer).await?;
        upsert_cooldowns(txn, &self.cooldowns, newer).await?;
        if !self.deleted_cooldowns.is_empty() {
            let (a, b): (Vec<Uuid>, Vec<Uuid>) = self.deleted_cooldowns.iter().copied().unzip();
            txn.execute(
                "DELETE FROM cooldowns c USING UNNEST($1::uuid[], $2::uuid[]) AS d(a, b)
                 WHERE c.user_id_1 = d.a AND c.user_id_2 = d.b",
                &[&a, &b],
            )
            .await?;
        }
        if !self.deleted_sessions.is_empty() {
            txn.execute(
                "DELETE FROM sessions WHERE session_token = ANY($1)",
                &[&self.deleted_sessions],
            )
            .await?;
        }
        if !self.deleted_users.is_empty() {
            txn.execute(
                "DELETE FROM users WHERE user_id = ANY($1)",
                &[&self.deleted_users],
            )
            .await?;
        }
        Ok(())
    }
}

/// `version` as Postgres BIGINT (sequence numbers stay far below i64::MAX).
fn version(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn int(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn last_sessions_json(user: &User) -> Value {
    Value::Array(
        user.last_sessions
            .iter()
            .map(|s| json!({"at": s.at, "duration": s.duration_seconds}))
            .collect(),
    )
}

/// ms since the epoch -> the original's `TIMESTAMP` (UTC, without time zone).
const TS: &str = "to_timestamp(%s / 1000.0) AT TIME ZONE 'UTC'";

fn ts(column: &str) -> String {
    TS.replace("%s", column)
}

async fn upsert_users(txn: &Transaction<'_>, users: &[User], newer: &str) -> Result<(), SyncError> {
    if users.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&User) -> Option<String>| users.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<Uuid> = users.iter().map(|u| uuid(&u.id)).collect();
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let genders: Vec<&str> = users.iter().map(|u| u.gender.as_str()).collect();
    let account_types: Vec<&str> = users.iter().map(|u| u.account_type.as_str()).collect();
    let emails = col(|u| u.email.clone());
    let hashes = col(|u| u.password_hash.clone());
    let selfies = col(|u| u.selfie_url.clone());
    let videos = col(|u| u.video_url.clone());
    let socials: Vec<Value> = users
        .iter()
        .map(|u| serde_json::from_str(&u.socials).unwrap_or(json!({})))
        .collect();
    let timers: Vec<i32> = users.iter().map(|u| int(u.timer_total_seconds)).collect();
    let counts: Vec<i32> = users.iter().map(|u| int(u.session_count.into())).collect();
    let last: Vec<Value> = users.iter().map(last_sessions_json).collect();
    let streaks: Vec<Option<i32>> = users
        .iter()
        .map(|u| u.streak_days.map(|d| int(d.into())))
        .collect();
    let referral_codes = col(|u| u.referral_code.clone());
    let opt_id = |f: fn(&User) -> Option<Id>| {
        users
            .iter()
            .map(|u| f(u).map(|i| uuid(&i)))
            .collect::<Vec<_>>()
    };
    let referred_by = opt_id(|u| u.referred_by);
    let introduced_to = opt_id(|u| u.introduced_to);
    let via_codes = col(|u| u.introduced_via_code.clone());
    let introduced_by = opt_id(|u| u.introduced_by);
    let paid: Vec<&str> = users.iter().map(|u| u.paid_status.as_str()).collect();
    let paid_at: Vec<Option<i64>> = users.iter().map(|u| u.paid_at).collect();
    let payment_ids = col(|u| u.payment_id.clone());
    let used_codes = col(|u| u.invite_code_used.clone());
    let my_codes = col(|u| u.my_invite_code.clone());
    let uses: Vec<i32> = users.iter().map(|u| u.invite_code_uses_remaining).collect();
    let qr: Vec<bool> = users.iter().map(|u| u.qr_unlocked).collect();
    let successes: Vec<i32> = users
        .iter()
        .map(|u| int(u.successful_sessions.into()))
        .collect();
    let qr_at: Vec<Option<i64>> = users.iter().map(|u| u.qr_unlocked_at).collect();
    let bans: Vec<&str> = users.iter().map(|u| u.ban_status.as_str()).collect();
    let banned_at: Vec<Option<i64>> = users.iter().map(|u| u.banned_at).collect();
    let ban_reasons = col(|u| u.banned_reason.clone());
    let reviews = col(|u| u.review_status.clone());
    let created: Vec<i64> = users.iter().map(|u| u.created_at).collect();
    let updated: Vec<i64> = users.iter().map(|u| u.updated_at).collect();
    let versions: Vec<i64> = users.iter().map(|u| version(u.version)).collect();
    let sql = format!(
        "INSERT INTO users (user_id, name, gender, account_type, email, password_hash, selfie_url,
            video_url, socials, timer_total_seconds, session_count, last_sessions, streak_days,
            referral_code, referred_by, introduced_to, introduced_via_code, introduced_by,
            paid_status, paid_at, payment_id, invite_code_used, my_invite_code,
            invite_code_uses_remaining, qr_unlocked, successful_sessions, qr_unlocked_at,
            ban_status, banned_at, banned_reason, review_status, created_at, updated_at,
            sync_version)
         SELECT id, name, gender, account_type, email, hash, selfie, video, socials, timer, count,
            last, streak, referral, referred_by, introduced_to, via, introduced_by, paid, {paid_at},
            payment, used, mine, uses, qr, successes, {qr_at}, ban, {banned_at}, reason, review,
            {created}, {updated}, version
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::jsonb[], $10::int[], $11::int[], $12::jsonb[], $13::int[],
            $14::text[], $15::uuid[], $16::uuid[], $17::text[], $18::uuid[], $19::text[],
            $20::int8[], $21::text[], $22::text[], $23::text[], $24::int[], $25::bool[],
            $26::int[], $27::int8[], $28::text[], $29::int8[], $30::text[], $31::text[],
            $32::int8[], $33::int8[], $34::int8[])
            AS r(id, name, gender, account_type, email, hash, selfie, video, socials, timer, count,
                 last, streak, referral, referred_by, introduced_to, via, introduced_by, paid,
                 paid_at_ms, payment, used, mine, uses, qr, successes, qr_at_ms, ban,
                 banned_at_ms, reason, review, created_ms, updated_ms, version)
         ON CONFLICT (user_id) DO UPDATE SET
            name = EXCLUDED.name, gender = EXCLUDED.gender, account_type = EXCLUDED.account_type,
            email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
            selfie_url = EXCLUDED.selfie_url, video_url = EXCLUDED.video_url,
            socials = EXCLUDED.socials, timer_total_seconds = EXCLUDED.timer_total_seconds,
            session_count = EXCLUDED.session_count, last_sessions = EXCLUDED.last_sessions,
            streak_days = EXCLUDED.streak_days, referral_code = EXCLUDED.referral_code,
            referred_by = EXCLUDED.referred_by, introduced_to = EXCLUDED.introduced_to,
            introduced_via_code = EXCLUDED.introduced_via_code,
            introduced_by = EXCLUDED.introduced_by, paid_status = EXCLUDED.paid_status,
            paid_at = EXCLUDED.paid_at, payment_id = EXCLUDED.payment_id,
            invite_code_used = EXCLUDED.invite_code_used,
            my_invite_code = EXCLUDED.my_invite_code,
            invite_code_uses_remaining = EXCLUDED.invite_code_uses_remaining,
            qr_unlocked = EXCLUDED.qr_unlocked, successful_sessions = EXCLUDED.successful_sessions,
            qr_unlocked_at = EXCLUDED.qr_unlocked_at, ban_status = EXCLUDED.ban_status,
            banned_at = EXCLUDED.banned_at, banned_reason = EXCLUDED.banned_reason,
            review_status = EXCLUDED.review_status, created_at = EXCLUDED.created_at,
            sync_version = EXCLUDED.sync_version
         WHERE users.sync_version {newer} EXCLUDED.sync_version",
        paid_at = ts("paid_at_ms"),
        qr_at = ts("qr_at_ms"),
        banned_at = ts("banned_at_ms"),
        created = ts("created_ms"),
        updated = ts("updated_ms"),
        newer = newer,
    );
    txn.execute(
        &sql,
        &[
            &ids,
            &names,
            &genders,
            &account_types,
            &emails,
            &hashes,
            &selfies,
            &videos,
            &socials,
            &timers,
            &counts,
            &last,
            &streaks,
            &referral_codes,
            &referred_by,
            &introduced_to,
            &via_codes,
            &introduced_by,
            &paid,
            &paid_at,
            &payment_ids,
            &used_codes,
            &my_codes,
            &uses,
            &qr,
            &successes,
            &qr_at,
            &bans,
            &banned_at,
            &ban_reasons,
            &reviews,
            &created,
            &updated,
            &versions,
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_sessions(
    txn: &Transaction<'_>,
    sessions: &[Session],
    newer: &str,
) -> Result<(), SyncError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let tokens: Vec<Uuid> = sessions.iter().map(|s| uuid(&s.token)).collect();
    let users: Vec<Uuid> = sessions.iter().map(|s| uuid(&s.user_id)).collect();
    // INET rejects anything that is not an address; such a value is stored as NULL.
    let ips: Vec<Option<String>> = sessions
        .iter()
        .map(|s| {
            s.ip_address
                .parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| ip.to_string())
        })
        .collect();
    let devices: Vec<&str> = sessions.iter().map(|s| s.device_info.as_str()).collect();
    let active: Vec<bool> = sessions.iter().map(|s| s.is_active).collect();
    let created: Vec<i64> = sessions.iter().map(|s| s.created_at).collect();
    let expires: Vec<i64> = sessions.iter().map(|s| s.expires_at).collect();
    let last: Vec<i64> = sessions.iter().map(|s| s.last_active_at).collect();
    let versions: Vec<i64> = sessions.iter().map(|s| version(s.version)).collect();
    let sql = format!(
        "INSERT INTO sessions (session_token, user_id, ip_address, device_info, is_active,
            created_at, expires_at, last_active_at, sync_version)
         SELECT token, user_id, ip::inet, device, active, {created}, {expires}, {last}, version
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[], $6::int8[],
            $7::int8[], $8::int8[], $9::int8[])
            AS r(token, user_id, ip, device, active, created_ms, expires_ms, last_ms, version)
         ON CONFLICT (session_token) DO UPDATE SET
            user_id = EXCLUDED.user_id, ip_address = EXCLUDED.ip_address,
            device_info = EXCLUDED.device_info, is_active = EXCLUDED.is_active,
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
            last_active_at = EXCLUDED.last_active_at, sync_version = EXCLUDED.sync_version
         WHERE sessions.sync_version {newer} EXCLUDED.sync_version",
        created = ts("created_ms"),
        expires = ts("expires_ms"),
        last = ts("last_ms"),
        newer = newer,
    );
    txn.execute(
        &sql,
        &[
            &tokens, &users, &ips, &devices, &active, &created, &expires, &last, &versions,
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_history(
    txn: &Transaction<'_>,
    entries: &[HistoryEntry],
    newer: &str,
) -> Result<(), SyncError> {
    if entries.is_empty() {
        return Ok(());
    }
    let sessions: Vec<&str> = entries.iter().map(|e| e.session_id.as_str()).collect();
    let users: Vec<Uuid> = entries.iter().map(|e| uuid(&e.user_id)).collect();
    let partners: Vec<Uuid> = entries.iter().map(|e| uuid(&e.partner_id)).collect();
    let names: Vec<&str> = entries.iter().map(|e| e.partner_name.as_str()).collect();
    let rooms: Vec<Uuid> = entries.iter().map(|e| uuid(&e.room_id)).collect();
    let started: Vec<i64> = entries.iter().map(|e| e.started_at).collect();
    let durations: Vec<i32> = entries
        .iter()
        .map(|e| int(e.duration_seconds.into()))
        .collect();
    let messages: Vec<Value> = entries
        .iter()
        .map(|e| serde_json::from_str(&e.messages).unwrap_or(json!([])))
        .collect();
    let versions: Vec<i64> = entries.iter().map(|e| version(e.version)).collect();
    let sql = format!(
        "INSERT INTO chat_history (session_id, user_id, partner_id, partner_name, room_id,
            started_at, duration, messages, created_at, sync_version)
         SELECT session, user_id, partner, name, room, {started}, duration, messages, {started},
            version
         FROM UNNEST($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::int8[],
            $7::int[], $8::jsonb[], $9::int8[])
            AS r(session, user_id, partner, name, room, started_ms, duration, messages, version)
         ON CONFLICT (session_id, user_id) DO UPDATE SET
            partner_id = EXCLUDED.partner_id, partner_name = EXCLUDED.partner_name,
            room_id = EXCLUDED.room_id, started_at = EXCLUDED.started_at,
            duration = EXCLUDED.duration, messages = EXCLUDED.messages,
            sync_version = EXCLUDED.sync_version
         WHERE chat_history.sync_version {newer} EXCLUDED.sync_version",
        started = ts("started_ms"),
        newer = newer,
    );
    txn.execute(
        &sql,
        &[
            &sessions, &users, &partners, &names, &rooms, &started, &durations, &messages,
            &versions,
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_completions(
    txn: &Transaction<'_>,
    rows: &[Completion],
    newer: &str,
) -> Result<(), SyncError> {
    if rows.is_empty() {
        return Ok(());
    }
    let users: Vec<Uuid> = rows.iter().map(|c| uuid(&c.user_id)).collect();
    let partners: Vec<Uuid> = rows.iter().map(|c| uuid(&c.partner_id)).collect();
    let rooms: Vec<Uuid> = rows.iter().map(|c| uuid(&c.room_id)).collect();
    let durations: Vec<i32> = rows
        .iter()
        .map(|c| int(c.duration_seconds.into()))
        .collect();
    let completed: Vec<i64> = rows.iter().map(|c| c.completed_at).collect();
    let versions: Vec<i64> = rows.iter().map(|c| version(c.version)).collect();
    let sql = format!(
        "INSERT INTO session_completions (user_id, partner_id, room_id, duration_seconds,
            completed_at, sync_version)
         SELECT user_id, partner, room, duration, {completed}, version
         FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int8[], $6::int8[])
            AS r(user_id, partner, room, duration, completed_ms, version)
         ON CONFLICT (user_id, room_id) DO UPDATE SET
            partner_id = EXCLUDED.partner_id, duration_seconds = EXCLUDED.duration_seconds,
            completed_at = EXCLUDED.completed_at, sync_version = EXCLUDED.sync_version
         WHERE session_completions.sync_version {newer} EXCLUDED.sync_version",
        completed = ts("completed_ms"),
        newer = newer,
    );
    txn.execute(
        &sql,
        &[&users, &partners, &rooms, &durations, &completed, &versions],
    )
    .await?;
    Ok(())
}

async fn upsert_cooldowns(
    txn: &Transaction<'_>,
    rows: &[Cooldown],
    newer: &str,
) -> Result<(), SyncError> {
    if rows.is_empty() {
        return Ok(());
    }
    let a: Vec<Uuid> = rows.iter().map(|c| uuid(&c.a)).collect();
    let b: Vec<Uuid> = rows.iter().map(|c| uuid(&c.b)).collect();
    let until: Vec<i64> = rows.iter().map(|c| c.until).collect();
    let versions: Vec<i64> = rows.iter().map(|c| version(c.version)).collect();
    let sql = format!(
        "INSERT INTO cooldowns (user_id_1, user_id_2, expires_at, sync_version)
         SELECT a, b, {until}, version
         FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::int8[]) AS r(a, b, until_ms, version)
         ON CONFLICT (user_id_1, user_id_2) DO UPDATE SET
            expires_at = EXCLUDED.expires_at, sync_version = EXCLUDED.sync_version
         WHERE cooldowns.sync_version {newer} EXCLUDED.sync_version",
        until = ts("until_ms"),
        newer = newer,
    );
    txn.execute(&sql, &[&a, &b, &until, &versions]).await?;
    Ok(())
}
