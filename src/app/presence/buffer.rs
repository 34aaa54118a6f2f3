//! Presence coalescing: within one tick only each user's latest state counts, and each
//! announcement is serialized once for all its recipients (fix of §7.26). Which sockets get
//! which announcement is [`super::delivery`]'s decision.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::json;

use crate::domain::{UserId, event, format_id};
use crate::proto::socketio;

/// One user's announcement of a tick: `presence:update` and/or `queue:update`.
#[derive(Debug, Clone)]
pub struct UserChange {
    pub user: UserId,
    pub frames: Vec<Bytes>,
    /// The new state shows the user in the queue (online and available): the web client
    /// answers it by fetching its page again.
    pub arrival: bool,
    /// The user may be on a page fetched since the last announcement and is not any more:
    /// the web client drops it from the list. A change that is neither (an unavailable user
    /// going offline) concerns no page.
    pub removal: bool,
    pub online: bool,
}

/// A user's state since the last tick.
#[derive(Clone, Copy)]
struct Pending {
    online: bool,
    available: bool,
    /// Order of the latest change, to announce in the order things happened.
    order: u64,
    /// Online and available at some moment since the last tick: listed, so possibly fetched
    /// onto someone's page even if the tick ends where it began.
    was_listed: bool,
}

#[derive(Default)]
pub struct PresenceBuffer {
    pending: HashMap<UserId, Pending>,
    changes: u64,
    /// What was last announced, so unchanged halves are not re-sent.
    last_sent: HashMap<UserId, (bool, bool)>,
}

