//! The small account writes: sessions (their shape, deletion, purge) and the profile. Each is
//! one store transaction that decides before it writes (see `store::Tx`).

use std::net::IpAddr;

use crate::clock::Millis;
use crate::store::records::{Session, User};
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
    /// Writes the session and notes its client address among the user's recorded addresses
    /// (bans need them). An address that does not parse (the import's `unknown`) is not noted.
    pub(super) fn open(self, tx: &mut Tx<'_>, user_id: Id) -> Result<(), StoreError> {
        let ip = self.ip_address.parse::<IpAddr>().ok();
        let now = self.now;
        tx.put_session(&mut self.into_session(user_id))?;
        match ip {
            Some(ip) => tx.record_ip(user_id, ip, now),
            None => Ok(()),
        }
    }

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
