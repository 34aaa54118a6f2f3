//! Who is calling: the session token of a request and the checks every protected route runs.

use std::sync::Arc;

use hyper::header::AUTHORIZATION;
use hyper::{HeaderMap, StatusCode};
use serde_json::json;

use super::respond::{Resp, error, error_with, store_failure};
use crate::accounts::{self, parse_id};
use crate::net::Http;
use crate::store::AuthContext;
use crate::store::records::BanStatus;

/// The token of `Authorization: Bearer <token>`; like the original, the first `Bearer ` is
/// removed so a bare token works too.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = raw.replacen("Bearer ", "", 1);
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

pub fn invalid_session() -> Resp {
    error(StatusCode::UNAUTHORIZED, "Invalid or expired session")
}

pub fn session_invalidated() -> Resp {
    error_with(
        StatusCode::UNAUTHORIZED,
        "Session invalidated",
        json!({
            "sessionInvalidated": true,
            "message": "You have been logged out. Please login again.",
        }),
    )
}

pub fn account_suspended() -> Resp {
    error_with(
        StatusCode::FORBIDDEN,
        "Account suspended",
        json!({
            "banned": true,
            "message": "Your account has been suspended pending review.",
        }),
    )
}

/// The checks of the original's `requireAuth`, plus the fixes: expired sessions are deleted,
/// invalidated sessions and banned users are refused on every route.
pub fn require_auth(state: &Arc<Http>, headers: &HeaderMap) -> Result<Arc<AuthContext>, Resp> {
    let Some(token) = bearer_token(headers) else {
        return Err(error(StatusCode::UNAUTHORIZED, "Authorization required"));
    };
    let Some(token) = parse_id(&token) else {
        return Err(invalid_session());
    };
    let context = match state.store.auth_context(&token) {
        Ok(Some(context)) => context,
        Ok(None) => return Err(invalid_session()),
        Err(e) => return Err(store_failure(&e)),
    };
    if context.expires_at <= state.clock.now_ms() {
        forget_expired(state, token);
        return Err(invalid_session());
    }
    if !context.is_active {
        return Err(session_invalidated());
    }
    if matches!(
        context.ban_status,
        BanStatus::Temporary | BanStatus::Permanent
    ) {
        return Err(account_suspended());
    }
    Ok(context)
}

/// Deletes an expired session met on access, without making the request wait for it.
fn forget_expired(state: &Arc<Http>, token: crate::store::Id) {
    let state = state.clone();
    state.clone().spawn(async move {
        if let Err(e) = state
            .store
            .write(move |tx| accounts::delete_session(tx, token))
            .await
        {
            tracing::warn!(error = %e, "could not delete an expired session");
        }
    });
}
