//! When a user fetches over HTTP: the timers of the matchmaking overlay (`GET /room/queue`)
//! and of the landing page (`GET /stats/live`), per client model (see
//! [`crate::loadgen::client::model`]).
//!
//! Web model:
//! - the overlay is open while the user is in the queue (idle, inviting, accepting) and
//!   closed in a call and on its end screen; the user's state machine says which
//!   ([`Overlay::follow`]);
//! - opening fetches at once (counted as a poll) and starts the poll timer; closing stops it
//!   and forgets the reactive fetches not sent yet, as an unmounted overlay would;
//! - while open, each announcement of a user becoming available schedules one fetch 300 ms
//!   later, without debounce: ten announcements, ten fetches;
//! - the landing page's `/stats/live` timer runs whatever the overlay does.
//!
//! Legacy model: one poll timer, running from a random point of the first interval (so the
//! users of a ramp do not poll in waves), whatever the user does; nothing else.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::loadgen::client::model::ClientModel;

/// How long after a "became available" announcement the web client refetches the queue.
pub const REFETCH_DELAY: Duration = Duration::from_millis(300);
/// The landing page's `/stats/live` period.
pub const STATS_INTERVAL: Duration = Duration::from_secs(10);

/// An HTTP request a timer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// `GET /room/queue` from the poll timer or an overlay opening.
    Poll,
    /// `GET /room/queue` after an announcement.
    Reactive,
    /// `GET /stats/live`.
    Stats,
}

#[derive(Debug)]
pub struct Overlay {
    model: ClientModel,
    poll_interval: Duration,
    /// False for `--idle` users, who never join the queue nor fetch anything.
    active: bool,
    open: bool,
    next_poll: Option<Instant>,
    /// Reactive fetches scheduled, oldest first (one delay for all, so also soonest first).
    refetches: VecDeque<Instant>,
    next_stats: Option<Instant>,
}

impl Overlay {
    /// `first_poll` (legacy) and `first_stats` (web) are the offsets of the first fetch,
    /// which the caller draws at random within one period.
    pub fn new(
        model: ClientModel,
        poll_interval: Duration,
        active: bool,
        now: Instant,
        first_poll: Duration,
        first_stats: Duration,
    ) -> Self {
        let legacy = model == ClientModel::Legacy;
        Self {
            model,
            poll_interval,
            active,
            // The legacy user keeps its list whatever it does, as if always open.
            open: active && legacy,
            next_poll: (active && legacy).then(|| now + first_poll),
            refetches: VecDeque::new(),
            next_stats: (active && !legacy).then(|| now + first_stats),
        }
    }

    /// Whether the user keeps a list of queue candidates now.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens or closes the web overlay as the user is or is not in the queue. Returns true
    /// when this closed it (the user's list is gone with it).
    pub fn follow(&mut self, in_queue: bool, now: Instant) -> bool {
        if self.model != ClientModel::Web || !self.active || in_queue == self.open {
            return false;
        }
        self.open = in_queue;
        if in_queue {
            self.next_poll = Some(now);
            false
        } else {
            self.next_poll = None;
            self.refetches.clear();
            true
        }
    }

    /// A user was announced available: the open web overlay refetches shortly.
    pub fn on_available(&mut self, now: Instant) {
        if self.model == ClientModel::Web && self.open {
            self.refetches.push_back(now + REFETCH_DELAY);
        }
    }

