//! The truths and views of this process's users, shared between each user's task (which
//! writes its own slot) and the checker task (which reads them all once a second).
//!
//! One mutex per user rather than one for the table: a user updates its view on every
//! broadcast it receives, and those arrive at every user at about the same moments.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use super::Flags;
use super::view::PresenceView;
use crate::loadgen::wire::PresenceUpdate;

/// One user's entry.
#[derive(Debug, Clone)]
pub struct Slot {
    pub user_id: String,
    /// The flags the server's rules give the user now.
    pub truth: Flags,
    /// When `truth` last changed.
    pub since: Instant,
    /// The last few (truth, since), oldest first, the current one last: the checker needs
    /// them to tell a state the server announced from one it may have coalesced away.
    pub history: VecDeque<(Flags, Instant)>,
    /// When the user's `auth:success` arrived: the server announces to it what changes after.
    pub authenticated_at: Instant,
    /// False once the user's socket is gone (its task ended): it neither observes any more
    /// nor is its truth the server's (the server would announce it offline after a grace).
    pub connected: bool,
    pub view: PresenceView,
}

/// Changes kept in [`Slot::history`]: enough to look past a few quick changes in a row.
const HISTORY: usize = 8;

pub fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Default)]
pub struct PresenceTable {
    slots: RwLock<Vec<Arc<Mutex<Slot>>>>,
}

impl PresenceTable {
    /// Adds a user that has just authenticated: online, not available yet.
    pub fn join(&self, user_id: &str, authenticated_at: Instant) -> PresenceHandle {
        let slot = Arc::new(Mutex::new(Slot {
            user_id: user_id.to_owned(),
            truth: Flags::ONLINE,
            since: authenticated_at,
            history: VecDeque::from([(Flags::ONLINE, authenticated_at)]),
            authenticated_at,
            connected: true,
            view: PresenceView::default(),
        }));
        self.slots
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(slot.clone());
        PresenceHandle(slot)
    }

    /// Every user's slot, in the order they joined (a slot's index identifies its user).
    pub fn slots(&self) -> Vec<Arc<Mutex<Slot>>> {
        self.slots.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A user's access to its own slot.
#[derive(Debug, Clone)]
pub struct PresenceHandle(Arc<Mutex<Slot>>);

impl PresenceHandle {
    /// The user's flags are now `truth`. Setting the same flags again is no change: the
    /// server announces nothing then, so the time of the last real change stays.
    pub fn publish(&self, truth: Flags, at: Instant) {
        let mut slot = lock(&self.0);
        if slot.truth != truth {
            slot.truth = truth;
            slot.since = at;
            if slot.history.len() == HISTORY {
                slot.history.pop_front();
            }
            slot.history.push_back((truth, at));
        }
    }

    /// A broadcast the user received.
    pub fn apply(&self, update: &PresenceUpdate) {
        lock(&self.0).view.apply(update);
    }

    pub fn disconnected(&self) {
        lock(&self.0).connected = false;
    }

    pub fn snapshot(&self) -> Slot {
        lock(&self.0).clone()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_change_moves_the_time_and_a_repeat_does_not() {
        let table = PresenceTable::default();
        let t0 = Instant::now();
        let user = table.join("u", t0);
        assert_eq!(user.snapshot().truth, Flags::ONLINE);
        let t1 = t0 + Duration::from_secs(1);
        user.publish(Flags::IN_QUEUE, t1);
        user.publish(Flags::IN_QUEUE, t1 + Duration::from_secs(1));
        let slot = user.snapshot();
        assert_eq!((slot.truth, slot.since), (Flags::IN_QUEUE, t1));
        assert_eq!(slot.authenticated_at, t0);
        assert_eq!(slot.history, [(Flags::ONLINE, t0), (Flags::IN_QUEUE, t1)]);
        for i in 0..20 {
            let flags = [Flags::ONLINE, Flags::IN_QUEUE][i % 2];
            user.publish(flags, t1 + Duration::from_secs(i as u64 + 2));
        }
        assert_eq!(user.snapshot().history.len(), HISTORY, "bounded");
        user.disconnected();
        assert!(!table.slots()[0].lock().unwrap().connected);
    }
}
