//! The presence check's rule, with no clock and no I/O of its own: given the users' truths,
//! their views and the time, which (observer, subject, change) triples are due and which of
//! them the observer missed.
//!
//! One subtlety: the server announces each user's latest state per tick, and nothing when
//! that equals what it last announced. A user who leaves a state and comes back to it within
//! one tick (a call ends, `queue:join`, a stashed invite accepted at once: (true, false),
//! (true, true), (true, false)) may cause no announcement at all, correctly. So an observer
//! is owed the current state only if it was there before the state's earlier stretch began:
//! see [`owed_since`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Flags;
use super::view::PresenceView;

/// A user as the one whose presence is watched.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Index in the table: identifies the user across rounds.
    pub slot: usize,
    pub user_id: &'a str,
    pub truth: Flags,
    /// When `truth` last changed: the change is settled `window` after it.
    pub since: Instant,
    /// Observers that authenticated before this are owed `truth` ([`owed_since`]).
    pub owed_since: Instant,
    pub connected: bool,
}

/// A user as the one who watches.
#[derive(Debug, Clone, Copy)]
pub struct Observer<'a> {
    pub slot: usize,
    pub authenticated_at: Instant,
    pub connected: bool,
    pub view: &'a PresenceView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not the observer's business (itself, someone gone, a change it may not have received
    /// yet, or one from before it authenticated).
    NotDue,
    Seen,
    /// The observer's view, wrong or absent.
    Missed(Option<Flags>),
}

/// From when the server may have considered `history`'s current state (its last entry; oldest
/// first) unchanged: the current change's time, or, when the state only came back to what it
/// was before a stretch shorter than `blip` (which a tick may never have seen), the time of
/// that earlier stretch, and so on back.
pub fn owed_since(history: &[(Flags, Instant)], blip: Duration) -> Instant {
    let Some(mut i) = history.len().checked_sub(1) else {
        // The table never produces an empty history; owe nothing rather than panic.
        return Instant::now() + Duration::from_secs(3600);
    };
    // history[i] is the current stretch, history[i - 1] the one before it (the blip?),
    // history[i - 2] the one before that.
    while i >= 2 {
        let (current, since) = history[i];
        let (_, blip_since) = history[i - 1];
        let came_back = history[i - 2].0 == current;
        let short = since.saturating_duration_since(blip_since) < blip;
        if !(came_back && short) {
            break;
        }
        i -= 2;
    }
    history[i].1
}

/// The rule for one pair: once the subject's truth has been stable for `window`, an observer
/// that authenticated before the state it is owed began ([`Subject::owed_since`]) and is
/// still connected must see exactly that truth.
pub fn judge(
    observer: &Observer<'_>,
    subject: &Subject<'_>,
    now: Instant,
    window: Duration,
) -> Verdict {
    let settled = now.saturating_duration_since(subject.since) >= window;
    let concerned = observer.slot != subject.slot
        && observer.connected
        && subject.connected
        && observer.authenticated_at < subject.owed_since;
    if !(settled && concerned) {
        return Verdict::NotDue;
    }
    match observer.view.get(subject.user_id) {
        Some(seen) if seen == subject.truth => Verdict::Seen,
        seen => Verdict::Missed(seen),
    }
}

/// A change an observer did not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub observer: usize,
    pub subject: usize,
    pub truth: Flags,
    pub seen: Option<Flags>,
    pub since: Instant,
}

/// What one round of checks found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub checked: u64,
    pub misses: Vec<Miss>,
}

/// Remembers which changes were judged, so each (observer, subject, change) counts once
/// however many rounds it stays settled.
#[derive(Debug)]
pub struct PresenceChecker {
    window: Duration,
    /// (observer slot, subject slot) -> the `since` of the subject's change last judged.
    judged: HashMap<(usize, usize), Instant>,
}

impl PresenceChecker {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            judged: HashMap::new(),
        }
    }

    /// Judges `observer` against every subject whose latest change it has not been judged on.
    pub fn check(
        &mut self,
        now: Instant,
        observer: &Observer<'_>,
        subjects: &[Subject<'_>],
        round: &mut Round,
    ) {
        for subject in subjects {
            let key = (observer.slot, subject.slot);
            if self.judged.get(&key) == Some(&subject.since) {
                continue;
            }
            let verdict = judge(observer, subject, now, self.window);
            if verdict == Verdict::NotDue {
                continue;
            }
            self.judged.insert(key, subject.since);
            round.checked += 1;
            if let Verdict::Missed(seen) = verdict {
                round.misses.push(Miss {
                    observer: observer.slot,
                    subject: subject.slot,
                    truth: subject.truth,
                    seen,
                    since: subject.since,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
