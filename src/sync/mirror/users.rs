//! `users`: one row per user record.

use serde_json::{Value, json};

use super::columns::PgType::{Bool, Int, Jsonb, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, int, uuid};
use crate::store::records::User;

fn last_sessions_json(user: &User) -> Value {
    Value::Array(
        user.last_sessions
            .iter()
            .map(|s| json!({"at": s.at, "duration": s.duration_seconds}))
            .collect(),
    )
}

impl Mirrored for User {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("user_id", Uuid, |u: &User| uuid(&u.id)).key(),
            Column::new("name", Text, |u: &User| u.name.clone()).verified(),
            Column::new("gender", Text, |u: &User| u.gender.as_str()),
            Column::new("account_type", Text, |u: &User| u.account_type.as_str()).verified(),
            Column::new("email", Text, |u: &User| u.email.clone()).verified(),
            Column::new("password_hash", Text, |u: &User| u.password_hash.clone()),
            Column::new("selfie_url", Text, |u: &User| u.selfie_url.clone()),
            Column::new("video_url", Text, |u: &User| u.video_url.clone()),
            Column::new("socials", Jsonb, |u: &User| {
                serde_json::from_str(&u.socials).unwrap_or(json!({}))
            }),
            Column::new("timer_total_seconds", Int, |u: &User| {
                int(u.timer_total_seconds)
            })
            .verified(),
            Column::new("session_count", Int, |u: &User| int(u.session_count.into())).verified(),
            Column::new("last_sessions", Jsonb, last_sessions_json),
            Column::new("streak_days", Int, |u: &User| {
                u.streak_days.map(|d| int(d.into()))
            }),
            Column::new("referral_code", Text, |u: &User| u.referral_code.clone()),
            Column::new("referred_by", Uuid, |u: &User| {
                u.referred_by.map(|i| uuid(&i))
            }),
            Column::new("introduced_to", Uuid, |u: &User| {
                u.introduced_to.map(|i| uuid(&i))
            }),
            Column::new("introduced_via_code", Text, |u: &User| {
                u.introduced_via_code.clone()
            }),
            Column::new("introduced_by", Uuid, |u: &User| {
                u.introduced_by.map(|i| uuid(&i))
            }),
            Column::new("paid_status", Text, |u: &User| u.paid_status.as_str()).verified(),
            Column::new("paid_at", Timestamp, |u: &User| u.paid_at),
            Column::new("payment_id", Text, |u: &User| u.payment_id.clone()),
            Column::new("invite_code_used", Text, |u: &User| {
                u.invite_code_used.clone()
            }),
            Column::new("my_invite_code", Text, |u: &User| u.my_invite_code.clone()),
            Column::new("invite_code_uses_remaining", Int, |u: &User| {
                u.invite_code_uses_remaining
            }),
            Column::new("qr_unlocked", Bool, |u: &User| u.qr_unlocked),
            Column::new("successful_sessions", Int, |u: &User| {
                int(u.successful_sessions.into())
            })
            .verified(),
            Column::new("qr_unlocked_at", Timestamp, |u: &User| u.qr_unlocked_at),
            Column::new("ban_status", Text, |u: &User| u.ban_status.as_str()).verified(),
            Column::new("banned_at", Timestamp, |u: &User| u.banned_at),
            Column::new("banned_reason", Text, |u: &User| u.banned_reason.clone()),
            Column::new("review_status", Text, |u: &User| u.review_status.clone()),
            Column::new("created_at", Timestamp, |u: &User| u.created_at),
            // The original's trigger sets updated_at on every UPDATE.
            Column::new("updated_at", Timestamp, |u: &User| u.updated_at).insert_only(),
        ];
        Table::new("users", |u: &User| u.version, columns)
    }
}
