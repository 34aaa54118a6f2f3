//! Running calls: `room:join`, `rtc:*` relay, `room:chat`, `room:giveSocial`, `call:end`, and
//! the one end path shared by `call:end`, the room deadline and disconnects.
//!
//! Fixes: every room event checks that the sender is a member (§7.3); the agreed length is
//! enforced (§7.18); a call shorter than `history_min_seconds` costs no cooldown (§7.18: the
//! original put a 24 h cooldown even on a 0-second call); after a call both users are left
//! unavailable (they are on the end screen; the client's `queue:join` lists them again) instead
//! of being made available wherever they are (§7.18 double booking); one `CallFinished` record
//! per room carries history for both users (§7.20) and the metrics/completion decisions
//! (§7.21, §7.23).

use serde_json::{Value, json};

use super::chat::{sanitize_chat, valid_socials};
use super::commands::RelayKind;
use super::domain::Domain;
use super::effects::{CallRecord, Durable, Effect, Emit, EndReason};
use super::events::{event, message};
use super::ids::{RoomId, SocketId, UserId, format_id};

impl Domain {
    /// The sender's user and the room, if the sender is authenticated and a member; otherwise
    /// an `error` to the sender.
    fn member_of(
        &self,
        socket: SocketId,
        room_id: Option<RoomId>,
        out: &mut Vec<Effect>,
    ) -> Option<(UserId, RoomId)> {
        let me = self.authed(socket, message::NOT_AUTHENTICATED, out)?;
        let Some(room) = room_id.and_then(|id| self.rooms.get(&id)) else {
            out.error(socket, message::ROOM_NOT_FOUND);
            return None;
        };
        if !room.is_member(&me) {
            out.error(socket, message::NOT_ROOM_MEMBER);
            return None;
        }
        Some((me, room.id))
    }

    /// Sockets of both members (joined ones, else all), for events the whole room sees.
    fn both_members(&self, room_id: &RoomId) -> Vec<SocketId> {
        let Some(room) = self.rooms.get(room_id) else {
            return Vec::new();
        };
        let mut to = self.room_sockets(&room.caller);
        to.extend(self.room_sockets(&room.callee));
        to
    }

