//! Hands out credentials, reusing a user's while it is valid for more than half its TTL: a
//! client asks once per call, and an evening of one-minute dates would otherwise mint one
//! per call (and coturn would see a new username for each).
//!
//! The map holds one entry per user, so it is bounded by the users who asked within one TTL,
//! plus expired entries not yet dropped. Expired entries are dropped by the periodic cleanup
//! (`purge`) and whenever the map has doubled since its last purge, so it never exceeds
//! `max(PURGE_FLOOR, 2 x the users served within one TTL)` even between cleanups, at an
//! amortised O(1) per new credential.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::scheme::{TurnCredential, credential};
use crate::clock::Millis;

/// Below this many entries the map is not scanned on insert: the cleanup will do.
const PURGE_FLOOR: usize = 1024;

pub struct TurnIssuer {
    secret: Vec<u8>,
    /// Whole seconds: the username carries a unix time.
    ttl_seconds: i64,
    issued: Mutex<Issued>,
}

struct Issued {
    by_user: HashMap<String, TurnCredential>,
    /// Scan for expired entries when the map reaches this size.
    purge_at: usize,
}

impl TurnIssuer {
    pub fn new(secret: &str, ttl: Duration) -> Self {
        Self {
            secret: secret.as_bytes().to_vec(),
            ttl_seconds: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(1),
            issued: Mutex::new(Issued {
                by_user: HashMap::new(),
                purge_at: PURGE_FLOOR,
            }),
        }
    }

    /// `user_id`'s credential at `now`: the one issued before if it has more than half its
    /// TTL left, else a new one valid for the whole TTL.
    pub fn credential_for(&self, user_id: &str, now: Millis) -> TurnCredential {
        let now = now.div_euclid(1000);
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(current) = issued.by_user.get(user_id)
            && 2 * (current.expires_at - now) > self.ttl_seconds
        {
            return current.clone();
        }
        let fresh = credential(&self.secret, user_id, now + self.ttl_seconds);
        if issued.by_user.len() >= issued.purge_at {
            issued.purge(now);
        }
        issued.by_user.insert(user_id.to_owned(), fresh.clone());
        fresh
    }

    /// Drops expired credentials (the periodic cleanup); returns how many.
    pub fn purge(&self, now: Millis) -> usize {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        issued.purge(now.div_euclid(1000))
    }

    /// Credentials remembered, expired ones included until the next purge.
    pub fn len(&self) -> usize {
        let issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        issued.by_user.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Issued {
    fn purge(&mut self, now_seconds: i64) -> usize {
        let before = self.by_user.len();
        self.by_user.retain(|_, c| c.expires_at > now_seconds);
        self.purge_at = (2 * self.by_user.len()).max(PURGE_FLOOR);
        before - self.by_user.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_767_225_600_000;
    const HOUR: Duration = Duration::from_secs(3600);

    fn at(seconds: i64) -> Millis {
        T0 + seconds * 1000
    }

    #[test]
    fn a_user_gets_the_same_credential_until_half_its_ttl_then_a_new_one() {
        let issuer = TurnIssuer::new("secret", HOUR);
        let first = issuer.credential_for("u1", T0);
        assert_eq!(first.expires_at, T0 / 1000 + 3600);
        assert_eq!(first, credential(b"secret", "u1", T0 / 1000 + 3600));
        assert_eq!(issuer.credential_for("u1", at(60)), first);
        assert_eq!(issuer.credential_for("u1", at(1799)), first, "1801 s left");
        let other = issuer.credential_for("u2", at(1799));
        assert_ne!(other, first, "per user");
        let second = issuer.credential_for("u1", at(1800));
        assert_ne!(second, first, "exactly half left: renewed");
        assert_eq!(second.expires_at, T0 / 1000 + 1800 + 3600);
        assert_eq!(issuer.credential_for("u1", at(1801)), second);
        assert_eq!(issuer.len(), 2, "one entry per user");
    }

    #[test]
    fn the_cleanup_drops_expired_credentials_only() {
        let issuer = TurnIssuer::new("secret", HOUR);
        let _ = issuer.credential_for("early", T0);
        let _ = issuer.credential_for("late", at(1800));
        assert_eq!(issuer.purge(at(3599)), 0);
        assert_eq!(issuer.purge(at(3600)), 1, "expired at its unix second");
        assert_eq!(issuer.len(), 1);
        assert_eq!(issuer.purge(at(5400)), 1);
        assert!(issuer.is_empty());
    }

    #[test]
    fn the_map_purges_itself_when_it_doubles_without_a_cleanup() {
        let issuer = TurnIssuer::new("secret", HOUR);
        for n in 0..PURGE_FLOOR {
            let _ = issuer.credential_for(&format!("old{n}"), T0);
        }
        assert_eq!(issuer.len(), PURGE_FLOOR);
        // An hour later every old credential has expired: the next new one sweeps them.
        let _ = issuer.credential_for("new", at(3600));
        assert_eq!(issuer.len(), 1);
        // Live entries are kept, and the next sweep waits until the map doubles again.
        for n in 0..3 * PURGE_FLOOR {
            let _ = issuer.credential_for(&format!("live{n}"), at(3601));
        }
        assert_eq!(issuer.len(), 3 * PURGE_FLOOR + 1, "nothing live is dropped");
    }
}
