//! The check every admin route runs (`/report/pending|all|review|stats`, `/payment/admin/*`):
//! an admin token, or the user session of an account an operator granted admin rights (see
//! `admin::authorize` for why both). Sync: it only reads the store.

use hyper::HeaderMap;

use super::auth::bearer_token;
use super::error::ApiError;
use crate::admin::{AdminRefusal, Reviewer, authorize};
use crate::net::Http;

/// Who is calling an admin route, or its refusal: 401 `Admin authorization required` (no,
/// unknown or expired token), 403 `Admin access required` (a user without a grant), or the
/// store's error.
pub(crate) fn require_admin(state: &Http, headers: &HeaderMap) -> Result<Reviewer, ApiError> {
    let token = bearer_token(headers).map_err(|_| ApiError::from(AdminRefusal::Unauthorized))?;
    Ok(authorize(&state.store, &token, state.clock.now_ms())?)
}
