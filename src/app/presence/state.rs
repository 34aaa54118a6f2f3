//! The presence state the hub keeps behind one lock: pending changes and displayed pages.

use super::buffer::PresenceBuffer;
use super::delivery::{Delivery, DeliveryRule, Listener, plan};
use super::pages::{DisplayedPages, Shown};
use crate::domain::{FastSet, UserId};

/// Pages are pruned to the current listeners every this many ticks (a minute at 2 s).
const PRUNE_EVERY_TICKS: u64 = 30;

#[derive(Default)]
pub struct PresenceState {
    buffer: PresenceBuffer,
    pages: DisplayedPages,
    ticks: u64,
}

impl PresenceState {
    pub fn record(&mut self, user: UserId, online: bool, available: bool) {
        self.buffer.record(user, online, available);
    }

    pub fn has_pending(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Records the queue page `user` was just served.
    pub fn page_shown(&mut self, user: UserId, shown: Shown, introduced: Vec<UserId>) {
        self.pages.shown(user, shown, introduced);
    }

    /// This tick's deliveries to `listeners` (every authenticated socket), or `None` when
    /// nothing changed.
    pub fn tick(
        &mut self,
        listeners: &[Listener],
        now: i64,
        rule: &DeliveryRule,
    ) -> Option<Delivery> {
        self.ticks += 1;
        if self.ticks.is_multiple_of(PRUNE_EVERY_TICKS) {
            let online: FastSet<UserId> = listeners.iter().map(|l| l.user).collect();
            self.pages.retain(|user| online.contains(user));
        }
        let changes = self.buffer.drain();
        if changes.is_empty() {
            return None;
        }
        for change in changes.iter().filter(|c| !c.online) {
            self.pages.forget(&change.user);
        }
        Some(plan(&changes, listeners, &mut self.pages, now, rule))
    }

    /// Users with a recorded overlay (a bound check for tests and metrics).
    pub fn overlays(&self) -> usize {
        self.pages.len()
    }
}
