//! `/payment`: status, invite codes (apply, validate, QR image) and the admin's codes.
//! (Stripe's checkout and webhook are in `checkout.rs`.)

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, CONTENT_LENGTH, HeaderValue};
use serde_json::{Value, json};

use crate::admin::Reviewer;
use crate::calls::QR_UNLOCK_SESSIONS;
use crate::config::Paywall;
use crate::net::Http;
use crate::net::admin_guard::require_admin;
use crate::net::auth::require_auth;
use crate::net::body::{json_object, non_blank_str};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::rate_limit::Decision;
use crate::net::respond::{ok, text, typed};
use crate::paywall::{self, CodeCheck, PaymentStatus, normalize_code, qr_png};
use crate::store::records::InviteCode;

/// `/payment/admin/codes` lists at most this many codes, newest first.
const LISTED_CODES_MAX: usize = 1000;

fn paywall_on(state: &Http) -> bool {
    state.config.rules.paywall == Paywall::On
}

/// `GET /payment/status`.
pub async fn status(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let reader = state.store.read()?;
    let user = reader
        .user(&context.user_id)?
        .ok_or(ApiError::NotFound("User not found"))?;
    let status = paywall::payment_status(&reader, user, paywall_on(state))?;
    Ok(ok(&status_json(&status)))
}

fn status_json(status: &PaymentStatus) -> Value {
    let user = &status.user;
    let code_info = status.my_code.as_ref().map(|code| {
        json!({
            "code": code.code,
            "usesRemaining": code.uses_remaining,
            "maxUses": code.max_uses,
            "totalUsed": code.total_used,
            "type": code.kind.as_str(),
        })
    });
    json!({
        "paidStatus": status.paid_status.as_str(),
        "paidAt": user.paid_at,
        "myInviteCode": user.my_invite_code,
        "inviteCodeUsesRemaining": status.uses_remaining,
        "myCodeInfo": code_info,
        "inviteCodeUsed": user.invite_code_used,
        "qrUnlocked": user.qr_unlocked,
        "successfulSessions": user.successful_sessions,
        "qrUnlockedAt": user.qr_unlocked_at,
    })
}

/// `POST /payment/apply-code {inviteCode}`: a signed-up user spends a code.
pub async fn apply_code(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let raw = non_blank_str(&body, "inviteCode")?
        .ok_or(ApiError::bad_request("Invite code is required"))?;
    // A code that is not 16 letters and digits matches nothing: the original's answer.
    let code = normalize_code(raw).ok_or(ApiError::Forbidden("Invalid invite code"))?;
    let now = state.clock.now_ms();
    let user = paywall::apply_code(&state.store, context.user_id, code, now).await?;
    let sessions_needed = QR_UNLOCK_SESSIONS.saturating_sub(user.successful_sessions);
    Ok(ok(&json!({
        "success": true,
        "paidStatus": user.paid_status.as_str(),
        "qrUnlocked": user.qr_unlocked,
        "sessionsNeeded": if user.qr_unlocked { 0 } else { sessions_needed },
    })))
}

/// `POST /payment/validate-code {code}` (public): every call counts against the client's
/// validate-code window (5 per hour), valid or not.
pub async fn validate_code(state: &Arc<Http>, call: Call) -> Answer {
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let raw = match body.get("code") {
        Some(Value::String(code)) if !code.trim().is_empty() => code.clone(),
        _ => return Err(ApiError::bad_request("Code is required")),
    };
    let attempt = state.limits.validate_code.hit(call.ip);
    if attempt.limited {
        return Err(too_many_attempts(&attempt));
    }
    let refused = |status, message| ApiError::Detailed {
        status,
        message,
        details: json!({ "attemptsRemaining": attempt.remaining() }),
    };
    let code = normalize_code(&raw)
        .ok_or_else(|| refused(StatusCode::BAD_REQUEST, "Invalid code format"))?;
    match paywall::check_code(&state.store.read()?, &code)? {
        CodeCheck::Unknown => Err(refused(StatusCode::NOT_FOUND, "Invalid invite code")),
        CodeCheck::Deactivated => Err(refused(
            StatusCode::FORBIDDEN,
            "This invite code has been deactivated",
        )),
        CodeCheck::FullyUsed => Err(refused(
            StatusCode::FORBIDDEN,
            "This invite code has been fully used",
        )),
        CodeCheck::Valid(found) => Ok(ok(&json!({
            "valid": true,
            "type": found.kind.as_str(),
            "usesRemaining": found.uses_remaining,
            "createdBy": found.created_by_name,
        }))),
    }
}

