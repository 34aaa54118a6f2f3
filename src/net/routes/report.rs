//! `/report`: reports, the review of bans, and the public ban lists.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::accounts::{id_string, is_banned, parse_id};
use crate::domain::{Command, Notice};
use crate::moderation::{self, Banned, Decision, Filed, NewReport, PendingBan};
use crate::net::Http;
use crate::net::admin_guard::require_admin;
use crate::net::auth::{require_auth, require_auth_even_if_banned};
use crate::net::body::{json_object, optional_str};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;
use crate::store::records::{BanRecord, BanStatus, Report};

/// `/report/all` answers at most this many reports, newest first: the list is for reading.
const ALL_REPORTS_MAX: usize = 1000;

/// `POST /report/user {reportedUserId, reason?, roomId?}`.
pub async fn file(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let reported = match body.get("reportedUserId") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => return Err(ApiError::bad_request("reportedUserId is required")),
    };
    if reported == id_string(&context.user_id) {
        return Err(ApiError::bad_request("Cannot report yourself"));
    }
    let reported = parse_id(&reported).ok_or(ApiError::NotFound("User not found"))?;
    let report = NewReport {
        reporter: context.user_id,
        reported,
        reason: optional_str(&body, "reason")?.map(str::to_owned),
        room_id: optional_str(&body, "roomId")?.and_then(parse_id),
        reporter_ip: call.ip,
    };
    let now = state.clock.now_ms();
    let rules = state.config.moderation;
    let filed = moderation::file_report(&state.store, rules, report, now).await?;
    state.queue_extras.reported(context.user_id);
    let Filed {
        report_id,
        report_count,
        ban,
    } = filed;
    let Some(ban) = ban else {
        return Ok(ok(&json!({
            "success": true,
            "reportId": id_string(&report_id),
            "reportCount": report_count,
            "message": "Report submitted successfully.",
        })));
    };
    enforce(state, &ban);
    tracing::info!(user = %id_string(&ban.user_id), report_count, "user auto-banned");
    Ok(ok(&json!({
        "success": true,
        "reportId": id_string(&report_id),
        "autoBanned": true,
        "reportCount": report_count,
        "message": "Report submitted. User has been temporarily banned pending review.",
    })))
}

/// A committed ban takes effect at once: its addresses are refused from the next request,
/// and the user's sockets are told and closed, ending their calls as a disconnect would.
fn enforce(state: &Http, ban: &Banned) {
    state.gate.ban(&ban.ip_bans);
    state.realtime.dispatch(Command::Kick {
        user: ban.user_id,
        notice: Some(Notice::suspended()),
    });
}

/// `GET /report/pending` (admin): bans awaiting review, each with its reports.
pub async fn pending(state: &Arc<Http>, call: Call) -> Answer {
    require_admin(state, call.request.headers())?;
    let pending = moderation::pending_bans(&state.store.read()?)?;
    let items: Vec<Value> = pending.iter().map(pending_json).collect();
    Ok(ok(&json!({ "count": items.len(), "pending": items })))
}

fn pending_json(pending: &PendingBan) -> Value {
    let mut item = ban_json(&pending.record);
    let reports: Vec<Value> = pending.reports.iter().map(report_json).collect();
    item["reports"] = Value::Array(reports);
    item
}

/// `GET /report/all` (admin): reports, newest first.
pub async fn all(state: &Arc<Http>, call: Call) -> Answer {
    require_admin(state, call.request.headers())?;
    let reports = state.store.read()?.newest_reports(ALL_REPORTS_MAX)?;
    let items: Vec<Value> = reports.iter().map(report_json).collect();
    Ok(ok(&json!({ "count": items.len(), "reports": items })))
}

/// `POST /report/review/:userId {decision}` (admin).
pub async fn review(state: &Arc<Http>, call: Call) -> Answer {
    let reviewer = require_admin(state, call.request.headers())?;
    let user = call.params.get("userId").and_then(parse_id);
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let decision = match body.get("decision") {
        Some(Value::String(text)) => Decision::parse(text),
        _ => None,
    }
    .ok_or(ApiError::bad_request(
        r#"Invalid decision. Must be "permanent" or "vindicated""#,
    ))?;
    let user = user.ok_or(ApiError::NotFound("Ban record not found"))?;
    let now = state.clock.now_ms();
    let rules = state.config.moderation;
    let reviewed_by = reviewer.reviewed_by();
    let reviewed =
        moderation::review(&state.store, rules, user, decision, reviewed_by, now).await?;
    state.gate.lift(&reviewed.lifted);
    state.gate.ban(&reviewed.banned);
    if decision == Decision::Permanent {
        state.realtime.dispatch(Command::Kick {
            user,
            notice: Some(Notice::suspended()),
        });
    }
    let message = match decision {
        Decision::Permanent => "User permanently banned and added to blacklist",
        Decision::Vindicated => "User vindicated and ban lifted",
    };
    Ok(ok(&json!({
        "success": true,
        "userId": id_string(&user),
        "decision": decision.as_str(),
        "message": message,
    })))
}

