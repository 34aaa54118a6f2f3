//! Socket authentication: a session token (handshake `auth.token` or the `auth` event) checked
//! like every HTTP route, and the user's public profile for the domain.

use crate::accounts::parse_id;
use crate::domain::Profile;
use crate::store::Store;
use crate::store::records::BanStatus;

pub enum SocketAuth {
    Valid(Profile),
    /// Unknown, malformed or expired.
    Invalid,
    /// Replaced by a newer login (single session).
    Invalidated,
    Banned,
    /// The store could not answer.
    Unavailable,
}

pub fn authenticate_token(store: &Store, now: i64, token: &str) -> SocketAuth {
    let Some(token) = parse_id(token) else {
        return SocketAuth::Invalid;
    };
    let context = match store.auth_context(&token) {
        Ok(Some(context)) => context,
        Ok(None) => return SocketAuth::Invalid,
        Err(e) => {
            tracing::error!(error = %e, "socket authentication failed");
            return SocketAuth::Unavailable;
        }
    };
    if context.expires_at <= now {
        return SocketAuth::Invalid;
    }
    if !context.is_active {
        return SocketAuth::Invalidated;
    }
    if matches!(
        context.ban_status,
        BanStatus::Temporary | BanStatus::Permanent
    ) {
        return SocketAuth::Banned;
    }
    let profile = store.read().and_then(|reader| {
        reader.with_user(&context.user_id, |u| {
            Profile::new(
                context.user_id,
                u.name.as_str().to_owned(),
                u.gender.as_str().to_owned(),
                u.selfie_url.as_ref().map(|s| s.as_str().to_owned()),
                u.video_url.as_ref().map(|s| s.as_str().to_owned()),
            )
        })
    });
    match profile {
        Ok(Some(profile)) => SocketAuth::Valid(profile),
        Ok(None) => SocketAuth::Invalid,
        Err(e) => {
            tracing::error!(error = %e, "socket authentication failed");
            SocketAuth::Unavailable
        }
    }
}