impl PresenceBuffer {
    pub fn record(&mut self, user: UserId, online: bool, available: bool) {
        self.changes += 1;
        let listed = online && available;
        let was_listed = self.pending.get(&user).is_some_and(|p| p.was_listed) || listed;
        let pending = Pending {
            online,
            available,
            order: self.changes,
            was_listed,
        };
        self.pending.insert(user, pending);
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The announcements of this tick, oldest change first: `presence:update {userId, online,
    /// available}` when a user's online state changed, `queue:update {userId, available}`
    /// when availability changed. Users back where they were last announced are left out,
    /// unless they were listed in between and are not now: someone may have fetched them, so
    /// their `queue:update {available:false}` is sent again.
    pub fn drain(&mut self) -> Vec<UserChange> {
        let mut changed: Vec<(UserId, Pending)> = self.pending.drain().collect();
        changed.sort_unstable_by_key(|(_, p)| p.order);
        let mut announced = Vec::with_capacity(changed.len());
        for (user, p) in changed {
            let (online, available) = (p.online, p.available);
            let listed = online && available;
            let before = self.last_sent.get(&user).copied();
            let listed_before = before.is_none_or(|(o, a)| o && a);
            let unlisted_again = before == Some((online, available)) && p.was_listed && !listed;
            if before == Some((online, available)) && !unlisted_again {
                continue;
            }
            let id = format_id(&user);
            let online_changed = before.is_none_or(|(was_online, _)| was_online != online);
            let available_changed = before.is_none_or(|(_, was)| was != available);
            let mut frames = Vec::with_capacity(2);
            if online_changed {
                frames.push(Bytes::from(socketio::encode_event(
                    event::PRESENCE_UPDATE,
                    &json!({"userId": id, "online": online, "available": available}),
                )));
            }
            let was_available = before.is_some_and(|(_, was)| was);
            if (available_changed && (online || was_available)) || unlisted_again {
                frames.push(Bytes::from(socketio::encode_event(
                    event::QUEUE_UPDATE,
                    &json!({"userId": id, "available": available}),
                )));
            }
            if online {
                self.last_sent.insert(user, (online, available));
            } else {
                // Offline users are forgotten: the map stays bounded by who is online.
                self.last_sent.remove(&user);
            }
            announced.push(UserChange {
                user,
                frames,
                arrival: listed,
                removal: !listed && (listed_before || p.was_listed),
                online,
            });
        }
        announced
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::Value;

    use super::*;

    /// The frames as (event, payload), decoded back from the Socket.IO text.
    pub fn decoded(frames: &[Bytes]) -> Vec<(String, Value)> {
        frames
            .iter()
            .map(|frame| {
                let text = std::str::from_utf8(frame).expect("utf-8");
                let body = text.strip_prefix("42").expect("an EVENT packet");
                let Value::Array(parts) = serde_json::from_str(body).expect("json") else {
                    panic!("not an event array: {text}");
                };
                let [Value::String(name), payload] = &parts[..] else {
                    panic!("not [name, payload]: {text}");
                };
                (name.clone(), payload.clone())
            })
            .collect()
    }

    fn sent(changes: &[UserChange]) -> Vec<(String, Value)> {
        let frames: Vec<Bytes> = changes.iter().flat_map(|c| c.frames.clone()).collect();
        decoded(&frames)
    }

    pub fn presence(user: &UserId, online: bool, available: bool) -> (String, Value) {
        let payload = json!({"userId": format_id(user), "online": online, "available": available});
        (event::PRESENCE_UPDATE.to_owned(), payload)
    }

    pub fn queue(user: &UserId, available: bool) -> (String, Value) {
        let payload = json!({"userId": format_id(user), "available": available});
        (event::QUEUE_UPDATE.to_owned(), payload)
    }

    #[test]
    fn only_the_latest_state_per_tick_is_sent() {
        let mut buffer = PresenceBuffer::default();
        let user = [7; 16];
        buffer.record(user, true, false);
        buffer.record(user, true, true);
        assert_eq!(
            sent(&buffer.drain()),
            [presence(&user, true, true), queue(&user, true)]
        );
        // Nothing changed since: nothing to send.
        buffer.record(user, true, true);
        assert_eq!(sent(&buffer.drain()), []);
        // Availability alone: only queue:update.
        buffer.record(user, true, false);
        assert_eq!(sent(&buffer.drain()), [queue(&user, false)]);
    }

    #[test]
    fn every_user_of_a_busy_tick_is_announced_in_the_order_of_their_last_change() {
        let mut buffer = PresenceBuffer::default();
        for i in 0..100u8 {
            buffer.record([i; 16], true, true);
        }
        // User 0 changed again last: it moves to the end, announced once.
        buffer.record([0; 16], true, false);
        let changes = buffer.drain();
        assert_eq!(changes.len(), 100, "no change is dropped");
        let order: Vec<u8> = changes.iter().map(|c| c.user[0]).collect();
        let expected: Vec<u8> = (1..100).chain([0]).collect();
        assert_eq!(order, expected);
        assert!(changes[..99].iter().all(|c| c.arrival));
        assert!(
            !changes[99].arrival,
            "online but unavailable takes the user away"
        );
    }

    #[test]
    fn a_user_listed_and_unlisted_within_a_tick_is_removed_again() {
        let mut buffer = PresenceBuffer::default();
        let user = [4; 16];
        buffer.record(user, true, false);
        buffer.drain();
        // Joins the queue and starts a call before the tick: someone may have fetched it.
        buffer.record(user, true, true);
        buffer.record(user, true, false);
        let changes = buffer.drain();
        assert_eq!(sent(&changes), [queue(&user, false)]);
        assert!(changes[0].removal && !changes[0].arrival);
        // Unlisted all along: nothing to say.
        buffer.record(user, true, false);
        assert_eq!(sent(&buffer.drain()), []);
    }

    #[test]
    fn only_a_user_who_may_be_on_a_page_is_a_removal() {
        let mut buffer = PresenceBuffer::default();
        let (busy, listed) = ([5; 16], [6; 16]);
        buffer.record(busy, true, false);
        buffer.record(listed, true, true);
        buffer.drain();
        buffer.record(busy, false, false);
        buffer.record(listed, false, false);
        let changes = buffer.drain();
        assert!(!changes[0].removal, "unlisted before: on no page");
        assert!(changes[1].removal);
        assert!(
            !changes[0].frames.is_empty(),
            "still announced (to everyone within the budget)"
        );
    }

    #[test]
    fn going_offline_is_announced_and_forgotten() {
        let mut buffer = PresenceBuffer::default();
        let user = [9; 16];
        buffer.record(user, true, true);
        buffer.drain();
        buffer.record(user, false, false);
        let changes = buffer.drain();
        assert_eq!(
            sent(&changes),
            [presence(&user, false, false), queue(&user, false)]
        );
        assert!(!changes[0].online && !changes[0].arrival);
        assert!(buffer.last_sent.is_empty());
    }
}
