//! What the review pages and the public lists read.

use super::report::PENDING;
use crate::store::records::{BanRecord, BanStatus, Report};
use crate::store::{Reader, StoreError};

/// A ban waiting for review, with the reports behind it.
#[derive(Debug, Clone)]
pub struct PendingBan {
    pub record: BanRecord,
    pub reports: Vec<Report>,
}

/// Bans whose review is pending, oldest ban first.
pub fn pending_bans(reader: &Reader) -> Result<Vec<PendingBan>, StoreError> {
    let mut pending = Vec::new();
    for record in reader.ban_records()? {
        if record.review_status.as_deref() == Some(PENDING) {
            let reports = reader.reports_on(&record.user_id)?;
            pending.push(PendingBan { record, reports });
        }
    }
    pending.sort_by_key(|p| (p.record.banned_at, p.record.user_id));
    Ok(pending)
}

/// `GET /report/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModerationStats {
    pub total_reports: u64,
    pub total_bans: u64,
    pub pending_reviews: u64,
    pub permanent_bans: u64,
    pub temporary_bans: u64,
    pub vindicated: u64,
}

pub fn stats(reader: &Reader) -> Result<ModerationStats, StoreError> {
    let mut stats = ModerationStats {
        total_reports: reader.report_count()?,
        ..ModerationStats::default()
    };
    for record in reader.ban_records()? {
        stats.total_bans += 1;
        if record.review_status.as_deref() == Some(PENDING) {
            stats.pending_reviews += 1;
        }
        match record.ban_status {
            BanStatus::Permanent => stats.permanent_bans += 1,
            BanStatus::Temporary => stats.temporary_bans += 1,
            BanStatus::Vindicated => stats.vindicated += 1,
            BanStatus::None => {}
        }
    }
    Ok(stats)
}
