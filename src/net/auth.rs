//! Who is calling: the session token of a request and the check every protected route runs.

use std::sync::Arc;

use hyper::HeaderMap;
use hyper::header::AUTHORIZATION;

use super::error::ApiError;
use crate::accounts::{self, SessionRefusal, check_session, check_session_of_possibly_banned};
use crate::net::Http;
use crate::store::AuthContext;

/// The token of `Authorization: Bearer <token>`; like the original, the first `Bearer ` is
/// removed so a bare token works too.
pub fn bearer_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let raw = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::AuthorizationRequired)?;
    let token = raw.replacen("Bearer ", "", 1);
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::AuthorizationRequired);
    }
    Ok(token.to_owned())
}

/// The checks of the original's `requireAuth`, plus the fixes: expired sessions are deleted,
/// invalidated sessions and banned users are refused on every route.
pub fn require_auth(state: &Arc<Http>, headers: &HeaderMap) -> Result<Arc<AuthContext>, ApiError> {
    let token = bearer_token(headers)?;
    check_session(&state.store, &token, state.clock.now_ms())
        .map_err(|refusal| refused(state, refusal))
}

/// `require_auth` without the ban refusal, for the one route that tells a user of their ban.
pub fn require_auth_even_if_banned(
    state: &Arc<Http>,
    headers: &HeaderMap,
) -> Result<Arc<AuthContext>, ApiError> {
    let token = bearer_token(headers)?;
    check_session_of_possibly_banned(&state.store, &token, state.clock.now_ms())
        .map_err(|refusal| refused(state, refusal))
}

fn refused(state: &Arc<Http>, refusal: SessionRefusal) -> ApiError {
    if let SessionRefusal::Expired(token) = refusal {
        forget_expired(state, token);
    }
    ApiError::from(refusal)
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
