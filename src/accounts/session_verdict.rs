//! Whether a session may act: the one rule shared by every HTTP route, the realtime sockets and
//! the account operations that check a session inside their transaction.

use std::sync::Arc;

use super::parse_id;
use crate::clock::Millis;
use crate::store::records::BanStatus;
use crate::store::{AuthContext, Id, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionVerdict {
    Valid,
    /// Past its expiry: treated as unknown, and deleted when met.
    Expired,
    /// Replaced by a newer login (single session).
    Invalidated,
    /// The user is banned, temporarily or for good.
    Banned,
}

impl SessionVerdict {
    pub fn of(context: &AuthContext, now: Millis) -> Self {
        Self::judge(
            context.expires_at,
            context.is_active,
            context.ban_status,
            now,
        )
    }

    /// The rule on its facts, for callers holding the records rather than an `AuthContext`.
    /// Expiry wins over invalidation, which wins over a ban: an old session says nothing
    /// about the account.
    pub fn judge(expires_at: Millis, is_active: bool, ban: BanStatus, now: Millis) -> Self {
        if expires_at <= now {
            Self::Expired
        } else if !is_active {
            Self::Invalidated
        } else if is_banned(ban) {
            Self::Banned
        } else {
            Self::Valid
        }
    }
}

pub fn is_banned(status: BanStatus) -> bool {
    matches!(status, BanStatus::Temporary | BanStatus::Permanent)
}

/// Why a session token was refused.
#[derive(Debug)]
pub enum SessionRefusal {
    /// Malformed or unknown.
    Unknown,
    /// Expired; the caller deletes it (the token is given for that).
    Expired(Id),
    Invalidated,
    Banned,
    /// The store could not answer.
    Unavailable(StoreError),
}

/// The verified session behind a client-supplied token.
pub fn check_session(
    store: &Store,
    token: &str,
    now: Millis,
) -> Result<Arc<AuthContext>, SessionRefusal> {
    match check_session_of_possibly_banned(store, token, now)? {
        context if is_banned(context.ban_status) => Err(SessionRefusal::Banned),
        context => Ok(context),
    }
}

/// Like `check_session`, except that a banned user's session passes: `/report/check-ban` is
/// how a banned user learns of the ban (the original refused it first, §7.31).
pub fn check_session_of_possibly_banned(
    store: &Store,
    token: &str,
    now: Millis,
) -> Result<Arc<AuthContext>, SessionRefusal> {
    let token = parse_id(token).ok_or(SessionRefusal::Unknown)?;
    let context = store
        .auth_context(&token)
        .map_err(SessionRefusal::Unavailable)?
        .ok_or(SessionRefusal::Unknown)?;
    match SessionVerdict::of(&context, now) {
        SessionVerdict::Valid | SessionVerdict::Banned => Ok(context),
        SessionVerdict::Expired => Err(SessionRefusal::Expired(token)),
        SessionVerdict::Invalidated => Err(SessionRefusal::Invalidated),
    }
}

/// Whether `token` names a session that has not expired (invalidated ones included): the
/// cheap check before work that only such a session may start (logout, the hash of a link).
pub fn session_is_live(store: &Store, token: &Id, now: Millis) -> Result<bool, StoreError> {
    let live = store
        .read()?
        .with_session(token, |s| s.expires_at.to_native() > now)?;
    Ok(live == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_000;

    #[test]
    fn expiry_then_invalidation_then_ban_decide() {
        let judge = |expires, active, ban| SessionVerdict::judge(expires, active, ban, NOW);
        assert_eq!(judge(NOW + 1, true, BanStatus::None), SessionVerdict::Valid);
        assert_eq!(
            judge(NOW + 1, true, BanStatus::Vindicated),
            SessionVerdict::Valid
        );
        assert_eq!(
            judge(NOW, false, BanStatus::Permanent),
            SessionVerdict::Expired
        );
        assert_eq!(
            judge(NOW + 1, false, BanStatus::Temporary),
            SessionVerdict::Invalidated
        );
        assert_eq!(
            judge(NOW + 1, true, BanStatus::Temporary),
            SessionVerdict::Banned
        );
        assert_eq!(
            judge(NOW + 1, true, BanStatus::Permanent),
            SessionVerdict::Banned
        );
    }
}
