//! Presence coalescing: within one tick only each user's latest state is broadcast, and each
//! broadcast message is serialized once for all recipients (fix of §7.26).
//!
//! A tick also announces at most `max_users` users (the most recent changes). Every broadcast
//! goes to every socket, so its cost is changes x sockets: at 19,000 sockets one ramp second
//! of joins would be millions of frames. Clients use these events only as hints to refresh
//! their queue, which they also poll every 5 s, so an unannounced change costs at most one
//! poll interval of staleness, never correctness.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::json;

use crate::domain::{UserId, event, format_id};
use crate::proto::socketio;

#[derive(Default)]
pub struct PresenceBuffer {
    /// Latest (online, available, order of the change) per user since the last tick.
    pending: HashMap<UserId, (bool, bool, u64)>,
    changes: u64,
    /// What the clients were last told, so unchanged halves are not re-sent.
    last_sent: HashMap<UserId, (bool, bool)>,
}

impl PresenceBuffer {
    pub fn record(&mut self, user: UserId, online: bool, available: bool) {
        self.changes += 1;
        self.pending.insert(user, (online, available, self.changes));
    }

    /// The frames of this tick: `presence:update {userId, online, available}` when a user's
    /// online state changed, `queue:update {userId, available}` when availability changed,
    /// for the `max_users` most recently changed users; older changes of this tick are
    /// dropped (see the module comment).
    pub fn drain_frames(&mut self, max_users: usize) -> Vec<Bytes> {
        let mut changed: Vec<(UserId, (bool, bool, u64))> = self.pending.drain().collect();
        changed.sort_unstable_by_key(|(_, (_, _, order))| std::cmp::Reverse(*order));
        changed.truncate(max_users);
        let mut frames = Vec::new();
        for (user, (online, available, _)) in changed {
            let before = self.last_sent.get(&user).copied();
            if before == Some((online, available)) {
                continue;
            }
            let id = format_id(&user);
            let online_changed = before.is_none_or(|(was_online, _)| was_online != online);
            let available_changed = before.is_none_or(|(_, was)| was != available);
            if online_changed {
                frames.push(Bytes::from(socketio::encode_event(
                    event::PRESENCE_UPDATE,
                    &json!({"userId": id, "online": online, "available": available}),
                )));
            }
            if available_changed && (online || before.is_some_and(|(_, was)| was)) {
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
        }
        frames
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The frames as (event, payload), decoded back from the Socket.IO text.
    fn sent(frames: &[Bytes]) -> Vec<(String, Value)> {
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

    fn presence(user: &UserId, online: bool, available: bool) -> (String, Value) {
        let payload = json!({"userId": format_id(user), "online": online, "available": available});
        (event::PRESENCE_UPDATE.to_owned(), payload)
    }

    fn queue(user: &UserId, available: bool) -> (String, Value) {
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
            sent(&buffer.drain_frames(100)),
            [presence(&user, true, true), queue(&user, true)]
        );
        // Nothing changed since: nothing to send.
        buffer.record(user, true, true);
        assert_eq!(sent(&buffer.drain_frames(100)), []);
        // Availability alone: only queue:update.
        buffer.record(user, true, false);
        assert_eq!(sent(&buffer.drain_frames(100)), [queue(&user, false)]);
    }

    #[test]
    fn a_tick_announces_only_the_most_recent_users() {
        let mut buffer = PresenceBuffer::default();
        for i in 0..10u8 {
            buffer.record([i; 16], true, true);
        }
        // The three latest changes, newest first; users 0 to 6 are not announced.
        let newest: Vec<_> = [9u8, 8, 7]
            .iter()
            .flat_map(|&i| [presence(&[i; 16], true, true), queue(&[i; 16], true)])
            .collect();
        assert_eq!(sent(&buffer.drain_frames(3)), newest);
        assert_eq!(
            sent(&buffer.drain_frames(3)),
            [],
            "older changes were dropped, not queued"
        );
        // Dropped, not marked as told: their next change is announced in full.
        buffer.record([0; 16], true, true);
        assert_eq!(
            sent(&buffer.drain_frames(3)),
            [presence(&[0; 16], true, true), queue(&[0; 16], true)]
        );
    }

    #[test]
    fn a_user_changed_twice_counts_once_at_its_latest_place() {
        let mut buffer = PresenceBuffer::default();
        let (a, b, c) = ([1; 16], [2; 16], [3; 16]);
        buffer.record(a, true, true);
        buffer.record(b, true, true);
        buffer.record(c, true, true);
        buffer.record(a, true, false);
        // a's latest change is the newest: a and c, not b.
        assert_eq!(
            sent(&buffer.drain_frames(2)),
            [
                presence(&a, true, false),
                queue(&a, false),
                presence(&c, true, true),
                queue(&c, true)
            ]
        );
    }

    #[test]
    fn going_offline_is_announced_and_forgotten() {
        let mut buffer = PresenceBuffer::default();
        let user = [9; 16];
        buffer.record(user, true, true);
        buffer.drain_frames(100);
        buffer.record(user, false, false);
        assert_eq!(
            sent(&buffer.drain_frames(100)),
            [presence(&user, false, false), queue(&user, false)]
        );
        assert!(buffer.last_sent.is_empty());
    }
}
