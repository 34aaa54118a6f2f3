//! The REST scheme (draft-uberti-behave-turn-rest, as coturn implements it):
//! `username = "<unix expiry>:<userId>"`, `credential = base64(HMAC-SHA1(secret, username))`.
//! coturn refuses the username once its unix time has passed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::clock::Millis;

/// One TURN username and password, and when coturn stops accepting them.
#[derive(Clone, PartialEq, Eq)]
pub struct TurnCredential {
    pub username: String,
    pub credential: String,
    /// Unix seconds, as in the username.
    pub expires_at: i64,
}

impl TurnCredential {
    pub fn expires_at_ms(&self) -> Millis {
        self.expires_at.saturating_mul(1000)
    }
}

/// By hand: the password never reaches a log or a test failure message.
impl std::fmt::Debug for TurnCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnCredential")
            .field("username", &self.username)
            .field("credential", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The credential of `user_id` valid until `expires_at` (unix seconds).
pub fn credential(secret: &[u8], user_id: &str, expires_at: i64) -> TurnCredential {
    let username = format!("{expires_at}:{user_id}");
    // HMAC takes a key of any length (longer ones are hashed first), so this cannot fail.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(username.as_bytes());
    let credential = STANDARD.encode(mac.finalize().into_bytes());
    TurnCredential {
        username,
        credential,
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_value_computed_with_openssl() {
        // echo -n "1767229200:0190a0b4-0000-7000-8000-000000000001" \
        //   | openssl dgst -sha1 -hmac "napalmsky-test-secret" -binary | base64
        let c = credential(
            b"napalmsky-test-secret",
            "0190a0b4-0000-7000-8000-000000000001",
            1_767_229_200,
        );
        assert_eq!(
            c.username,
            "1767229200:0190a0b4-0000-7000-8000-000000000001"
        );
        assert_eq!(c.credential, "iWS8vhofCHINaNWoZMrn9UdnzUw=");
        assert_eq!(c.expires_at_ms(), 1_767_229_200_000);
    }

    #[test]
    fn another_secret_or_expiry_signs_differently() {
        let base = credential(b"a", "u", 100);
        assert_ne!(base.credential, credential(b"b", "u", 100).credential);
        assert_ne!(base.credential, credential(b"a", "u", 101).credential);
        assert!(!format!("{base:?}").contains(&base.credential));
    }
}
