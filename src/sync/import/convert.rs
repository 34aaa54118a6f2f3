//! Rows of the original database -> store records, as pure functions: each either returns the
//! record (with the changes it needed, for the report) or the reason the row cannot be
//! imported. Timestamps arrive as ms since the epoch (converted in SQL), `None` where the
//! column is NULL or not a finite time.

use serde_json::Value;
use uuid::Uuid;

use crate::clock::Millis;
use crate::store::records::{
    AccountType, BanStatus, Completion, Gender, HistoryEntry, Id, LastSession, PaidStatus, Session,
    User,
};

/// The original's `VARCHAR(255)`.
pub(super) const MAX_NAME_CHARS: usize = 255;
/// The user record keeps the last 10 calls in `last_sessions`.
pub(super) const MAX_LAST_SESSIONS: usize = 10;

/// Why a row was skipped or changed: the reason counted in the report, and row details.
pub(super) type Reason = (&'static str, Option<String>);

pub(super) const EMAIL_COLLISION: &str =
    "email collides with another user's after normalising; imported without email";

pub(super) fn id(uuid: Uuid) -> Id {
    uuid.into_bytes()
}

/// Trimmed and lower-cased, as the server stores and looks up emails; `None` if blank.
pub(super) fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

pub(super) fn account_type(s: &str) -> Option<AccountType> {
    match s {
        "guest" => Some(AccountType::Guest),
        "permanent" => Some(AccountType::Permanent),
        _ => None,
    }
}

pub(super) fn paid_status(s: &str) -> Option<PaidStatus> {
    match s {
        "unpaid" => Some(PaidStatus::Unpaid),
        "paid" => Some(PaidStatus::Paid),
        "qr_verified" => Some(PaidStatus::QrVerified),
        "qr_grace_period" => Some(PaidStatus::QrGracePeriod),
        _ => None,
    }
}

pub(super) fn ban_status(s: &str) -> Option<BanStatus> {
    match s {
        "none" => Some(BanStatus::None),
        "temporary" => Some(BanStatus::Temporary),
        "permanent" => Some(BanStatus::Permanent),
        "vindicated" => Some(BanStatus::Vindicated),
        _ => None,
    }
}

/// One `users` row as read.
#[derive(Debug, Clone, Default)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub gender: String,
    pub account_type: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub selfie_url: Option<String>,
    pub video_url: Option<String>,
    pub socials: Option<Value>,
    pub timer_total_seconds: Option<i32>,
    pub session_count: Option<i32>,
    pub last_sessions: Option<Value>,
    pub streak_days: Option<i32>,
    pub referral_code: Option<String>,
    pub referred_by: Option<Uuid>,
    pub introduced_to: Option<Uuid>,
    pub introduced_via_code: Option<String>,
    pub introduced_by: Option<Uuid>,
    pub paid_status: Option<String>,
    pub paid_at: Option<Millis>,
    pub payment_id: Option<String>,
    pub invite_code_used: Option<String>,
    pub my_invite_code: Option<String>,
    pub invite_code_uses_remaining: Option<i32>,
    pub qr_unlocked: Option<bool>,
    pub successful_sessions: Option<i32>,
    pub qr_unlocked_at: Option<Millis>,
    pub ban_status: Option<String>,
    pub banned_at: Option<Millis>,
    pub banned_reason: Option<String>,
    pub review_status: Option<String>,
    pub created_at: Option<Millis>,
}

pub(super) fn unknown(what: &'static str, value: &str) -> Reason {
    (what, Some(format!("{value:?}")))
}

/// A metric: NULL -> 0 (the column default); negative -> 0, reported.
pub(super) fn metric(value: Option<i32>, field: &str, changes: &mut Vec<Reason>) -> u32 {
    match value {
        None => 0,
        Some(v) => u32::try_from(v).unwrap_or_else(|_| {
            changes.push(("negative metric set to 0", Some(format!("{field} = {v}"))));
            0
        }),
    }
}

