//! Account operations, each one store transaction. They decide before they write (see
//! `store::Tx`): a rejected operation changes nothing.

use crate::clock::Millis;
use crate::store::records::{AccountType, BanStatus, Session, User};
use crate::store::{Id, StoreError, Tx};

/// What a new session needs besides its token and user.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: Id,
    pub ip_address: String,
    pub device_info: String,
    pub now: Millis,
    pub ttl_ms: Millis,
}

impl NewSession {
    fn into_session(self, user_id: Id) -> Session {
        Session {
            token: self.token,
            user_id,
            ip_address: self.ip_address,
            device_info: self.device_info,
            is_active: true,
            created_at: self.now,
            expires_at: self.now.saturating_add(self.ttl_ms),
            last_active_at: self.now,
            version: 0,
        }
    }
}

/// Stores a new guest and its first session.
pub fn create_guest(
    tx: &mut Tx<'_>,
    mut user: User,
    session: NewSession,
) -> Result<(), StoreError> {
    let mut session = session.into_session(user.id);
    tx.put_user(&mut user)?;
    tx.put_session(&mut session)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    SessionUnknown,
    SessionInvalidated,
    Banned,
    UserNotFound,
    EmailTaken,
    AlreadyPermanent,
}

/// Upgrades the guest behind `token` to a permanent account and extends that session.
pub fn link_account(
    tx: &mut Tx<'_>,
    token: Id,
    email: String,
    password_hash: String,
    now: Millis,
    ttl_ms: Millis,
) -> Result<LinkOutcome, StoreError> {
    let Some(mut session) = tx.session(&token)?.filter(|s| s.expires_at > now) else {
        return Ok(LinkOutcome::SessionUnknown);
    };
    if !session.is_active {
        return Ok(LinkOutcome::SessionInvalidated);
    }
    let Some(mut user) = tx.user(&session.user_id)? else {
        return Ok(LinkOutcome::UserNotFound);
    };
    if is_banned(user.ban_status) {
        return Ok(LinkOutcome::Banned);
    }
    if user.account_type == AccountType::Permanent {
        return Ok(LinkOutcome::AlreadyPermanent);
    }
    if tx
        .user_id_by_email(&email)?
        .is_some_and(|owner| owner != user.id)
    {
        return Ok(LinkOutcome::EmailTaken);
    }
    user.account_type = AccountType::Permanent;
    user.email = Some(email);
    user.password_hash = Some(password_hash);
    tx.put_user(&mut user)?;
    session.expires_at = now.saturating_add(ttl_ms);
    tx.put_session(&mut session)?;
    Ok(LinkOutcome::Linked)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    LoggedIn {
        invalidated: u32,
        user: Box<User>,
    },
    /// The account changed between the password check and this transaction; try again.
    Changed,
}

/// Single-session login: every active session of the user is invalidated, a new one created.
/// `checked_hash` is the hash the password was verified against; `upgraded_hash` replaces it.
pub fn login(
    tx: &mut Tx<'_>,
    user_id: Id,
    checked_hash: &str,
    upgraded_hash: Option<String>,
    session: NewSession,
) -> Result<LoginOutcome, StoreError> {
    let Some(mut user) = tx.user(&user_id)? else {
        return Ok(LoginOutcome::Changed);
    };
    if user.password_hash.as_deref() != Some(checked_hash)
        || user.account_type != AccountType::Permanent
    {
        return Ok(LoginOutcome::Changed);
    }
    let mut invalidated = 0;
    for token in tx.tokens_of(&user_id)? {
        if let Some(mut old) = tx.session(&token)?
            && old.is_active
        {
            old.is_active = false;
            tx.put_session(&mut old)?;
            invalidated += 1;
        }
    }
    if let Some(hash) = upgraded_hash {
        user.password_hash = Some(hash);
        tx.put_user(&mut user)?;
    }
    let mut session = session.into_session(user_id);
    tx.put_session(&mut session)?;
    Ok(LoginOutcome::LoggedIn {
        invalidated,
        user: Box::new(user),
    })
}

/// Deletes a session (logout, or an expired one met on access). Returns whether it existed.
pub fn delete_session(tx: &mut Tx<'_>, token: Id) -> Result<bool, StoreError> {
    tx.delete_session(&token)
}

/// Deletes up to `limit` expired sessions; returns how many.
pub fn purge_expired_sessions(
    tx: &mut Tx<'_>,
    now: Millis,
    limit: usize,
) -> Result<usize, StoreError> {
    let expired = tx.expired_sessions(now, limit)?;
    for token in &expired {
        tx.delete_session(token)?;
    }
    Ok(expired.len())
}

/// Replaces a user's socials; `None` if the user does not exist.
pub fn set_socials(
    tx: &mut Tx<'_>,
    user_id: Id,
    socials: String,
) -> Result<Option<User>, StoreError> {
    let Some(mut user) = tx.user(&user_id)? else {
        return Ok(None);
    };
    user.socials = socials;
    tx.put_user(&mut user)?;
    Ok(Some(user))
}

pub fn is_banned(status: BanStatus) -> bool {
    matches!(status, BanStatus::Temporary | BanStatus::Permanent)
}
