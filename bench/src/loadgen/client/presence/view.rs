//! What one user believes about the others' presence, from the broadcasts it received.

use std::collections::HashMap;

use super::Flags;
use crate::loadgen::wire::PresenceUpdate;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PresenceView {
    seen: HashMap<String, Flags>,
}

impl PresenceView {
    /// `presence:update` gives both flags. `queue:update` gives the availability only: the
    /// server sends it alone when the online flag did not change, and when a user goes
    /// offline it sends `presence:update` first; so for a user never announced before (one
    /// whose last announcement predates this socket), a lone `queue:update` means online.
    pub fn apply(&mut self, update: &PresenceUpdate) {
        match update {
            PresenceUpdate::Presence {
                user_id,
                online,
                available,
            } => {
                let flags = Flags {
                    online: *online,
                    available: *available,
                };
                self.seen.insert(user_id.clone(), flags);
            }
            PresenceUpdate::Queue { user_id, available } => match self.seen.get_mut(user_id) {
                Some(flags) => flags.available = *available,
                None => {
                    let flags = Flags {
                        online: true,
                        available: *available,
                    };
                    self.seen.insert(user_id.clone(), flags);
                }
            },
        }
    }

    /// The last announced flags of `user`; `None` if nothing was ever announced.
    pub fn get(&self, user: &str) -> Option<Flags> {
        self.seen.get(user).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "00000000-0000-4000-8000-000000000001";

    fn presence(online: bool, available: bool) -> PresenceUpdate {
        PresenceUpdate::Presence {
            user_id: U.into(),
            online,
            available,
        }
    }

    fn queue(available: bool) -> PresenceUpdate {
        PresenceUpdate::Queue {
            user_id: U.into(),
            available,
        }
    }

    #[test]
    fn presence_sets_both_flags_and_queue_only_the_availability() {
        let mut view = PresenceView::default();
        assert_eq!(view.get(U), None);
        view.apply(&presence(true, false));
        assert_eq!(view.get(U), Some(Flags::ONLINE));
        view.apply(&queue(true));
        assert_eq!(view.get(U), Some(Flags::IN_QUEUE));
        // Going offline: presence:update (false, false), then queue:update (false).
        view.apply(&presence(false, false));
        view.apply(&queue(false));
        let offline = Flags {
            online: false,
            available: false,
        };
        assert_eq!(view.get(U), Some(offline));
    }

    #[test]
    fn a_lone_queue_update_means_online() {
        let mut view = PresenceView::default();
        view.apply(&queue(false));
        assert_eq!(view.get(U), Some(Flags::ONLINE));
    }
}