pub(super) fn user(row: UserRow, now: Millis, changes: &mut Vec<Reason>) -> Result<User, Reason> {
    let gender =
        Gender::parse(&row.gender).ok_or_else(|| unknown("unknown gender", &row.gender))?;
    let account = account_type(&row.account_type)
        .ok_or_else(|| unknown("unknown account type", &row.account_type))?;
    let paid = match &row.paid_status {
        None => PaidStatus::Unpaid,
        Some(s) => paid_status(s).ok_or_else(|| unknown("unknown paid status", s))?,
    };
    let ban = match &row.ban_status {
        None => BanStatus::None,
        Some(s) => ban_status(s).ok_or_else(|| unknown("unknown ban status", s))?,
    };
    let trimmed = row.name.trim();
    let name = if trimmed.chars().count() > MAX_NAME_CHARS {
        changes.push((
            "name longer than 255 characters; cut",
            Some(format!("{} characters", trimmed.chars().count())),
        ));
        trimmed.chars().take(MAX_NAME_CHARS).collect()
    } else {
        trimmed.to_owned()
    };
    let created_at = row.created_at.unwrap_or_else(|| {
        changes.push(("no created_at; set to the import time", None));
        now
    });
    let mut user = User::new_guest(id(row.id), name, gender, created_at);
    user.account_type = account;
    user.email = row.email.as_deref().and_then(normalize_email);
    user.password_hash = row.password_hash;
    user.selfie_url = row.selfie_url;
    user.video_url = row.video_url;
    user.socials = socials(row.socials.as_ref(), changes);
    user.timer_total_seconds =
        metric(row.timer_total_seconds, "timer_total_seconds", changes).into();
    user.session_count = metric(row.session_count, "session_count", changes);
    user.last_sessions = last_sessions(row.last_sessions.as_ref(), changes);
    user.streak_days = row
        .streak_days
        .map(|d| metric(Some(d), "streak_days", changes));
    user.paid_status = paid;
    user.paid_at = row.paid_at;
    user.payment_id = row.payment_id;
    user.invite_code_used = row.invite_code_used;
    user.my_invite_code = row.my_invite_code;
    user.invite_code_uses_remaining = row.invite_code_uses_remaining.unwrap_or(0);
    user.qr_unlocked = row.qr_unlocked.unwrap_or(false);
    user.qr_unlocked_at = row.qr_unlocked_at;
    user.successful_sessions = metric(row.successful_sessions, "successful_sessions", changes);
    user.ban_status = ban;
    user.banned_at = row.banned_at;
    user.banned_reason = row.banned_reason;
    user.review_status = row.review_status;
    user.referral_code = row.referral_code;
    user.referred_by = row.referred_by.map(id);
    user.introduced_to = row.introduced_to.map(id);
    user.introduced_via_code = row.introduced_via_code;
    user.introduced_by = row.introduced_by.map(id);
    Ok(user)
}

/// The socials JSONB as JSON text: an object as it is; NULL -> `{}`; anything else -> `{}`,
/// reported.
pub(super) fn socials(value: Option<&Value>, changes: &mut Vec<Reason>) -> String {
    let problem = "socials is not a JSON object; set to {}";
    json_text(value, Value::is_object, "{}", problem, changes)
}

/// `value` as JSON text when `is_kind` accepts it; NULL (or no value) is `empty`, and so is
/// anything else, with the change `problem` reported.
fn json_text(
    value: Option<&Value>,
    is_kind: fn(&Value) -> bool,
    empty: &str,
    problem: &'static str,
    changes: &mut Vec<Reason>,
) -> String {
    match value {
        None | Some(Value::Null) => empty.to_owned(),
        Some(value) if is_kind(value) => value.to_string(),
        Some(other) => {
            changes.push((problem, Some(json_kind(other).to_owned())));
            empty.to_owned()
        }
    }
}

