//! `/referral`: introductions (intro codes), their public checks, and referral notifications.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::accounts::{check_session, id_string, parse_id};
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::body::{json_object, non_blank_str};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;
use crate::referrals::{self, NOTIFICATIONS_LISTED, normalize_intro_code};
use crate::store::Id;
use crate::store::records::{IntroCode, User};

/// `POST /referral/generate {targetUserId}`: an intro code for the target's card.
pub async fn generate(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let target = non_blank_str(&body, "targetUserId")?
        .ok_or(ApiError::bad_request("targetUserId is required"))?;
    let target = parse_id(target).ok_or(ApiError::NotFound("Target user not found"))?;
    let now = state.clock.now_ms();
    let intro = referrals::generate_intro(&state.store, context.user_id, target, now).await?;
    Ok(ok(&json!({
        "referralCode": intro.code,
        "targetUserName": intro.target_name,
    })))
}

/// The intro code of a path parameter, and its target.
fn intro_and_target(
    state: &Http,
    call: &Call,
    invalid: &'static str,
) -> Result<(IntroCode, User), ApiError> {
    let code = call.params.get("code").and_then(normalize_intro_code);
    let reader = state.store.read()?;
    let intro = match code {
        Some(code) => reader.intro_code(&code)?,
        None => None,
    };
    let intro = intro.ok_or(ApiError::NotFound(invalid))?;
    let target = reader
        .user(&intro.target_user_id)?
        .ok_or(ApiError::NotFound("Target user not found"))?;
    Ok((intro, target))
}

/// `GET /referral/info/:code` (public): whom the link introduces, and who made it.
pub async fn info(state: &Arc<Http>, call: Call) -> Answer {
    let (intro, target) = intro_and_target(state, &call, "Invalid or expired referral code")?;
    Ok(ok(&json!({
        "targetUserName": target.name,
        "introducedBy": intro.created_by_name,
    })))
}

/// (online, available) of a user in the realtime domain.
fn presence(state: &Http, user: &Id) -> (bool, bool) {
    state
        .realtime
        .with_domain(|domain| (domain.is_online(user), domain.is_available(user)))
}

/// `GET /referral/target-status/:code` (public): what the onboarding page shows before
/// signup. The target's id and media only go to a signed-in caller (§7.10: the original
/// gave them to anyone holding a link).
pub async fn target_status(state: &Arc<Http>, call: Call) -> Answer {
    let (intro, target) = intro_and_target(state, &call, "Invalid referral code")?;
    let (is_online, is_available) = presence(state, &target.id);
    let mut body = json!({
        "targetName": target.name,
        "targetGender": target.gender.as_str(),
        "isOnline": is_online,
        "isAvailable": is_available,
        "introducedBy": intro.created_by_name,
    });
    if signed_in(state, &call) {
        body["targetUserId"] = json!(id_string(&target.id));
        body["targetSelfie"] = json!(target.selfie_url);
        body["targetVideo"] = json!(target.video_url);
    }
    Ok(ok(&body))
}

/// Whether the request carries a valid session (a public route answering more to users).
fn signed_in(state: &Http, call: &Call) -> bool {
    crate::net::auth::bearer_token(call.request.headers())
        .is_ok_and(|token| check_session(&state.store, &token, state.clock.now_ms()).is_ok())
}

/// `POST /referral/direct-match {referralCode}`: an existing user follows a link.
pub async fn direct_match(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let raw = non_blank_str(&body, "referralCode")?
        .ok_or(ApiError::bad_request("Referral code is required"))?;
    let code = normalize_intro_code(raw).ok_or(ApiError::NotFound("Invalid referral code"))?;
    let reader = state.store.read()?;
    let intro = reader
        .intro_code(&code)?
        .ok_or(ApiError::NotFound("Invalid referral code"))?;
    let target = reader
        .user(&intro.target_user_id)?
        .ok_or(ApiError::NotFound("Target user not found"))?;
    let me = reader.user(&context.user_id)?;
    drop(reader);
    let (is_online, is_available) = presence(state, &target.id);
    let was_introduced = me.is_some_and(|me| me.introduced_to == Some(target.id));
    Ok(ok(&json!({
        "success": true,
        "targetUser": user_card(&target),
        "isOnline": is_online,
        "isAvailable": is_available,
        "canCall": is_online && is_available,
        "wasIntroduced": was_introduced,
        "introducedBy": intro.created_by_name,
    })))
}

fn user_card(user: &User) -> Value {
    json!({
        "userId": id_string(&user.id),
        "name": user.name,
        "gender": user.gender.as_str(),
        "selfieUrl": user.selfie_url,
        "videoUrl": user.video_url,
    })
}

/// `GET /referral/my-introductions`: the people introduced to the caller.
pub async fn my_introductions(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let reader = state.store.read()?;
    let notifications =
        reader.referral_notifications_for(&context.user_id, NOTIFICATIONS_LISTED)?;
    let mut items = Vec::with_capacity(notifications.len());
    for n in &notifications {
        let user = reader.user(&n.referred_user_id)?;
        let (is_online, is_available) = presence(state, &n.referred_user_id);
        items.push(json!({
            "userId": id_string(&n.referred_user_id),
            "name": n.referred_name,
            "introducedBy": n.introduced_by_name,
            "timestamp": n.timestamp,
            "isOnline": is_online,
            "isAvailable": is_available,
            "selfieUrl": user.as_ref().and_then(|u| u.selfie_url.clone()),
            "videoUrl": user.as_ref().and_then(|u| u.video_url.clone()),
            "gender": user.as_ref().map(|u| u.gender.as_str()),
        }));
    }
    Ok(ok(&json!({ "count": items.len(), "introductions": items })))
}

/// `GET /referral/notifications`: newest first, with the unread count.
pub async fn notifications(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let reader = state.store.read()?;
    let listed = reader.referral_notifications_for(&context.user_id, NOTIFICATIONS_LISTED)?;
    let unread = listed.iter().filter(|n| !n.read).count();
    let items: Vec<Value> = listed.iter().map(referrals::notification_json).collect();
    Ok(ok(
        &json!({ "notifications": items, "unreadCount": unread }),
    ))
}

/// `PUT /referral/notifications/:id/read`: `{success:true}` whatever the id (as the original);
/// only the caller's own notification changes.
pub async fn mark_read(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    if let Some(id) = call.params.get("id").and_then(parse_id) {
        referrals::mark_read(&state.store, context.user_id, id).await?;
    }
    Ok(ok(&json!({ "success": true })))
}
