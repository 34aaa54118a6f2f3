//! Admin login, logout and token checks. A token lives a fixed 24 hours from login (as in the
//! original, not sliding) and survives restarts; expired ones are refused when met and
//! deleted by the periodic cleanup.

use super::normalize_username;
use crate::accounts::{HashError, PasswordHasher, new_token, parse_id, validate_password};
use crate::clock::Millis;
use crate::store::records::AdminSession;
use crate::store::{Id, Store, StoreError, Tx};

/// Lifetime of an admin token: 24 hours from login.
pub const ADMIN_SESSION_TTL_MS: Millis = 24 * 60 * 60 * 1000;

/// A successful admin login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminLogin {
    pub token: Id,
    pub username: String,
    pub expires_at: Millis,
}

#[derive(Debug)]
pub enum AdminLoginError {
    /// Unknown username or wrong password: one answer for both, so the answer does not tell
    /// which usernames exist.
    InvalidCredentials,
    Hashing(HashError),
    Unavailable(StoreError),
}

impl From<StoreError> for AdminLoginError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /admin/login`: checks the password (on the blocking pool, see `PasswordHasher`) and
/// stores a new token.
pub async fn log_in(
    store: &Store,
    hasher: &PasswordHasher,
    username: &str,
    password: String,
    now: Millis,
) -> Result<AdminLogin, AdminLoginError> {
    let username = normalize_username(username).map_err(|_| AdminLoginError::InvalidCredentials)?;
    // No stored password breaks these rules, so such a password cannot match: refusing it
    // here also bounds the hashing work a request can ask for.
    validate_password(&password).map_err(|_| AdminLoginError::InvalidCredentials)?;
    let account = store.read()?.admin_account(&username)?;
    let account = account.ok_or(AdminLoginError::InvalidCredentials)?;
    let checked_hash = account.password_hash;
    let verified = hasher
        .verify(password, checked_hash.clone())
        .await
        .map_err(AdminLoginError::Hashing)?;
    if !verified.matches {
        return Err(AdminLoginError::InvalidCredentials);
    }
    let session = AdminSession {
        token: new_token(),
        username,
        created_at: now,
        expires_at: now.saturating_add(ADMIN_SESSION_TTL_MS),
    };
    store
        .write(move |tx| open_session(tx, session, &checked_hash))
        .await?
}

/// The login's write: the account must still have the hash the password was checked against
/// (a password change or removal in between refuses).
fn open_session(
    tx: &mut Tx<'_>,
    session: AdminSession,
    checked_hash: &str,
) -> Result<Result<AdminLogin, AdminLoginError>, StoreError> {
    let current = tx.admin_account(&session.username)?;
    if current.is_none_or(|account| account.password_hash != checked_hash) {
        return Ok(Err(AdminLoginError::InvalidCredentials));
    }
    tx.put_admin_session(&session)?;
    Ok(Ok(AdminLogin {
        token: session.token,
        username: session.username,
        expires_at: session.expires_at,
    }))
}

/// The username behind a live admin token; `None` for a malformed, unknown or expired one.
pub fn session_username(
    store: &Store,
    token: &str,
    now: Millis,
) -> Result<Option<String>, StoreError> {
    let Some(token) = parse_id(token) else {
        return Ok(None);
    };
    let session = store.read()?.admin_session(&token)?;
    Ok(session.filter(|s| s.expires_at > now).map(|s| s.username))
}

/// `POST /admin/logout`: deletes the token if it exists (a read first, so an unknown token
/// costs no write).
pub async fn log_out(store: &Store, token: &str) -> Result<(), StoreError> {
    let Some(token) = parse_id(token) else {
        return Ok(());
    };
    if store.read()?.admin_session(&token)?.is_none() {
        return Ok(());
    }
    store
        .write(move |tx| tx.delete_admin_session(&token))
        .await?;
    Ok(())
}

/// Deletes up to `limit` expired admin sessions; returns how many.
pub fn purge_expired_admin_sessions(
    tx: &mut Tx<'_>,
    now: Millis,
    limit: usize,
) -> Result<usize, StoreError> {
    let expired = tx.expired_admin_sessions(now, limit)?;
    for token in &expired {
        tx.delete_admin_session(token)?;
    }
    Ok(expired.len())
}