pub(super) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `[{at, duration}]`: `at` in ms since the epoch (or an RFC 3339 date), `duration` in
/// seconds. Entries that are not that are dropped and reported; only the last 10 are kept.
pub(super) fn last_sessions(value: Option<&Value>, changes: &mut Vec<Reason>) -> Vec<LastSession> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            changes.push((
                "last_sessions is not an array; cleared",
                Some(json_kind(other).to_owned()),
            ));
            return Vec::new();
        }
    };
    let mut sessions: Vec<LastSession> = items.iter().filter_map(last_session).collect();
    let bad = items.len() - sessions.len();
    if bad > 0 {
        changes.push((
            "bad last_sessions entries dropped",
            Some(format!("{bad} of {}", items.len())),
        ));
    }
    if sessions.len() > MAX_LAST_SESSIONS {
        changes.push((
            "more than 10 last_sessions; kept the last 10",
            Some(format!("{} entries", sessions.len())),
        ));
        sessions.drain(..sessions.len() - MAX_LAST_SESSIONS);
    }
    sessions
}

fn last_session(item: &Value) -> Option<LastSession> {
    let at = match item.get("at")? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.round() as i64)
        })?,
        Value::String(s) => {
            let time = humantime::parse_rfc3339_weak(s.trim()).ok()?;
            let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
            i64::try_from(since.as_millis()).ok()?
        }
        _ => return None,
    };
    let duration = item.get("duration")?;
    let duration_seconds = match duration.as_u64() {
        Some(d) => u32::try_from(d).ok()?,
        None => {
            let f = duration.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?;
            u32::try_from(f.round() as u64).ok()?
        }
    };
    (at >= 0).then_some(LastSession {
        at,
        duration_seconds,
    })
}

/// One `sessions` row as read (`ip` is `host(ip_address)`).
#[derive(Debug, Clone)]
pub(super) struct SessionRow {
    pub token: Uuid,
    pub user_id: Uuid,
    pub ip: Option<String>,
    pub device_info: Option<String>,
    pub is_active: Option<bool>,
    pub created_at: Option<Millis>,
    pub expires_at: Option<Millis>,
    pub last_active_at: Option<Millis>,
}

/// `is_active` and `expires_at` preserved; a NULL address becomes "unknown" (as the server
/// records a session it cannot place).
pub(super) fn session(row: SessionRow, now: Millis) -> Result<Session, Reason> {
    let expires_at = row
        .expires_at
        .ok_or(("expires_at is not a finite time", None))?;
    let created_at = row.created_at.unwrap_or(now.min(expires_at));
    Ok(Session {
        token: id(row.token),
        user_id: id(row.user_id),
        ip_address: row.ip.unwrap_or_else(|| "unknown".to_owned()),
        device_info: row
            .device_info
            .unwrap_or_else(|| "Unknown device".to_owned()),
        is_active: row.is_active.unwrap_or(true),
        created_at,
        expires_at,
        last_active_at: row.last_active_at.unwrap_or(created_at),
        version: 0,
    })
}

/// One `chat_history` row as read.
#[derive(Debug, Clone)]
pub(super) struct HistoryRow {
    pub session_id: String,
    pub user_id: Uuid,
    pub partner_id: Uuid,
    pub partner_name: Option<String>,
    pub room_id: Uuid,
    pub started_at: Option<Millis>,
    pub duration: i32,
    pub messages: Option<Value>,
}

pub(super) fn history(row: HistoryRow, changes: &mut Vec<Reason>) -> Result<HistoryEntry, Reason> {
    let started_at = row
        .started_at
        .ok_or(("started_at is not a finite time", None))?;
    let duration_seconds = u32::try_from(row.duration)
        .map_err(|_| ("negative duration", Some(row.duration.to_string())))?;
    let problem = "messages is not a JSON array; set to []";
    let messages = json_text(
        row.messages.as_ref(),
        Value::is_array,
        "[]",
        problem,
        changes,
    );
    Ok(HistoryEntry {
        user_id: id(row.user_id),
        session_id: row.session_id,
        room_id: id(row.room_id),
        partner_id: id(row.partner_id),
        partner_name: row.partner_name.unwrap_or_default(),
        started_at,
        duration_seconds,
        messages,
        version: 0,
    })
}

