//! The domain's only notion of time passing: a queue of deadlines fired by `Domain::tick`.
//!
//! Each timed entity (invite, room, disconnect grace) stores its own deadline, so cancelling
//! removes exactly one queue entry and the queue never holds stale timers: its size is bounded
//! by the number of live entities.

use std::collections::BTreeSet;

use super::ids::{InviteId, RoomId, UserId};

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// The invite expires unanswered.
    InviteExpiry(InviteId),
    /// The room's agreed length plus grace ran out.
    RoomDeadline(RoomId),
    /// The user's disconnect grace ran out.
    DisconnectGrace(UserId),
}

#[derive(Debug, Default)]
pub(crate) struct Timers {
    queue: BTreeSet<(i64, Timer)>,
}

impl Timers {
    pub(crate) fn schedule(&mut self, at: i64, timer: Timer) {
        self.queue.insert((at, timer));
    }

    pub(crate) fn cancel(&mut self, at: i64, timer: Timer) {
        self.queue.remove(&(at, timer));
    }

    /// The earliest deadline, for the app to sleep until.
    pub(crate) fn next(&self) -> Option<i64> {
        self.queue.first().map(|&(at, _)| at)
    }

    /// Removes and returns the earliest timer due at `now`, if any. One at a time, because
    /// firing a timer may schedule or cancel others.
    pub(crate) fn pop_due(&mut self, now: i64) -> Option<Timer> {
        match self.queue.first() {
            Some(&(at, _)) if at <= now => self.queue.pop_first().map(|(_, t)| t),
            _ => None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_in_deadline_order_and_cancel_exactly() {
        let mut t = Timers::default();
        t.schedule(30, Timer::RoomDeadline([3; 16]));
        t.schedule(10, Timer::InviteExpiry([1; 16]));
        t.schedule(20, Timer::DisconnectGrace([2; 16]));
        assert_eq!(t.next(), Some(10));
        t.cancel(20, Timer::DisconnectGrace([2; 16]));
        t.cancel(99, Timer::RoomDeadline([3; 16]));
        assert_eq!(t.len(), 2);
        assert_eq!(t.pop_due(9), None);
        assert_eq!(t.pop_due(30), Some(Timer::InviteExpiry([1; 16])));
        assert_eq!(t.pop_due(30), Some(Timer::RoomDeadline([3; 16])));
        assert_eq!(t.pop_due(30), None);
        assert_eq!(t.next(), None);
    }
}
