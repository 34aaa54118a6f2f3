//! What the domain asks of the app: the outputs of every command and timer.
//!
//! The domain resolves recipients (sockets) itself, so the app only writes bytes; durable
//! changes are values for the store, which commits them (and their outbox entries) before
//! anything that depends on them is reported elsewhere.

use serde_json::{Value, json};

use super::events::event;
use super::ids::{RoomId, SocketId, UserId};

/// One output of the domain, applied by the app in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Emit `event` (with `payload`, or none) to each socket in `to` (never empty).
    Send {
        to: Vec<SocketId>,
        event: &'static str,
        payload: Option<Value>,
    },
    /// Close this socket (it is already forgotten by the domain; a later `SocketClosed` for it
    /// is a no-op). `reason` is for logs.
    Close {
        socket: SocketId,
        reason: &'static str,
    },
    /// A user's presence changed. Not sent to anyone by the domain: the app coalesces these per
    /// tick and broadcasts one `presence:update` / `queue:update` per user (fix of §7.26).
    PresenceChanged {
        user: UserId,
        online: bool,
        available: bool,
    },
    /// A durable change for the store.
    Persist(Durable),
}

/// Durable changes produced by the realtime flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Durable {
    /// The pair may not call each other before `until`. `a < b` in byte order (the table's
    /// `user_id_1 < user_id_2`). Only emitted when it lengthens the pair's cooldown; the store
    /// should still keep the max, so replays never shorten one.
    Cooldown { a: UserId, b: UserId, until: i64 },
    /// One per ended room (whatever ended it).
    CallFinished(CallRecord),
}

/// Why a room closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// A member sent `call:end`.
    Ended,
    /// A member's disconnect grace ran out, or the member was kicked.
    Disconnected,
    /// The agreed length plus grace ran out.
    TimedOut,
}

/// Everything the store needs about a finished call: history for BOTH users (fix of §7.20,
/// one entry per participant under a per-room `session_id`), metrics for both (§7.21), and
/// session completions (§5.1 / §7.23). After committing, the app emits `metrics:update` and,
/// when a user's completion count reaches the unlock threshold, `qr:unlocked`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// `"session-<roomId>"`: unique per room, unlike the original's `session-<Date.now()>`.
    pub session_id: String,
    pub room_id: RoomId,
    pub caller: UserId,
    pub callee: UserId,
    pub caller_name: String,
    pub callee_name: String,
    pub started_at: i64,
    /// Whole seconds from start to end, capped at the agreed length plus the grace.
    pub duration_seconds: u32,
    /// Chat and social messages in order, in their wire shape (the history `messages`).
    pub messages: Vec<Value>,
    /// `duration >= history_min_seconds`: write history and metrics for both users.
    pub record_history: bool,
    /// `duration >= completion_min_seconds`: record a session completion for both users.
    pub record_completion: bool,
    pub reason: EndReason,
    /// The sockets in the room when it ended: they get `session:finalized` once the call is
    /// stored (`Command::CallRecorded`), so a client that then reads its history finds it.
    pub finalize_to: Vec<SocketId>,
}

/// Shorthands for building effect lists; an empty recipient list emits nothing.
pub(crate) trait Emit {
    fn send(&mut self, to: Vec<SocketId>, event: &'static str, payload: Option<Value>);
    fn send_one(&mut self, socket: SocketId, event: &'static str, payload: Option<Value>);
    fn error(&mut self, socket: SocketId, message: &str);
    fn close(&mut self, socket: SocketId, reason: &'static str);
    fn persist(&mut self, durable: Durable);
}

impl Emit for Vec<Effect> {
    fn send(&mut self, to: Vec<SocketId>, event: &'static str, payload: Option<Value>) {
        if !to.is_empty() {
            self.push(Effect::Send { to, event, payload });
        }
    }

    fn send_one(&mut self, socket: SocketId, event: &'static str, payload: Option<Value>) {
        self.send(vec![socket], event, payload);
    }

    fn error(&mut self, socket: SocketId, message: &str) {
        self.send_one(socket, event::ERROR, Some(json!({ "message": message })));
    }

    fn close(&mut self, socket: SocketId, reason: &'static str) {
        self.push(Effect::Close { socket, reason });
    }

    fn persist(&mut self, durable: Durable) {
        self.push(Effect::Persist(durable));
    }
}