    /// The earliest fetch due, if any.
    pub fn next_wake(&self) -> Option<Instant> {
        [
            self.next_poll,
            self.refetches.front().copied(),
            self.next_stats,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The fetches due at `now`, each timer moved on. A timer that fell behind (a busy
    /// generator) fires once and restarts from now rather than catching up in a burst.
    pub fn due(&mut self, now: Instant) -> Vec<Fetch> {
        let mut due = Vec::new();
        if self.next_poll.is_some_and(|t| t <= now) {
            self.next_poll = Some(now + self.poll_interval);
            due.push(Fetch::Poll);
        }
        while self.refetches.front().is_some_and(|t| *t <= now) {
            self.refetches.pop_front();
            due.push(Fetch::Reactive);
        }
        if self.next_stats.is_some_and(|t| t <= now) {
            self.next_stats = Some(now + STATS_INTERVAL);
            due.push(Fetch::Stats);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLL: Duration = Duration::from_secs(5);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A web overlay whose landing page fetches `/stats/live` first at `first_stats`.
    fn web(now: Instant, first_stats: Duration) -> Overlay {
        Overlay::new(ClientModel::Web, POLL, true, now, ms(0), first_stats)
    }

    #[test]
    fn the_web_overlay_polls_only_while_open_and_fetches_on_opening() {
        let t0 = Instant::now();
        let stats = Duration::from_secs(60);
        let mut overlay = web(t0, stats);
        // Closed before the first queue:join: only the landing page's timer runs.
        assert_eq!(overlay.next_wake(), Some(t0 + stats));
        assert!(!overlay.follow(false, t0));
        overlay.follow(true, t0);
        assert_eq!(overlay.due(t0), [Fetch::Poll]);
        assert_eq!(overlay.due(t0 + ms(4999)), []);
        assert_eq!(overlay.due(t0 + POLL), [Fetch::Poll]);
        // In a call: closed, no polls (the stats timer goes on).
        let call = t0 + ms(6000);
        assert!(overlay.follow(false, call));
        assert!(!overlay.is_open());
        assert_eq!(overlay.next_wake(), Some(t0 + stats));
        assert_eq!(overlay.due(call + Duration::from_secs(30)), []);
        // Back in the queue: a fetch at once, then the timer restarts from there.
        let back = call + Duration::from_secs(31);
        overlay.follow(true, back);
        assert_eq!(overlay.due(back), [Fetch::Poll]);
        assert_eq!(overlay.next_wake(), Some(back + POLL));
    }

    #[test]
    fn every_announcement_refetches_300_ms_later_without_debounce() {
        let t0 = Instant::now();
        let mut overlay = web(t0, Duration::from_secs(60));
        overlay.follow(true, t0);
        overlay.due(t0);
        for i in 0..3 {
            overlay.on_available(t0 + ms(i * 10));
        }
        assert_eq!(overlay.next_wake(), Some(t0 + ms(300)));
        assert_eq!(overlay.due(t0 + ms(299)), []);
        assert_eq!(
            overlay.due(t0 + ms(310)),
            [Fetch::Reactive, Fetch::Reactive]
        );
        assert_eq!(overlay.due(t0 + ms(320)), [Fetch::Reactive]);
    }

    #[test]
    fn closing_forgets_the_refetches_not_sent_and_a_closed_overlay_ignores_announcements() {
        let t0 = Instant::now();
        let mut overlay = web(t0, Duration::from_secs(60));
        overlay.follow(true, t0);
        overlay.due(t0);
        overlay.on_available(t0);
        overlay.follow(false, t0 + ms(100));
        overlay.on_available(t0 + ms(200));
        assert_eq!(overlay.due(t0 + ms(1000)), []);
    }

    #[test]
    fn the_landing_page_polls_stats_every_10_s() {
        let t0 = Instant::now();
        let mut overlay = web(t0, ms(2000));
        assert_eq!(overlay.due(t0 + ms(2000)), [Fetch::Stats]);
        assert_eq!(overlay.next_wake(), Some(t0 + ms(12_000)));
    }

    #[test]
    fn the_legacy_model_polls_from_a_random_start_whatever_the_phase() {
        let t0 = Instant::now();
        let mut overlay = Overlay::new(ClientModel::Legacy, POLL, true, t0, ms(1234), ms(0));
        assert!(overlay.is_open());
        assert!(!overlay.follow(false, t0), "legacy has no overlay to close");
        overlay.on_available(t0);
        assert_eq!(overlay.next_wake(), Some(t0 + ms(1234)));
        assert_eq!(overlay.due(t0 + ms(1234)), [Fetch::Poll]);
        assert_eq!(overlay.next_wake(), Some(t0 + ms(6234)));
    }

    #[test]
    fn idle_users_fetch_nothing() {
        let t0 = Instant::now();
        for model in [ClientModel::Web, ClientModel::Legacy] {
            let mut overlay = Overlay::new(model, POLL, false, t0, ms(0), ms(0));
            overlay.follow(true, t0);
            overlay.on_available(t0);
            assert_eq!(overlay.next_wake(), None);
            assert_eq!(overlay.due(t0 + Duration::from_secs(60)), []);
        }
    }
}
