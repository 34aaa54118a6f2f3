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
    use super::*;

    fn events(frames: &[Bytes]) -> Vec<String> {
        frames
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    #[test]
    fn only_the_latest_state_per_tick_is_sent() {
        let mut buffer = PresenceBuffer::default();
        let user = [7; 16];
        buffer.record(user, true, false);
        buffer.record(user, true, true);
        let frames = events(&buffer.drain_frames(100));
        assert_eq!(frames.len(), 2, "{frames:?}");
        assert!(frames[0].starts_with(r#"42["presence:update""#));
        assert!(frames[0].contains(r#""available":true"#));
        assert!(frames[1].starts_with(r#"42["queue:update""#));
        // Nothing changed since: nothing to send.
        buffer.record(user, true, true);
        assert!(buffer.drain_frames(100).is_empty());
        // Availability alone: only queue:update.
        buffer.record(user, true, false);
        let frames = events(&buffer.drain_frames(100));
        assert_eq!(frames.len(), 1);
        assert!(frames[0].contains("queue:update"));
    }

    #[test]
    fn a_tick_announces_only_the_most_recent_users() {
        let mut buffer = PresenceBuffer::default();
        for i in 0..10u8 {
            buffer.record([i; 16], true, true);
        }
        let frames = events(&buffer.drain_frames(3));
        assert_eq!(frames.len(), 6, "presence + queue for 3 users");
        let newest = crate::domain::format_id(&[9; 16]);
        assert!(frames[0].contains(&newest), "{frames:?}");
        assert!(
            buffer.drain_frames(3).is_empty(),
            "older changes were dropped, not queued"
        );
    }

    #[test]
    fn going_offline_is_announced_and_forgotten() {
        let mut buffer = PresenceBuffer::default();
        let user = [9; 16];
        buffer.record(user, true, true);
        buffer.drain_frames(100);
        buffer.record(user, false, false);
        let frames = events(&buffer.drain_frames(100));
        assert_eq!(frames.len(), 2);
        assert!(frames[0].contains(r#""online":false"#));
        assert!(buffer.last_sent.is_empty());
    }
}
