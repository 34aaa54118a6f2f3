//! Failed logins per account: past a few wrong passwords within a window, an account's
//! password is not checked again until the window ends. Per-IP limits alone let 300
//! addresses with 6 tries each keep every core hashing (a login flood); this bounds the
//! hashes one account can cost to `limit` per window, whoever asks.
//!
//! The map holds only accounts that exist and have a password (failures are counted after
//! the account is found), and entries whose window ended are dropped when it grows, so it
//! is bounded by the accounts attacked within one window.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Millis;
use crate::store::Id;

/// Past this many entries, a failure first drops the entries whose window ended.
const PURGE_ABOVE: usize = 10_000;

pub struct LoginFailures {
    limit: u32,
    window_ms: Millis,
    /// Account -> (failures in the window, when the window ends).
    failures: Mutex<HashMap<Id, (u32, Millis)>>,
}

impl LoginFailures {
    pub fn new(limit: u32, window_ms: Millis) -> Self {
        Self {
            limit,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, (u32, Millis)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When `account` may try again, if it is locked at `now`.
    pub fn locked_until(&self, account: &Id, now: Millis) -> Option<Millis> {
        let failures = self.lock();
        let (count, ends) = *failures.get(account)?;
        (count >= self.limit && ends > now).then_some(ends)
    }

    /// A wrong password for `account` at `now`; the window starts at its first failure.
    pub fn failed(&self, account: Id, now: Millis) {
        let mut failures = self.lock();
        if failures.len() > PURGE_ABOVE {
            failures.retain(|_, (_, ends)| *ends > now);
        }
        let entry = failures.entry(account).or_insert((0, now + self.window_ms));
        if entry.1 <= now {
            *entry = (0, now + self.window_ms);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    /// A successful login clears the account's failures.
    pub fn succeeded(&self, account: &Id) {
        self.lock().remove(account);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_locks_at_the_limit_until_its_window_ends() {
        let failures = LoginFailures::new(3, 1_000);
        let account = [1; 16];
        for at in [0, 10, 20] {
            assert_eq!(failures.locked_until(&account, at), None);
            failures.failed(account, at);
        }
        assert_eq!(failures.locked_until(&account, 30), Some(1_000));
        assert_eq!(
            failures.locked_until(&[2; 16], 30),
            None,
            "other accounts are free"
        );
        assert_eq!(
            failures.locked_until(&account, 1_000),
            None,
            "the window ended"
        );
        failures.failed(account, 1_000);
        assert_eq!(
            failures.locked_until(&account, 1_001),
            None,
            "a new window, one failure"
        );
        failures.succeeded(&account);
        assert!(failures.is_empty());
    }
}