/// `GET /report/blacklist` (public): the permanently banned, as the blacklist site shows them.
pub async fn blacklist(state: &Arc<Http>, _call: Call) -> Answer {
    let records = state.store.read()?.ban_records()?;
    let mut permanent: Vec<&BanRecord> = records
        .iter()
        .filter(|r| r.ban_status == BanStatus::Permanent)
        .collect();
    permanent.sort_by_key(|r| std::cmp::Reverse(r.banned_at));
    let items: Vec<Value> = permanent
        .iter()
        .map(|r| {
            json!({
                "userName": r.user_name,
                "userSelfie": r.user_selfie,
                "userVideo": r.user_video,
                "bannedAt": r.banned_at,
                "bannedReason": r.banned_reason,
                "reportCount": r.report_count,
            })
        })
        .collect();
    Ok(ok(&json!({
        "count": items.len(),
        "blacklist": items,
        "lastUpdated": state.clock.now_ms(),
    })))
}

/// `GET /report/check-ban`: the caller's own ban (a banned caller is answered too).
pub async fn check_ban(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth_even_if_banned(state, call.request.headers())?;
    let record = state.store.read()?.ban_record(&context.user_id)?;
    let banned = is_banned(context.ban_status);
    Ok(ok(&json!({
        "isBanned": banned,
        "banStatus": context.ban_status.as_str(),
        "banRecord": record.as_ref().map(ban_json),
    })))
}

/// `GET /report/check-ip/:ip` (public): whether an address is banned; no user ids (§7.10).
pub async fn check_ip(state: &Arc<Http>, call: Call) -> Answer {
    let ip = call
        .params
        .get("ip")
        .and_then(|ip| ip.parse::<IpAddr>().ok());
    let ban = match ip {
        Some(ip) => state.store.read()?.ip_ban(&ip.to_canonical().to_string())?,
        None => None,
    };
    Ok(ok(&json!({
        "isBanned": ban.is_some(),
        "ipBan": ban.map(|b| json!({
            "ipAddress": b.ip,
            "bannedAt": b.banned_at,
            "reason": b.reason,
        })),
    })))
}

/// `GET /report/stats` (admin).
pub async fn stats(state: &Arc<Http>, call: Call) -> Answer {
    require_admin(state, call.request.headers())?;
    let stats = moderation::stats(&state.store.read()?)?;
    Ok(ok(&json!({
        "totalReports": stats.total_reports,
        "totalBans": stats.total_bans,
        "pendingReviews": stats.pending_reviews,
        "permanentBans": stats.permanent_bans,
        "temporaryBans": stats.temporary_bans,
        "vindicated": stats.vindicated,
    })))
}

fn report_json(report: &Report) -> Value {
    json!({
        "reportId": id_string(&report.id),
        "reportedUserId": id_string(&report.reported_user_id),
        "reportedUserName": report.reported_user_name,
        "reportedUserSelfie": report.reported_user_selfie,
        "reportedUserVideo": report.reported_user_video,
        "reporterUserId": id_string(&report.reporter_user_id),
        "reporterName": report.reporter_name,
        "reporterIp": report.reporter_ip,
        "reason": report.reason,
        "timestamp": report.created_at,
        "roomId": report.room_id.as_ref().map(id_string),
    })
}

fn ban_json(record: &BanRecord) -> Value {
    json!({
        "userId": id_string(&record.user_id),
        "userName": record.user_name,
        "userSelfie": record.user_selfie,
        "userVideo": record.user_video,
        "banStatus": record.ban_status.as_str(),
        "bannedAt": record.banned_at,
        "bannedReason": record.banned_reason,
        "reportCount": record.report_count,
        "reviewStatus": record.review_status,
        "reviewedAt": record.reviewed_at,
        "reviewedBy": record.reviewed_by,
        "ipAddresses": record.ip_addresses,
    })
}
