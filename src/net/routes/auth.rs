//! `/auth`: guest signup, link to email+password, login (single session), logout. Each
//! handler parses, calls the account service, and renders.

use std::net::IpAddr;
use std::sync::Arc;

use hyper::HeaderMap;
use hyper::header::USER_AGENT;
use serde_json::{Value, json};

use crate::accounts::{
    self, GuestSignup, LoggedIn, NewSession, id_string, new_token, normalize_name,
};
use crate::clock::duration_ms;
use crate::config::Paywall;
use crate::domain::{Command, Notice, event};
use crate::net::Http;
use crate::net::auth::bearer_token;
use crate::net::body::{json_object, non_blank_str, optional_str, required_fields};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::{ok, without_nulls};
use crate::paywall;
use crate::referrals::{self, Introduction};
use crate::store::records::Gender;

/// Longest `User-Agent` kept as a session's device info.
const MAX_DEVICE_INFO: usize = 512;

fn device_info(headers: &HeaderMap) -> String {
    headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .filter(|ua| !ua.is_empty())
        .map_or_else(
            || "Unknown device".to_owned(),
            |ua| ua.chars().take(MAX_DEVICE_INFO).collect(),
        )
}

fn new_session(
    state: &Http,
    ip: IpAddr,
    headers: &HeaderMap,
    ttl: std::time::Duration,
) -> NewSession {
    NewSession {
        token: new_token(),
        ip_address: ip.to_string(),
        device_info: device_info(headers),
        now: state.clock.now_ms(),
        ttl_ms: duration_ms(ttl),
    }
}

/// `POST /auth/guest {name, gender, inviteCode?, referralCode?}`.
pub async fn guest(state: &Arc<Http>, call: Call) -> Answer {
    let signups = state.limits.signup.hit(call.ip);
    if signups.limited {
        return Err(ApiError::RateLimited(
            state.limits.signup.limited_response(&signups),
        ));
    }
    let (parts, body) = call.request.into_parts();
    let body = json_object(body, &state.config.net).await?;
    let name = optional_str(&body, "name")?.ok_or(ApiError::bad_request("Name is required"))?;
    let name = normalize_name(name).map_err(ApiError::bad_request)?;
    let gender = match body.get("gender") {
        Some(Value::String(text)) => Gender::parse(text),
        _ => None,
    };
    let gender = gender.ok_or(ApiError::bad_request("Invalid gender"))?;
    let invite_code = non_blank_str(&body, "inviteCode")?;
    let referral_code = non_blank_str(&body, "referralCode")?;
    let ttl = state.config.accounts.guest_session_ttl;
    let session = new_session(state, call.ip, &parts.headers, ttl);
    let signup = GuestSignup {
        name,
        gender,
        invite_code,
        referral_code,
        session,
    };
    let signed_up = accounts::sign_up_guest(&state.store, signup).await?;
    let paywall_on = state.config.rules.paywall == Paywall::On;
    let paid_status = paywall::effective_status(signed_up.paid_status, paywall_on);
    let mut body = json!({
        "userId": id_string(&signed_up.user_id),
        "sessionToken": id_string(&signed_up.token),
        "accountType": "guest",
        "wasReferred": false,
        "targetUser": Value::Null,
        "targetOnline": false,
        "referralCode": Value::Null,
        "paidStatus": paid_status.as_str(),
        "requiresPayment": !paywall::has_access(paid_status),
    });
    if let Some(introduction) = &signed_up.introduction {
        let target = &introduction.target;
        let target_online = state
            .realtime
            .with_domain(|domain| domain.is_available(&target.id));
        body["wasReferred"] = json!(true);
        body["introducedTo"] = json!(target.name);
        body["targetUser"] = json!({
            "userId": id_string(&target.id),
            "name": target.name,
            "gender": target.gender.as_str(),
            "selfieUrl": target.selfie_url,
            "videoUrl": target.video_url,
        });
        body["targetOnline"] = json!(target_online);
        body["referralCode"] = json!(introduction.intro.code);
        state
            .queue_extras
            .introduced(introduction.notification.for_user_id);
        notify_target(state, introduction);
    }
    Ok(ok(&body))
}

/// The person the new user was introduced to hears of it at once if connected (otherwise
/// on their next socket `auth`).
fn notify_target(state: &Http, introduction: &Introduction) {
    let notification = &introduction.notification;
    state.realtime.dispatch(Command::Notify {
        user: notification.for_user_id,
        event: event::REFERRAL_NOTIFICATION,
        payload: referrals::notification_event(notification),
    });
}

/// `POST /auth/link {sessionToken, email, password}`: guest -> permanent.
pub async fn link(state: &Arc<Http>, call: Call) -> Answer {
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let [token, email, password] = required_fields(
        &body,
        [
            ("sessionToken", non_blank_str),
            ("email", non_blank_str),
            ("password", optional_str),
        ],
        "Session token, email, and password are required",
    )?;
    let now = state.clock.now_ms();
    let ttl = duration_ms(state.config.accounts.permanent_session_ttl);
    accounts::link(
        &state.store,
        &state.hasher,
        token,
        email,
        password,
        now,
        ttl,
    )
    .await?;
    Ok(ok(&json!({ "success": true, "accountType": "permanent" })))
}

/// `POST /auth/login {email, password}`: permanent accounts, one active session each.
pub async fn login(state: &Arc<Http>, call: Call) -> Answer {
    let (parts, body) = call.request.into_parts();
    let body = json_object(body, &state.config.net).await?;
    let [email, password] = required_fields(
        &body,
        [("email", non_blank_str), ("password", optional_str)],
        "Email and password are required",
    )?;
    let ttl = state.config.accounts.permanent_session_ttl;
    let session = new_session(state, call.ip, &parts.headers, ttl);
    let logged_in = accounts::log_in(
        &state.store,
        &state.hasher,
        &state.login_failures,
        email,
        password.to_owned(),
        session,
    )
    .await?;
    let LoggedIn {
        user,
        token,
        invalidated,
    } = logged_in;
    tracing::info!(user = %id_string(&user.id), invalidated, "user logged in");
    if invalidated > 0 {
        kick_old_sockets(state, user.id);
    }
    Ok(ok(&json!({
        "userId": id_string(&user.id),
        "sessionToken": id_string(&token),
        "sessionInvalidated": invalidated > 0,
        "invalidatedCount": invalidated,
        "accountType": user.account_type.as_str(),
        "user": without_nulls(json!({
            "name": user.name,
            "email": user.email,
            "selfieUrl": user.selfie_url,
            "videoUrl": user.video_url,
        })),
    })))
}

/// `POST /auth/logout`: ends the calling session (active or already invalidated).
pub async fn logout(state: &Arc<Http>, call: Call) -> Answer {
    let token = bearer_token(call.request.headers())?;
    accounts::log_out(&state.store, &token, state.clock.now_ms()).await?;
    Ok(ok(&json!({ "success": true })))
}

/// Sockets of the sessions a login just invalidated are told so and disconnected.
fn kick_old_sockets(state: &Arc<Http>, user: crate::store::Id) {
    state.realtime.dispatch(Command::Kick {
        user,
        notice: Some(Notice::logged_in_elsewhere()),
    });
}