    /// `room:join`: remembers the socket as the member's room page.
    pub(crate) fn room_join(
        &mut self,
        socket: SocketId,
        room_id: Option<RoomId>,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, id)) = self.member_of(socket, room_id, out) else {
            return;
        };
        if let Some(member) = self.rooms.get_mut(&id).and_then(|r| r.member_mut(&me))
            && !member.joined.contains(&socket)
        {
            member.joined.push(socket);
        }
    }

    /// `rtc:offer` / `rtc:answer` / `rtc:ice`: relayed untouched to the other member.
    pub(crate) fn relay(
        &mut self,
        socket: SocketId,
        room_id: Option<RoomId>,
        kind: RelayKind,
        payload: Value,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, id)) = self.member_of(socket, room_id, out) else {
            return;
        };
        let Some(peer) = self.rooms.get(&id).and_then(|r| r.peer_of(&me)) else {
            return;
        };
        let to = self.room_sockets(peer);
        let mut body = serde_json::Map::new();
        body.insert(kind.field().to_owned(), payload);
        body.insert("from".to_owned(), json!(format_id(&me)));
        out.send(to, kind.event(), Some(Value::Object(body)));
    }

    /// `room:chat`: sanitized text to both members (sender included), kept for the history.
    pub(crate) fn chat(
        &mut self,
        now: i64,
        socket: SocketId,
        room_id: Option<RoomId>,
        text: &Value,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, id)) = self.member_of(socket, room_id, out) else {
            return;
        };
        let Some(text) = text.as_str() else {
            out.error(socket, message::INVALID_MESSAGE);
            return;
        };
        let Some(text) = sanitize_chat(text) else {
            return;
        };
        let msg = json!({
            "from": format_id(&me),
            "text": text,
            "timestamp": now,
            "type": "message",
        });
        self.record_message(&id, &msg);
        out.send(self.both_members(&id), event::ROOM_CHAT, Some(msg));
    }

    /// `room:giveSocial`: validated socials to both members, kept for the history.
    pub(crate) fn give_social(
        &mut self,
        now: i64,
        socket: SocketId,
        room_id: Option<RoomId>,
        socials: Value,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, id)) = self.member_of(socket, room_id, out) else {
            return;
        };
        if !valid_socials(&socials) {
            out.error(socket, message::INVALID_SOCIALS);
            return;
        }
        let msg = json!({
            "from": format_id(&me),
            "timestamp": now,
            "type": "social",
            "socials": socials,
        });
        self.record_message(&id, &msg);
        out.send(self.both_members(&id), event::ROOM_SOCIAL_SHARED, Some(msg));
    }

    /// Appends to the room's history unless it reached `max_room_messages`.
    fn record_message(&mut self, id: &RoomId, msg: &Value) {
        let max = self.config.max_room_messages;
        if let Some(room) = self.rooms.get_mut(id)
            && room.messages.len() < max
        {
            room.messages.push(msg.clone());
        }
    }

    /// `call:end` by a member. An unknown room is a silent no-op, not an error: the partner's
    /// client answers `peer:disconnected` with `call:end` for the room that just closed, and
    /// both clients may end at the same moment.
    pub(crate) fn call_end(
        &mut self,
        now: i64,
        socket: SocketId,
        room_id: Option<RoomId>,
        out: &mut Vec<Effect>,
    ) {
        let Some(me) = self.authed(socket, message::NOT_AUTHENTICATED, out) else {
            return;
        };
        let Some(room) = room_id.and_then(|id| self.rooms.get(&id)) else {
            return;
        };
        if !room.is_member(&me) {
            out.error(socket, message::NOT_ROOM_MEMBER);
            return;
        }
        let id = room.id;
        self.end_room(now, id, EndReason::Ended, out);
    }

    /// Before a disconnect ends the room: `peer:disconnected` to the other member and the
    /// original's system message in the history.
    pub(crate) fn disconnect_from_room(
        &mut self,
        now: i64,
        room_id: RoomId,
        leaver: &UserId,
        out: &mut Vec<Effect>,
    ) {
        let Some(room) = self.rooms.get(&room_id) else {
            return;
        };
        if let Some(peer) = room.peer_of(leaver) {
            out.send(self.room_sockets(peer), event::PEER_DISCONNECTED, None);
        }
        if let Some(room) = self.rooms.get_mut(&room_id) {
            room.messages.push(json!({
                "from": "system",
                "text": message::DISCONNECTED,
                "timestamp": now,
                "type": "message",
            }));
        }
    }

    /// The one end path. Duration is whole seconds since the start, capped at agreed + grace.
    /// Emits the cooldown (only for calls of at least `history_min_seconds`), the
    /// `CallFinished` record (whose commit later sends `session:finalized` to the room's
    /// sockets, see `reports`), and leaves both users out of the room and unavailable.
    pub(crate) fn end_room(
        &mut self,
        now: i64,
        room_id: RoomId,
        reason: EndReason,
        out: &mut Vec<Effect>,
    ) {
        let to = self.both_members(&room_id);
        let Some(room) = self.rooms.remove(&room_id) else {
            return;
        };
        self.timers
            .cancel(room.deadline, super::timers::Timer::RoomDeadline(room_id));
        let elapsed = now.saturating_sub(room.started_at).max(0) / 1000;
        let cap = room
            .agreed_seconds
            .saturating_add(self.config.call_grace_seconds());
        let duration = u32::try_from(elapsed).unwrap_or(u32::MAX).min(cap);
        let record_history = duration >= self.config.history_min_seconds;
        if record_history {
            let cooldown = self.config.call_cooldown_ms;
            self.add_cooldown(room.caller.user, room.callee.user, now, cooldown, out);
        }
        let session_id = format!("session-{}", format_id(&room_id));
        out.persist(Durable::CallFinished(CallRecord {
            session_id: session_id.clone(),
            room_id,
            caller: room.caller.user,
            callee: room.callee.user,
            caller_name: room.caller.name,
            callee_name: room.callee.name,
            started_at: room.started_at,
            duration_seconds: duration,
            messages: room.messages,
            record_history,
            record_completion: duration >= self.config.completion_min_seconds,
            reason,
            finalize_to: to,
        }));
        for user in [room.caller.user, room.callee.user] {
            self.presence.set_room(&user, None);
            let online = self.online_flag(&user);
            self.set_presence(&user, online, false, out);
        }
    }
}
