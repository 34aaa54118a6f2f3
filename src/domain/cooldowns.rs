//! Pair cooldowns: after a call, a decline or a rescind, two users may not meet again until a
//! deadline.
//!
//! Symmetric: the key is the ordered pair (smaller id first, as the `cooldowns` table's
//! `CHECK (user_id_1 < user_id_2)`). Unlike the original's last-write-wins, a later shorter
//! cooldown never shortens a longer one (fix of §7.18). Expired entries are ignored on read and
//! dropped by [`Cooldowns::purge`], which the app's periodic cleanup calls.

use super::ids::{FastMap, UserId};

/// The pair in canonical order: smaller id first.
pub fn pair_key(a: UserId, b: UserId) -> (UserId, UserId) {
    if a <= b { (a, b) } else { (b, a) }
}

#[derive(Debug, Default)]
pub(crate) struct Cooldowns {
    until: FastMap<(UserId, UserId), i64>,
}

impl Cooldowns {
    /// Sets the pair's cooldown to at least `until`. Returns the canonical pair when that
    /// lengthened it (so the caller persists it), `None` when an equal or longer one exists.
    pub(crate) fn extend(&mut self, a: UserId, b: UserId, until: i64) -> Option<(UserId, UserId)> {
        let key = pair_key(a, b);
        let slot = self.until.entry(key).or_insert(i64::MIN);
        if until > *slot {
            *slot = until;
            Some(key)
        } else {
            None
        }
    }

    /// The pair's cooldown end if it is still running at `now`.
    pub(crate) fn active_until(&self, a: UserId, b: UserId, now: i64) -> Option<i64> {
        self.until
            .get(&pair_key(a, b))
            .copied()
            .filter(|&until| until > now)
    }

    /// Drops every cooldown that ended at or before `now`; returns how many.
    pub(crate) fn purge(&mut self, now: i64) -> usize {
        let before = self.until.len();
        self.until.retain(|_, until| *until > now);
        before - self.until.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.until.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: UserId = [1; 16];
    const B: UserId = [2; 16];

    #[test]
    fn cooldowns_are_symmetric_and_keyed_smaller_first() {
        let mut c = Cooldowns::default();
        assert_eq!(c.extend(B, A, 100), Some((A, B)));
        assert_eq!(c.active_until(A, B, 0), Some(100));
        assert_eq!(c.active_until(B, A, 0), Some(100));
        assert_eq!(pair_key(B, A), (A, B));
    }

    #[test]
    fn a_shorter_cooldown_never_shortens_a_longer_one() {
        let mut c = Cooldowns::default();
        assert!(c.extend(A, B, 1000).is_some());
        assert_eq!(c.extend(A, B, 500), None);
        assert_eq!(c.extend(A, B, 1000), None);
        assert_eq!(c.active_until(A, B, 0), Some(1000));
        assert!(c.extend(A, B, 2000).is_some());
        assert_eq!(c.active_until(A, B, 0), Some(2000));
    }

    #[test]
    fn expired_cooldowns_are_ignored_then_purged() {
        let mut c = Cooldowns::default();
        c.extend(A, B, 100);
        assert_eq!(c.active_until(A, B, 99), Some(100));
        assert_eq!(c.active_until(A, B, 100), None);
        assert_eq!(c.purge(99), 0);
        assert_eq!(c.purge(100), 1);
        assert_eq!(c.len(), 0);
    }
}
