//! `POST /report/user`: one report per (reporter, reported) pair, and the auto-ban it may
//! trigger, in one transaction so two reports arriving together cannot both miss (or both
//! make) the ban.

use std::net::IpAddr;

use super::addresses;
use super::rules::ModerationRules;
use crate::accounts::{is_banned, new_token};
use crate::clock::Millis;
use crate::store::records::{BanRecord, BanStatus, IpBan, Report, User};
use crate::store::{Id, Store, StoreError, Tx};

/// The reason stored when the reporter gave none (the original's text).
pub const NO_REASON: &str = "No reason provided";
/// Reasons are kept to this many characters: a report is a note, not a document.
pub const REASON_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone)]
pub struct NewReport {
    pub reporter: Id,
    pub reported: Id,
    pub reason: Option<String>,
    pub room_id: Option<Id>,
    pub reporter_ip: IpAddr,
}

#[derive(Debug)]
pub enum ReportError {
    Yourself,
    AlreadyReported,
    /// The reporter or the reported user does not exist.
    UserNotFound,
    Unavailable(StoreError),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// A stored report, and the ban it triggered if it did.
#[derive(Debug, Clone)]
pub struct Filed {
    pub report_id: Id,
    /// Distinct reporters of the user since their last vindication, this one included.
    pub report_count: u32,
    pub ban: Option<Banned>,
}

/// A ban the report triggered: its user's sockets are to be closed and its addresses added
/// to the request gate.
#[derive(Debug, Clone)]
pub struct Banned {
    pub user_id: Id,
    pub ip_bans: Vec<IpBan>,
}

pub async fn file_report(
    store: &Store,
    rules: ModerationRules,
    report: NewReport,
    now: Millis,
) -> Result<Filed, ReportError> {
    if report.reporter == report.reported {
        return Err(ReportError::Yourself);
    }
    store
        .write(move |tx| write(tx, &rules, report, now))
        .await?
}

fn write(
    tx: &mut Tx<'_>,
    rules: &ModerationRules,
    new: NewReport,
    now: Millis,
) -> Result<Result<Filed, ReportError>, StoreError> {
    if tx.has_reported(new.reporter, new.reported)? {
        return Ok(Err(ReportError::AlreadyReported));
    }
    let (Some(reporter), Some(mut reported)) = (tx.user(&new.reporter)?, tx.user(&new.reported)?)
    else {
        return Ok(Err(ReportError::UserNotFound));
    };
    let mut report = Report {
        id: new_token(),
        reported_user_id: reported.id,
        reported_user_name: reported.name.clone(),
        reported_user_selfie: reported.selfie_url.clone(),
        reported_user_video: reported.video_url.clone(),
        reporter_user_id: reporter.id,
        reporter_name: reporter.name,
        reporter_ip: Some(new.reporter_ip.to_canonical().to_string()),
        reason: reason_text(new.reason),
        room_id: new.room_id,
        created_at: now,
        version: 0,
    };
    tx.put_report(&mut report)?;
    let report_count = reporters_since_vindication(tx, &reported)?;
    let ban = if report_count >= rules.auto_ban_reporters && !is_banned(reported.ban_status) {
        Some(auto_ban(tx, rules, &mut reported, report_count, now)?)
    } else {
        None
    };
    Ok(Ok(Filed {
        report_id: report.id,
        report_count,
        ban,
    }))
}

fn reason_text(reason: Option<String>) -> String {
    match reason.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text.chars().take(REASON_MAX_CHARS).collect(),
        _ => NO_REASON.to_owned(),
    }
}

/// Reports made before a vindication were judged by it: only later ones count again.
fn reporters_since_vindication(tx: &Tx<'_>, user: &User) -> Result<u32, StoreError> {
    let vindicated_at = tx
        .ban_record(&user.id)?
        .filter(|record| record.ban_status == BanStatus::Vindicated)
        .and_then(|record| record.reviewed_at);
    let reporters = tx.reporters_of(user.id)?;
    let counted = reporters
        .iter()
        .filter(|r| vindicated_at.is_none_or(|at| r.reported_at > at))
        .count();
    Ok(u32::try_from(counted).unwrap_or(u32::MAX))
}

/// A temporary ban pending review, and IP bans of the user's addresses that are not shared.
fn auto_ban(
    tx: &mut Tx<'_>,
    rules: &ModerationRules,
    user: &mut User,
    report_count: u32,
    now: Millis,
) -> Result<Banned, StoreError> {
    let reason = format!("Auto-banned: {report_count} reports received");
    let recorded: Vec<String> = tx
        .user_ips(&user.id)?
        .map(|r| r.addresses.into_iter().map(|seen| seen.ip).collect())
        .unwrap_or_default();
    let ip_bans = addresses::ban_unshared(tx, &user.id, &recorded, &reason, rules, now)?;
    let mut record = BanRecord {
        user_id: user.id,
        user_name: user.name.clone(),
        user_selfie: user.selfie_url.clone(),
        user_video: user.video_url.clone(),
        ban_status: BanStatus::Temporary,
        banned_at: now,
        banned_reason: reason.clone(),
        report_count,
        review_status: Some(PENDING.to_owned()),
        reviewed_at: None,
        reviewed_by: None,
        ip_addresses: recorded,
        version: 0,
    };
    tx.put_ban_record(&mut record)?;
    user.ban_status = BanStatus::Temporary;
    user.banned_at = Some(now);
    user.banned_reason = Some(reason);
    user.review_status = Some(PENDING.to_owned());
    user.updated_at = now;
    tx.put_user(user)?;
    Ok(Banned {
        user_id: user.id,
        ip_bans,
    })
}

/// The review state of a ban nobody has reviewed yet.
pub const PENDING: &str = "pending";
