//! `/auth`: guest signup, link to email+password, login (single session), logout.

use std::net::IpAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::USER_AGENT;
use hyper::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{
    self, LinkOutcome, LoginOutcome, NewSession, id_string, new_token, new_user_id,
    normalize_email, normalize_name, parse_id, validate_password,
};
use crate::clock::duration_ms;
use crate::domain::{Command, Notice};
use crate::net::Http;
use crate::net::auth::{account_suspended, bearer_token, invalid_session, session_invalidated};
use crate::net::body::{json_object, non_blank_str, optional_str};
use crate::net::respond::{
    Resp, error, error_with, internal_error, ok, store_failure, without_nulls,
};
use crate::store::records::{AccountType, BanStatus, Gender, User};

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
pub async fn guest(state: &Arc<Http>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    let signups = state.limits.signup.hit(ip);
    if signups.limited {
        return state.limits.signup.limited_response(&signups);
    }
    let (parts, body) = request.into_parts();
    let body = match json_object(body, &state.config.net).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let name = match optional_str(&body, "name") {
        Ok(Some(name)) => match normalize_name(name) {
            Ok(name) => name,
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        },
        Ok(None) => return error(StatusCode::BAD_REQUEST, "Name is required"),
        Err(response) => return response,
    };
    let gender = match body.get("gender") {
        Some(Value::String(text)) => Gender::parse(text),
        _ => None,
    };
    let Some(gender) = gender else {
        return error(StatusCode::BAD_REQUEST, "Invalid gender");
    };
    let invite_code = match non_blank_str(&body, "inviteCode") {
        Ok(code) => code,
        Err(response) => return response,
    };
    if let Err(response) = optional_str(&body, "referralCode") {
        return response;
    }
    if let Some(code) = invite_code {
        let code = code.trim().to_uppercase();
        let well_formed = code.len() == 16 && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if !well_formed {
            return error(StatusCode::BAD_REQUEST, "Invalid invite code format");
        }
        // Invite codes arrive with the paywall capability; until then no code exists, which
        // the original answers exactly like this.
        return error_with(
            StatusCode::FORBIDDEN,
            "Invalid invite code",
            json!({ "requiresPayment": true }),
        );
    }
    // A referral (intro) code that matches nothing is ignored, as in the original; none can
    // match before the referral capability exists.
    let now = state.clock.now_ms();
    let user = User::new_guest(new_user_id(), name, gender, now);
    let user_id = user.id;
    let session = new_session(
        state,
        ip,
        &parts.headers,
        state.config.accounts.guest_session_ttl,
    );
    let token = session.token;
    let paid_status = user.paid_status;
    if let Err(e) = state
        .store
        .write(move |tx| accounts::create_guest(tx, user, session))
        .await
    {
        return store_failure(&e);
    }
    tracing::info!(user = %id_string(&user_id), "guest signed up");
    ok(&json!({
        "userId": id_string(&user_id),
        "sessionToken": id_string(&token),
        "accountType": "guest",
        "wasReferred": false,
        "targetUser": Value::Null,
        "targetOnline": false,
        "referralCode": Value::Null,
        "paidStatus": paid_status.as_str(),
        "requiresPayment": true,
    }))
}

/// `POST /auth/link {sessionToken, email, password}`: guest -> permanent.
pub async fn link(state: &Arc<Http>, request: Request<Incoming>) -> Resp {
    const REQUIRED: &str = "Session token, email, and password are required";
    let body = match json_object(request.into_body(), &state.config.net).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let fields = (
        non_blank_str(&body, "sessionToken"),
        non_blank_str(&body, "email"),
        optional_str(&body, "password"),
    );
    let (token, email, password) = match fields {
        (Ok(Some(t)), Ok(Some(e)), Ok(Some(p))) if !p.is_empty() => (t, e, p),
        (Err(response), _, _) | (_, Err(response), _) | (_, _, Err(response)) => return response,
        _ => return error(StatusCode::BAD_REQUEST, REQUIRED),
    };
    let Some(email) = normalize_email(email) else {
        return error(StatusCode::BAD_REQUEST, "Invalid email address");
    };
    if let Err(message) = validate_password(password) {
        return error(StatusCode::BAD_REQUEST, message);
    }
    let Some(token) = parse_id(token) else {
        return invalid_session();
    };
    // Cheap checks first, so an unknown token costs no password hash.
    let now = state.clock.now_ms();
    let known = state
        .store
        .read()
        .and_then(|r| r.with_session(&token, |s| s.expires_at.to_native() > now));
    match known {
        Ok(Some(true)) => {}
        Ok(_) => return invalid_session(),
        Err(e) => return store_failure(&e),
    }
    let hash = match state.hasher.hash(password.to_owned()).await {
        Ok(hash) => hash,
        Err(e) => {
            tracing::error!(error = %e, "password hashing failed");
            return internal_error();
        }
    };
    let ttl = duration_ms(state.config.accounts.permanent_session_ttl);
    let outcome = state
        .store
        .write(move |tx| accounts::link_account(tx, token, email, hash, now, ttl))
        .await;
    match outcome {
        Ok(LinkOutcome::Linked) => ok(&json!({ "success": true, "accountType": "permanent" })),
        Ok(LinkOutcome::SessionUnknown) => invalid_session(),
        Ok(LinkOutcome::SessionInvalidated) => session_invalidated(),
        Ok(LinkOutcome::Banned) => account_suspended(),
        Ok(LinkOutcome::UserNotFound) => error(StatusCode::NOT_FOUND, "User not found"),
        Ok(LinkOutcome::EmailTaken) => error(StatusCode::CONFLICT, "Email already registered"),
        Ok(LinkOutcome::AlreadyPermanent) => {
            error(StatusCode::CONFLICT, "Account is already permanent")
        }
        Err(e) => store_failure(&e),
    }
}

