//! Socket authentication: a session token (handshake `auth.token` or the `auth` event) checked
//! like every HTTP route, and the user's public profile for the domain.

use crate::accounts::{SessionRefusal, check_session};
use crate::domain::Profile;
use crate::store::Store;

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
    let context = match check_session(store, token, now) {
        Ok(context) => context,
        Err(SessionRefusal::Unknown | SessionRefusal::Expired(_)) => return SocketAuth::Invalid,
        Err(SessionRefusal::Invalidated) => return SocketAuth::Invalidated,
        Err(SessionRefusal::Banned) => return SocketAuth::Banned,
        Err(SessionRefusal::Unavailable(e)) => {
            tracing::error!(error = %e, "socket authentication failed");
            return SocketAuth::Unavailable;
        }
    };
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