/// One `session_completions` row as read.
#[derive(Debug, Clone)]
pub(super) struct CompletionRow {
    pub user_id: Uuid,
    pub partner_id: Uuid,
    pub room_id: Uuid,
    pub duration_seconds: i32,
    pub completed_at: Option<Millis>,
}

pub(super) fn completion(
    row: CompletionRow,
    now: Millis,
    changes: &mut Vec<Reason>,
) -> Result<Completion, Reason> {
    let duration_seconds = u32::try_from(row.duration_seconds)
        .ok()
        .filter(|d| *d > 0)
        .ok_or((
            "duration is not positive",
            Some(row.duration_seconds.to_string()),
        ))?;
    let completed_at = row.completed_at.unwrap_or_else(|| {
        changes.push(("no completed_at; set to the import time", None));
        now
    });
    Ok(Completion {
        user_id: id(row.user_id),
        room_id: id(row.room_id),
        partner_id: id(row.partner_id),
        duration_seconds,
        completed_at,
        version: 0,
    })
}

/// One `ban_records` row as read (the record itself is built in `moderation.rs`).
#[derive(Debug, Clone, Default)]
pub(super) struct BanRow {
    pub user_id: Uuid,
    pub user_name: Option<String>,
    pub user_selfie: Option<String>,
    pub user_video: Option<String>,
    pub ban_status: String,
    pub banned_at: Option<Millis>,
    pub banned_reason: Option<String>,
    pub report_count: Option<i32>,
    pub review_status: Option<String>,
    pub reviewed_at: Option<Millis>,
    pub reviewed_by: Option<Uuid>,
    pub ip_addresses: Option<Value>,
}

/// What a ban record does to its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BanEffect {
    /// Not a temporary or permanent ban: nothing to carry over.
    NotABan,
    /// The user already had every field the record could give.
    NothingMissing,
    Applied,
}

