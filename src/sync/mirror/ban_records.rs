//! `ban_records`: one row per banned (or once banned) user, in the original's columns, plus
//! `reviewer`: who reviewed, as the API says it (an admin's username has no `users` row for
//! the original's `reviewed_by` to refer to, so that column holds only a granted user's id).

use serde_json::Value;

use super::columns::PgType::{Int, Jsonb, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::BanRecord;

fn reviewed_by_user(record: &BanRecord) -> Option<uuid::Uuid> {
    record.reviewed_by.as_deref()?.parse().ok()
}

fn ip_addresses(record: &BanRecord) -> Value {
    Value::Array(
        record
            .ip_addresses
            .iter()
            .map(|ip| Value::String(ip.clone()))
            .collect(),
    )
}

impl Mirrored for BanRecord {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("user_id", Uuid, |b: &BanRecord| uuid(&b.user_id)).key(),
            Column::new("user_name", Text, |b: &BanRecord| b.user_name.clone()),
            Column::new("user_selfie", Text, |b: &BanRecord| b.user_selfie.clone()),
            Column::new("user_video", Text, |b: &BanRecord| b.user_video.clone()),
            Column::new("ban_status", Text, |b: &BanRecord| b.ban_status.as_str()).verified(),
            Column::new("banned_at", Timestamp, |b: &BanRecord| b.banned_at),
            Column::new("banned_reason", Text, |b: &BanRecord| {
                b.banned_reason.clone()
            }),
            Column::new("report_count", Int, |b: &BanRecord| {
                i32::try_from(b.report_count).unwrap_or(i32::MAX)
            })
            .verified(),
            Column::new("review_status", Text, |b: &BanRecord| {
                b.review_status.clone()
            })
            .verified(),
            Column::new("reviewed_at", Timestamp, |b: &BanRecord| b.reviewed_at),
            Column::new("reviewed_by", Uuid, reviewed_by_user),
            Column::new("reviewer", Text, |b: &BanRecord| b.reviewed_by.clone()),
            Column::new("ip_addresses", Jsonb, ip_addresses),
        ];
        Table::new("ban_records", |b: &BanRecord| b.version, columns)
    }
}