/// The original's 429 of the validate-code limiter: the wait in minutes and milliseconds.
fn too_many_attempts(attempt: &Decision) -> ApiError {
    let minutes = (attempt.reset_ms() + 59_999) / 60_000;
    ApiError::Detailed {
        status: StatusCode::TOO_MANY_REQUESTS,
        message: "Too many attempts",
        details: json!({
            "message": format!("Please wait {minutes} minutes before trying again"),
            "retryAfter": attempt.reset_ms(),
        }),
    }
}

/// `GET /payment/qr/:code` (public): the code's QR image. An unknown code counts as a failed
/// validate-code attempt, and a client out of attempts gets 429 for every code, known or
/// not, so the image is no validity oracle beside the limited route (§7.8).
pub async fn qr(state: &Arc<Http>, call: Call) -> Answer {
    let limiter = &state.limits.validate_code;
    if limiter.exhausted(call.ip) {
        return Err(too_many_attempts(&limiter.hit(call.ip)));
    }
    let code = call.params.get("code").and_then(normalize_code);
    let found = match &code {
        Some(code) => state.store.read()?.invite_code(code)?,
        None => None,
    };
    let Some(found) = found else {
        return Ok(unknown_code(state, call.ip));
    };
    let target = format!(
        "{}/onboarding?inviteCode={}",
        state.config.paywall.frontend_base(),
        found.code
    );
    let png = qr_png(&target).ok_or_else(|| ApiError::internal("QR code", "text too long"))?;
    let length = png.len();
    let mut response = typed(StatusCode::OK, "image/png", Bytes::from(png));
    let headers = response.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

fn unknown_code(state: &Http, ip: IpAddr) -> crate::net::respond::Resp {
    let attempt = state.limits.validate_code.hit(ip);
    if attempt.limited {
        return too_many_attempts(&attempt).into_response();
    }
    text(StatusCode::NOT_FOUND, "Code not found")
}

/// `POST /payment/admin/generate-code {label?}` (admin): an unlimited code.
pub async fn generate_code(state: &Arc<Http>, call: Call) -> Answer {
    let reviewer = require_admin(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let label = non_blank_str(&body, "label")?.map(|l| l.trim().chars().take(100).collect());
    let (created_by, name) = match &reviewer {
        Reviewer::Admin { username } => (None, username.clone()),
        Reviewer::GrantedUser { user_id } => {
            let user = state.store.read()?.user(user_id)?;
            let name = user.map_or_else(|| reviewer.reviewed_by(), |u| u.name);
            (Some(*user_id), name)
        }
    };
    let label = label.unwrap_or_else(|| format!("Admin ({name})"));
    let now = state.clock.now_ms();
    let code = paywall::mint_admin_code(&state.store, created_by, label, now).await?;
    tracing::info!(by = %reviewer.reviewed_by(), "admin invite code minted");
    Ok(ok(&json!({
        "code": code.code,
        "qrCodeUrl": format!("/payment/qr/{}", code.code),
    })))
}

/// `GET /payment/admin/codes` (admin): codes, newest first.
pub async fn codes(state: &Arc<Http>, call: Call) -> Answer {
    require_admin(state, call.request.headers())?;
    let codes = state.store.read()?.newest_invite_codes(LISTED_CODES_MAX)?;
    let items: Vec<Value> = codes.iter().map(code_json).collect();
    Ok(ok(&json!({ "total": items.len(), "codes": items })))
}

fn code_json(code: &InviteCode) -> Value {
    json!({
        "code": code.code,
        "type": code.kind.as_str(),
        "createdBy": code.created_by_name,
        "createdAt": code.created_at,
        "maxUses": code.max_uses,
        "usesRemaining": code.uses_remaining,
        "totalUsed": code.total_used,
        "isActive": code.is_active,
    })
}

/// `POST /payment/admin/deactivate-code {code}` (admin).
pub async fn deactivate_code(state: &Arc<Http>, call: Call) -> Answer {
    let reviewer = require_admin(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let raw = non_blank_str(&body, "code")?.ok_or(ApiError::bad_request("Code is required"))?;
    let code = normalize_code(raw).ok_or(ApiError::NotFound("Code not found"))?;
    if !paywall::deactivate_code(&state.store, code).await? {
        return Err(ApiError::NotFound("Code not found"));
    }
    tracing::info!(by = %reviewer.reviewed_by(), "invite code deactivated");
    Ok(ok(
        &json!({ "success": true, "message": "Code deactivated" }),
    ))
}
