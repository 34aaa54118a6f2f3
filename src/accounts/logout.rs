//! Logout: ends the calling session, active or already invalidated.

use super::parse_id;
use super::session_verdict::session_is_live;
use crate::clock::Millis;
use crate::store::{Store, StoreError};

#[derive(Debug)]
pub enum LogoutError {
    /// Malformed, unknown or expired.
    SessionUnknown,
    Unavailable(StoreError),
}

impl From<StoreError> for LogoutError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /auth/logout`.
pub async fn log_out(store: &Store, token: &str, now: Millis) -> Result<(), LogoutError> {
    let token = parse_id(token).ok_or(LogoutError::SessionUnknown)?;
    if !session_is_live(store, &token, now)? {
        return Err(LogoutError::SessionUnknown);
    }
    let existed = store
        .write(move |tx| super::delete_session(tx, token))
        .await?;
    existed.then_some(()).ok_or(LogoutError::SessionUnknown)
}
