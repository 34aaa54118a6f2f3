//! `/room/reel` cursors: which users a cursor has already shown. Bounded in count and age, so
//! abandoned cursors cannot grow memory (the original never cleaned them).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::clock::Millis;
use crate::domain::UserId;

/// Cursors kept at most; the least recently used goes first past it.
const MAX_CURSORS: usize = 10_000;
/// A cursor unused for this long is forgotten.
const CURSOR_TTL_MS: Millis = 60 * 60 * 1000;

#[derive(Default)]
pub struct ReelCursors {
    cursors: Mutex<HashMap<String, Cursor>>,
}

struct Cursor {
    seen: HashSet<UserId>,
    used_at: Millis,
}

impl ReelCursors {
    /// Runs `pick` with the cursor's seen set (created if new) and records what it picked.
    pub fn with_seen<R>(
        &self,
        cursor: &str,
        now: Millis,
        pick: impl FnOnce(&HashSet<UserId>) -> (Vec<UserId>, R),
    ) -> R {
        let mut cursors = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        if !cursors.contains_key(cursor) && cursors.len() >= MAX_CURSORS {
            let oldest = cursors
                .iter()
                .min_by_key(|(_, c)| c.used_at)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                cursors.remove(&oldest);
            }
        }
        let entry = cursors.entry(cursor.to_owned()).or_insert_with(|| Cursor {
            seen: HashSet::new(),
            used_at: now,
        });
        entry.used_at = now;
        let (picked, result) = pick(&entry.seen);
        entry.seen.extend(picked);
        result
    }

    /// Forgets cursors unused for an hour; returns how many.
    pub fn purge(&self, now: Millis) -> usize {
        let mut cursors = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        let before = cursors.len();
        cursors.retain(|_, c| now - c.used_at < CURSOR_TTL_MS);
        before - cursors.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_what_a_cursor_showed_and_expires() {
        let cursors = ReelCursors::default();
        cursors.with_seen("c", 0, |seen| {
            assert!(seen.is_empty());
            (vec![[1; 16]], ())
        });
        cursors.with_seen("c", 10, |seen| {
            assert!(seen.contains(&[1; 16]));
            (vec![], ())
        });
        assert_eq!(cursors.purge(10 + CURSOR_TTL_MS - 1), 0);
        assert_eq!(cursors.purge(10 + CURSOR_TTL_MS), 1);
    }
}
