//! Who may call an admin route. Two paths:
//!
//! - an admin token from `POST /admin/login` (the secure path the product asks for);
//! - a user session whose account an operator granted admin rights (`napalmsky admin
//!   grant-user`). The existing admin page checks `/admin/verify` with the admin token, then
//!   calls the admin routes with the browser's normal user session token; with the grant,
//!   that page keeps working for the operator's own account and for nobody else.

use super::session_username;
use crate::accounts::{SessionRefusal, check_session, id_string};
use crate::clock::Millis;
use crate::store::{Id, Store, StoreError};

/// Who passed the admin check, as the admin routes record it (a ban review's `reviewedBy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reviewer {
    Admin { username: String },
    GrantedUser { user_id: Id },
}

impl Reviewer {
    /// The admin's username, or the granted user's id as a UUID string.
    pub fn reviewed_by(&self) -> String {
        match self {
            Self::Admin { username } => username.clone(),
            Self::GrantedUser { user_id } => id_string(user_id),
        }
    }
}

/// Why the admin check refused.
#[derive(Debug)]
pub enum AdminRefusal {
    /// No token, or one that is malformed, unknown, expired or invalidated.
    Unauthorized,
    /// A valid user session without an admin grant, or of a banned user.
    NotAdmin,
    /// The store could not answer.
    Unavailable(StoreError),
}

impl From<StoreError> for AdminRefusal {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// The admin check on a client-supplied token (admin or user session).
pub fn authorize(store: &Store, token: &str, now: Millis) -> Result<Reviewer, AdminRefusal> {
    if let Some(username) = session_username(store, token, now)? {
        return Ok(Reviewer::Admin { username });
    }
    let context = match check_session(store, token, now) {
        Ok(context) => context,
        // A banned user is known but may not act: refused as not an admin, not asked to log
        // in again.
        Err(SessionRefusal::Banned) => return Err(AdminRefusal::NotAdmin),
        Err(SessionRefusal::Unavailable(e)) => return Err(AdminRefusal::Unavailable(e)),
        Err(SessionRefusal::Unknown | SessionRefusal::Expired(_) | SessionRefusal::Invalidated) => {
            return Err(AdminRefusal::Unauthorized);
        }
    };
    if store.read()?.has_admin_grant(&context.user_id)? {
        Ok(Reviewer::GrantedUser {
            user_id: context.user_id,
        })
    } else {
        Err(AdminRefusal::NotAdmin)
    }
}