/// What login needs to know about the account behind an email.
struct Account {
    user_id: crate::store::Id,
    permanent: bool,
    hash: Option<String>,
}

/// `POST /auth/login {email, password}`: permanent accounts, one active session each.
pub async fn login(state: &Arc<Http>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    const REQUIRED: &str = "Email and password are required";
    let (parts, body) = request.into_parts();
    let body = match json_object(body, &state.config.net).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (email, password) = match (
        non_blank_str(&body, "email"),
        optional_str(&body, "password"),
    ) {
        (Ok(Some(e)), Ok(Some(p))) if !p.is_empty() => (e, p.to_owned()),
        (Err(response), _) | (_, Err(response)) => return response,
        _ => return error(StatusCode::BAD_REQUEST, REQUIRED),
    };
    let no_account = || {
        error(
            StatusCode::UNAUTHORIZED,
            "Invalid credentials - No account found with this email",
        )
    };
    let Some(email) = normalize_email(email) else {
        return no_account();
    };
    let account = state.store.read().and_then(|reader| {
        let Some(user_id) = reader.user_id_by_email(&email)? else {
            return Ok(None);
        };
        reader.with_user(&user_id, |u| Account {
            user_id,
            permanent: u.account_type.as_str() == AccountType::Permanent.as_str(),
            hash: u.password_hash.as_ref().map(|h| h.as_str().to_owned()),
        })
    });
    let account = match account {
        Ok(Some(account)) => account,
        Ok(None) => return no_account(),
        Err(e) => return store_failure(&e),
    };
    if !account.permanent {
        return error(
            StatusCode::UNAUTHORIZED,
            "This account is not permanent. Please sign up as a guest first, then link your email and password in Settings.",
        );
    }
    let Some(stored_hash) = account.hash else {
        return error(StatusCode::UNAUTHORIZED, "Invalid credentials");
    };
    let verified = match state
        .hasher
        .verify(password.clone(), stored_hash.clone())
        .await
    {
        Ok(verified) => verified,
        Err(e) => {
            tracing::error!(error = %e, "password verification failed");
            return internal_error();
        }
    };
    if !verified.matches {
        return error(StatusCode::UNAUTHORIZED, "Invalid credentials");
    }
    let banned = state.store.read().and_then(|r| {
        r.with_user(&account.user_id, |u| {
            let status = rkyv::deserialize::<BanStatus, rkyv::rancor::Error>(&u.ban_status)
                .unwrap_or(BanStatus::None);
            (
                status,
                u.review_status.as_ref().map(|s| s.as_str().to_owned()),
            )
        })
    });
    if let Ok(Some((status @ (BanStatus::Temporary | BanStatus::Permanent), review))) = banned {
        let message = if status == BanStatus::Temporary {
            "Your account has been temporarily suspended pending review."
        } else {
            "Your account has been permanently banned."
        };
        return error_with(
            StatusCode::FORBIDDEN,
            "Account suspended",
            without_nulls(json!({
                "banned": true,
                "banStatus": status.as_str(),
                "message": message,
                "reviewStatus": review,
            })),
        );
    }
    let upgraded = if verified.needs_rehash {
        match state.hasher.hash(password).await {
            Ok(hash) => Some(hash),
            Err(e) => {
                tracing::error!(error = %e, "password re-hash failed");
                None
            }
        }
    } else {
        None
    };
    let session = new_session(
        state,
        ip,
        &parts.headers,
        state.config.accounts.permanent_session_ttl,
    );
    let token = session.token;
    let user_id = account.user_id;
    let outcome = state
        .store
        .write(move |tx| accounts::login(tx, user_id, &stored_hash, upgraded, session))
        .await;
    match outcome {
        Ok(LoginOutcome::LoggedIn { invalidated, user }) => {
            tracing::info!(user = %id_string(&user_id), invalidated, "user logged in");
            if invalidated > 0 {
                kick_old_sockets(state, user_id);
            }
            ok(&json!({
                "userId": id_string(&user_id),
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
            }))
        }
        Ok(LoginOutcome::Changed) => error(
            StatusCode::CONFLICT,
            "The account changed during login; please try again",
        ),
        Err(e) => store_failure(&e),
    }
}

/// `POST /auth/logout`: ends the calling session (active or already invalidated).
pub async fn logout(state: &Arc<Http>, request: Request<Incoming>) -> Resp {
    let Some(token) = bearer_token(request.headers()) else {
        return error(StatusCode::UNAUTHORIZED, "Authorization required");
    };
    let Some(token) = parse_id(&token) else {
        return invalid_session();
    };
    let now = state.clock.now_ms();
    let live = state
        .store
        .read()
        .and_then(|r| r.with_session(&token, |s| s.expires_at.to_native() > now));
    match live {
        Ok(Some(true)) => {}
        Ok(_) => return invalid_session(),
        Err(e) => return store_failure(&e),
    }
    match state
        .store
        .write(move |tx| accounts::delete_session(tx, token))
        .await
    {
        Ok(true) => ok(&json!({ "success": true })),
        Ok(false) => invalid_session(),
        Err(e) => store_failure(&e),
    }
}

/// Sockets of the sessions a login just invalidated are told so and disconnected.
fn kick_old_sockets(state: &Arc<Http>, user: crate::store::Id) {
    let notice = Notice {
        event: "session:invalidated",
        payload: json!({
            "message": "You have been logged out because you logged in from another device.",
            "reason": "new_login",
        }),
    };
    state.realtime.dispatch(Command::Kick {
        user,
        notice: Some(notice),
    });
}
