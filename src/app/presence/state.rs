//! The presence state the hub keeps: pending changes and displayed pages, each behind its own
//! lock, so recording a change (on the path of every queue and call event) never waits for a
//! tick's planning, which walks every socket.

use std::sync::{Mutex, MutexGuard};

use super::buffer::PresenceBuffer;
use super::delivery::{Delivery, DeliveryRule, Listener, plan};
use super::pages::{DisplayedPages, Shown};
use crate::domain::{FastSet, UserId};

/// Pages are pruned to the current listeners every this many ticks (a minute at 2 s).
const PRUNE_EVERY_TICKS: u64 = 30;

#[derive(Default)]
pub struct PresenceState {
    buffer: Mutex<PresenceBuffer>,
    pages: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    shown: DisplayedPages,
    ticks: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Both are consistent after every call: a panic elsewhere must not wedge presence.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PresenceState {
    pub fn record(&self, user: UserId, online: bool, available: bool) {
        lock(&self.buffer).record(user, online, available);
    }

    pub fn has_pending(&self) -> bool {
        !lock(&self.buffer).is_empty()
    }

    /// Records the queue page `user` was just served.
    pub fn page_shown(&self, user: UserId, shown: Shown, introduced: Vec<UserId>) {
        lock(&self.pages).shown.shown(user, shown, introduced);
    }

    /// This tick's deliveries to `listeners` (every authenticated socket), or `None` when
    /// nothing changed.
    pub fn tick(&self, listeners: &[Listener], now: i64, rule: &DeliveryRule) -> Option<Delivery> {
        let mut pages = lock(&self.pages);
        pages.ticks += 1;
        if pages.ticks.is_multiple_of(PRUNE_EVERY_TICKS) {
            let online: FastSet<UserId> = listeners.iter().map(|l| l.user).collect();
            pages.shown.retain(|user| online.contains(user));
        }
        let changes = lock(&self.buffer).drain();
        if changes.is_empty() {
            return None;
        }
        for change in changes.iter().filter(|c| !c.online) {
            pages.shown.forget(&change.user);
        }
        Some(plan(&changes, listeners, &mut pages.shown, now, rule))
    }

    /// Users with a recorded overlay (bounded by the users online).
    pub fn overlays(&self) -> usize {
        lock(&self.pages).shown.len()
    }
}