/// A temporary or permanent ban record fills the user's ban fields the users row lacked
/// (the original persisted `ban_status` on the user, but not when or why).
pub(super) fn apply_ban(user: &mut User, ban: &BanRow) -> Result<BanEffect, Reason> {
    let status = ban_status(&ban.ban_status)
        .ok_or_else(|| unknown("unknown ban status", &ban.ban_status))?;
    if !matches!(status, BanStatus::Temporary | BanStatus::Permanent) {
        return Ok(BanEffect::NotABan);
    }
    let mut changed = false;
    if user.ban_status == BanStatus::None {
        user.ban_status = status;
        changed = true;
    }
    if user.banned_at.is_none() && ban.banned_at.is_some() {
        user.banned_at = ban.banned_at;
        changed = true;
    }
    if user.banned_reason.is_none() && ban.banned_reason.is_some() {
        user.banned_reason.clone_from(&ban.banned_reason);
        changed = true;
    }
    if user.review_status.is_none() && ban.review_status.is_some() {
        user.review_status.clone_from(&ban.review_status);
        changed = true;
    }
    Ok(if changed {
        BanEffect::Applied
    } else {
        BanEffect::NothingMissing
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: Millis = 1_767_225_600_000;

    fn row() -> UserRow {
        UserRow {
            id: Uuid::from_u128(7),
            name: "  Ann  ".into(),
            gender: "female".into(),
            account_type: "permanent".into(),
            email: Some(" Ann@Example.COM ".into()),
            password_hash: Some("$2b$04$abcdefghijklmnopqrstuv".into()),
            socials: Some(json!({"x": "@ann"})),
            paid_status: Some("qr_grace_period".into()),
            ban_status: Some("none".into()),
            created_at: Some(NOW - 1000),
            ..UserRow::default()
        }
    }

    #[test]
    fn a_user_row_maps_field_by_field() {
        let mut changes = Vec::new();
        let mut r = row();
        r.timer_total_seconds = Some(90);
        r.session_count = None;
        r.streak_days = Some(3);
        r.referred_by = Some(Uuid::from_u128(9));
        r.last_sessions = Some(json!([{"at": NOW - 5000, "duration": 42}]));
        let user = user(r, NOW, &mut changes).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(user.id, Uuid::from_u128(7).into_bytes());
        assert_eq!(user.name, "Ann");
        assert_eq!(user.email.as_deref(), Some("ann@example.com"));
        assert_eq!(
            user.password_hash.as_deref(),
            Some("$2b$04$abcdefghijklmnopqrstuv")
        );
        assert_eq!(user.account_type, AccountType::Permanent);
        assert_eq!(user.paid_status, PaidStatus::QrGracePeriod);
        assert_eq!(user.socials, r#"{"x":"@ann"}"#);
        assert_eq!(user.timer_total_seconds, 90);
        assert_eq!(user.session_count, 0);
        assert_eq!(user.streak_days, Some(3));
        assert_eq!(user.referred_by, Some(Uuid::from_u128(9).into_bytes()));
        assert_eq!(user.created_at, NOW - 1000);
        assert_eq!(
            user.last_sessions,
            vec![LastSession {
                at: NOW - 5000,
                duration_seconds: 42
            }]
        );
    }

    #[test]
    fn unknown_enums_skip_the_row() {
        let mut r = row();
        r.gender = "other".into();
        let err = user(r, NOW, &mut Vec::new()).unwrap_err();
        assert_eq!(err.0, "unknown gender");
        let mut r = row();
        r.paid_status = Some("gold".into());
        assert_eq!(
            user(r, NOW, &mut Vec::new()).unwrap_err().0,
            "unknown paid status"
        );
        let mut r = row();
        r.account_type = "admin".into();
        assert_eq!(
            user(r, NOW, &mut Vec::new()).unwrap_err().0,
            "unknown account type"
        );
    }

    #[test]
    fn odd_values_are_defaulted_and_reported() {
        let mut r = row();
        r.name = "x".repeat(300);
        r.socials = Some(json!(["not", "an", "object"]));
        r.timer_total_seconds = Some(-5);
        r.created_at = None;
        r.email = Some("   ".into());
        let mut changes = Vec::new();
        let user = user(r, NOW, &mut changes).unwrap();
        assert_eq!(user.name.chars().count(), MAX_NAME_CHARS);
        assert_eq!(user.socials, "{}");
        assert_eq!(user.timer_total_seconds, 0);
        assert_eq!(user.created_at, NOW);
        assert_eq!(user.email, None);
        let reasons: Vec<&str> = changes.iter().map(|c| c.0).collect();
        assert_eq!(
            reasons,
            vec![
                "name longer than 255 characters; cut",
                "no created_at; set to the import time",
                "socials is not a JSON object; set to {}",
                "negative metric set to 0",
            ]
        );
    }

    #[test]
    fn last_sessions_keep_good_entries_and_the_last_ten() {
        let mut changes = Vec::new();
        let value = json!([
            {"at": 1000, "duration": 5},
            {"at": "2026-01-01T00:00:00Z", "duration": 7.4},
            {"at": "yesterday", "duration": 1},
            {"duration": 1},
            {"at": 5, "duration": -1},
            "junk",
        ]);
        let sessions = last_sessions(Some(&value), &mut changes);
        assert_eq!(
            sessions,
            vec![
                LastSession {
                    at: 1000,
                    duration_seconds: 5
                },
                LastSession {
                    at: NOW,
                    duration_seconds: 7
                },
            ]
        );
        assert_eq!(
            changes,
            vec![("bad last_sessions entries dropped", Some("4 of 6".into()))]
        );

        let many: Vec<Value> = (0..12).map(|i| json!({"at": i, "duration": 1})).collect();
        let mut changes = Vec::new();
        let sessions = last_sessions(Some(&Value::Array(many)), &mut changes);
        assert_eq!(sessions.len(), MAX_LAST_SESSIONS);
        assert_eq!(sessions[0].at, 2);
        assert_eq!(changes.len(), 1);

        let mut changes = Vec::new();
        assert!(last_sessions(Some(&json!({"a": 1})), &mut changes).is_empty());
        assert_eq!(changes[0].0, "last_sessions is not an array; cleared");
        assert!(last_sessions(None, &mut changes).is_empty());
    }

    #[test]
    fn sessions_keep_state_and_default_the_address() {
        let row = SessionRow {
            token: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            ip: None,
            device_info: None,
            is_active: Some(false),
            created_at: Some(NOW - 10),
            expires_at: Some(NOW + 10),
            last_active_at: None,
        };
        let session = session(row.clone(), NOW).unwrap();
        assert_eq!(session.ip_address, "unknown");
        assert!(!session.is_active);
        assert_eq!(session.expires_at, NOW + 10);
        assert_eq!(session.last_active_at, NOW - 10);
        let infinite = SessionRow {
            expires_at: None,
            ..row
        };
        assert_eq!(
            super::session(infinite, NOW).unwrap_err().0,
            "expires_at is not a finite time"
        );
    }

    #[test]
    fn history_messages_must_be_an_array() {
        let row = HistoryRow {
            session_id: "s1".into(),
            user_id: Uuid::from_u128(1),
            partner_id: Uuid::from_u128(2),
            partner_name: None,
            room_id: Uuid::from_u128(3),
            started_at: Some(NOW),
            duration: 42,
            messages: Some(json!([{"text": "hi"}])),
        };
        let mut changes = Vec::new();
        let entry = history(row.clone(), &mut changes).unwrap();
        assert_eq!(entry.messages, r#"[{"text":"hi"}]"#);
        assert_eq!(entry.partner_name, "");
        assert!(changes.is_empty());
        let odd = HistoryRow {
            messages: Some(json!("hi")),
            ..row.clone()
        };
        assert_eq!(history(odd, &mut changes).unwrap().messages, "[]");
        assert_eq!(changes.len(), 1);
        let negative = HistoryRow {
            duration: -1,
            ..row
        };
        assert_eq!(
            history(negative, &mut changes).unwrap_err().0,
            "negative duration"
        );
    }

    #[test]
    fn ban_records_fill_only_what_the_user_lacks() {
        let ban = BanRow {
            user_id: Uuid::from_u128(7),
            ban_status: "temporary".into(),
            banned_at: Some(NOW - 100),
            banned_reason: Some("reports".into()),
            review_status: Some("pending".into()),
            ..BanRow::default()
        };
        let mut user = user(row(), NOW, &mut Vec::new()).unwrap();
        assert_eq!(apply_ban(&mut user, &ban), Ok(BanEffect::Applied));
        assert_eq!(user.ban_status, BanStatus::Temporary);
        assert_eq!(user.banned_at, Some(NOW - 100));
        assert_eq!(user.banned_reason.as_deref(), Some("reports"));
        assert_eq!(user.review_status.as_deref(), Some("pending"));
        assert_eq!(apply_ban(&mut user, &ban), Ok(BanEffect::NothingMissing));

        let mut vindicated = super::user(row(), NOW, &mut Vec::new()).unwrap();
        vindicated.ban_status = BanStatus::Vindicated;
        assert_eq!(apply_ban(&mut vindicated, &ban), Ok(BanEffect::Applied));
        assert_eq!(vindicated.ban_status, BanStatus::Vindicated);
        assert_eq!(vindicated.banned_reason.as_deref(), Some("reports"));

        let lifted = BanRow {
            ban_status: "vindicated".into(),
            ..ban
        };
        let mut user = super::user(row(), NOW, &mut Vec::new()).unwrap();
        assert_eq!(apply_ban(&mut user, &lifted), Ok(BanEffect::NotABan));
        assert_eq!(user.ban_status, BanStatus::None);
    }
}
