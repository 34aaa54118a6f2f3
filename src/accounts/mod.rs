//! The account service: validation of client input, password hashing, and one function per
//! account operation (guest signup, link, login, logout, the session verdict) returning typed
//! outcomes. It knows nothing of HTTP or sockets: the edge parses, calls and renders.

mod guest;
mod link;
mod login;
mod login_failures;
mod logout;
mod ops;
mod password;
mod session_verdict;
#[cfg(test)]
pub(crate) mod test_store;
mod validate;

pub use guest::{GuestError, GuestSignup, SignedUp, create_guest, sign_up_guest};
pub use link::{LinkError, LinkOutcome, link, link_account};
pub use login::{BanFacts, LoggedIn, LoginError, LoginOutcome, log_in, login, refuse_banned};
pub use login_failures::LoginFailures;
pub use logout::{LogoutError, log_out};
pub use ops::{NewSession, delete_session, purge_expired_sessions, set_socials};
pub use password::{HashError, PasswordHasher, Verified};
pub use session_verdict::{
    SessionRefusal, SessionVerdict, check_session, check_session_of_possibly_banned, is_banned,
    session_is_live,
};
pub use validate::{
    MAX_NAME_CHARS, normalize_email, normalize_name, validate_password, validate_socials,
};

use crate::store::Id;

/// A fresh random identifier (UUID v4 from the OS random source): session tokens.
pub fn new_token() -> Id {
    *uuid::Uuid::new_v4().as_bytes()
}

/// A new user id. UUID v7: unique and time-ordered, which makes batched inserts into the
/// users table several times faster (see STACK.md); user ids are public, not secrets.
pub fn new_user_id() -> Id {
    *uuid::Uuid::now_v7().as_bytes()
}

/// The canonical text form of an id, as the JSON API shows it.
pub fn id_string(id: &Id) -> String {
    uuid::Uuid::from_bytes(*id).hyphenated().to_string()
}

/// Parses a client-supplied id (a token, a user id) in its one canonical spelling, the one
/// the server hands out: lower-case, hyphenated. Upper case, no dashes, braces or `urn:`
/// are unknown: a token has one text, not five.
pub fn parse_id(text: &str) -> Option<Id> {
    let text = text.trim();
    let id = uuid::Uuid::try_parse(text).ok()?;
    let mut canonical = uuid::Uuid::encode_buffer();
    (id.hyphenated().encode_lower(&mut canonical) == text).then(|| *id.as_bytes())
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_of_an_id_is_accepted() {
        let id = new_token();
        let text = id_string(&id);
        assert_eq!(parse_id(&text), Some(id));
        assert_eq!(
            parse_id(&format!(" {text} ")),
            Some(id),
            "surrounding blanks"
        );
        for other in [
            text.to_uppercase(),
            text.replace('-', ""),
            format!("{{{text}}}"),
            format!("urn:uuid:{text}"),
        ] {
            assert_eq!(parse_id(&other), None, "{other}");
        }
    }
}
