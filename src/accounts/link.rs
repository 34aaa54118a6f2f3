//! Linking: a guest becomes a permanent account with an email and a password, and its session
//! lasts as long as a permanent one.

use super::password::{HashError, PasswordHasher};
use super::session_verdict::{SessionVerdict, session_is_live};
use super::{normalize_email, parse_id, validate_password};
use crate::clock::Millis;
use crate::store::records::{AccountType, BanStatus};
use crate::store::{Id, Store, StoreError, Tx};

#[derive(Debug)]
pub enum LinkError {
    InvalidEmail,
    /// The password breaks a rule; the message says which.
    WeakPassword(&'static str),
    /// Malformed, unknown or expired session token.
    SessionUnknown,
    SessionInvalidated,
    Banned,
    UserNotFound,
    EmailTaken,
    AlreadyPermanent,
    /// The password could not be hashed.
    Hashing(HashError),
    Unavailable(StoreError),
}

impl From<StoreError> for LinkError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /auth/link`: validates the credentials, hashes the password and links the guest
/// behind `token`, whose session then lasts `ttl_ms` from `now`.
pub async fn link(
    store: &Store,
    hasher: &PasswordHasher,
    token: &str,
    email: &str,
    password: &str,
    now: Millis,
    ttl_ms: Millis,
) -> Result<(), LinkError> {
    let email = normalize_email(email).ok_or(LinkError::InvalidEmail)?;
    validate_password(password).map_err(LinkError::WeakPassword)?;
    let token = parse_id(token).ok_or(LinkError::SessionUnknown)?;
    // Cheap checks first, so an unknown token costs no password hash.
    if !session_is_live(store, &token, now)? {
        return Err(LinkError::SessionUnknown);
    }
    let hash = hasher
        .hash(password.to_owned())
        .await
        .map_err(LinkError::Hashing)?;
    store
        .write(move |tx| link_account(tx, token, email, hash, now, ttl_ms))
        .await?
}

/// What the link's write decided; a refusal has written nothing.
pub type LinkOutcome = Result<(), LinkError>;

/// The link's write: upgrades the guest behind `token` and extends that session.
pub fn link_account(
    tx: &mut Tx<'_>,
    token: Id,
    email: String,
    password_hash: String,
    now: Millis,
    ttl_ms: Millis,
) -> Result<LinkOutcome, StoreError> {
    let Some(mut session) = tx.session(&token)? else {
        return Ok(Err(LinkError::SessionUnknown));
    };
    let user = tx.user(&session.user_id)?;
    let ban = user.as_ref().map_or(BanStatus::None, |u| u.ban_status);
    match SessionVerdict::judge(session.expires_at, session.is_active, ban, now) {
        SessionVerdict::Valid => {}
        SessionVerdict::Expired => return Ok(Err(LinkError::SessionUnknown)),
        SessionVerdict::Invalidated => return Ok(Err(LinkError::SessionInvalidated)),
        SessionVerdict::Banned => return Ok(Err(LinkError::Banned)),
    }
    let Some(mut user) = user else {
        return Ok(Err(LinkError::UserNotFound));
    };
    if user.account_type == AccountType::Permanent {
        return Ok(Err(LinkError::AlreadyPermanent));
    }
    if tx
        .user_id_by_email(&email)?
        .is_some_and(|owner| owner != user.id)
    {
        return Ok(Err(LinkError::EmailTaken));
    }
    user.account_type = AccountType::Permanent;
    user.email = Some(email);
    user.password_hash = Some(password_hash);
    tx.put_user(&mut user)?;
    session.expires_at = now.saturating_add(ttl_ms);
    tx.put_session(&mut session)?;
    Ok(Ok(()))
}
