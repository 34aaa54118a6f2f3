//! Connections and presence: authentication, socket limits, disconnect grace, kicks and the
//! presence / queue flags.
//!
//! Fixes: a user's entry is keyed by user with every live socket (not one socket id, last
//! writer wins), so closing one tab does not take the user offline (§7.15); a dropped last
//! socket really starts a grace whose end runs full cleanup (§7.14); the per-user limit really
//! closes the oldest socket and the socket count is exact (§7.16); a kick closes every socket
//! of an invalidated or banned user (§7.4, §7.5).

use super::commands::Notice;
use super::domain::Domain;
use super::effects::{Effect, Emit, EndReason};
use super::events::{close, event, message, reason};
use super::ids::{SocketId, UserId};
use super::profile::Profile;
use super::timers::Timer;
use serde_json::json;

impl Domain {
    /// A socket proved its session. Registers it (closing the user's oldest socket past the
    /// per-user limit), cancels a pending disconnect grace, and sets the presence the original
    /// set on connect: online, not available (the client then sends `presence:join` and
    /// `queue:join`). An already-authenticated socket only gets `auth:success` again: the
    /// handshake user wins over a different `auth` token, as in the original.
    pub(crate) fn authenticate(
        &mut self,
        _now: i64,
        socket: SocketId,
        profile: Profile,
        out: &mut Vec<Effect>,
    ) {
        if self.presence.user_of(socket).is_some() {
            out.send_one(socket, event::AUTH_SUCCESS, None);
            return;
        }
        if self.presence.socket_count() >= self.config.max_connections {
            out.error(socket, message::AT_CAPACITY);
            out.close(socket, close::AT_CAPACITY);
            return;
        }
        let user = profile.user_id();
        self.cancel_grace(&user);
        self.presence.add_socket(socket, profile);
        let limit = self.config.max_sockets_per_user.max(1);
        while self.presence.sockets_of(&user).len() > limit {
            let oldest = self.presence.sockets_of(&user)[0];
            self.forget_socket(oldest);
            out.close(oldest, close::TOO_MANY_SOCKETS);
        }
        self.set_presence(&user, true, false, out);
        out.send_one(socket, event::AUTH_SUCCESS, None);
    }

    /// The transport dropped. Other sockets of the user keep it fully present; the last one
    /// starts the disconnect grace (or cleans up at once when the grace is 0).
    pub(crate) fn socket_closed(&mut self, now: i64, socket: SocketId, out: &mut Vec<Effect>) {
        let Some(user) = self.forget_socket(socket) else {
            return;
        };
        if !self.presence.sockets_of(&user).is_empty() {
            return;
        }
        if self.config.disconnect_grace_ms <= 0 {
            self.full_cleanup(now, &user, out);
            return;
        }
        let until = now.saturating_add(self.config.disconnect_grace_ms);
        self.presence.set_grace(&user, Some(until));
        self.timers.schedule(until, Timer::DisconnectGrace(user));
    }

    /// Session invalidated or user banned: notice and close every socket, then full cleanup
    /// without grace.
    pub(crate) fn kick(
        &mut self,
        now: i64,
        user: UserId,
        notice: Option<Notice>,
        out: &mut Vec<Effect>,
    ) {
        if self.presence.get(&user).is_none() {
            return;
        }
        let sockets = self.all_sockets(&user);
        if let Some(notice) = notice {
            out.send(sockets.clone(), notice.event, Some(notice.payload));
        }
        for socket in sockets {
            self.forget_socket(socket);
            out.close(socket, close::KICKED);
        }
        self.full_cleanup(now, &user, out);
    }

    /// `presence:join`: online, not available (the original resets `available` here too).
    pub(crate) fn presence_join(&mut self, socket: SocketId, out: &mut Vec<Effect>) {
        if let Some(user) = self.authed(socket, message::NOT_AUTHENTICATED, out) {
            self.set_presence(&user, true, false, out);
        }
    }

    /// `presence:leave`: offline and unavailable (the socket stays connected).
    pub(crate) fn presence_leave(&mut self, socket: SocketId, out: &mut Vec<Effect>) {
        if let Some(user) = self.authed(socket, message::NOT_AUTHENTICATED, out) {
            self.set_presence(&user, false, false, out);
        }
    }

    /// `queue:join`: online and available, refused during a call (fix of §7.18 double
    /// booking).
    pub(crate) fn queue_join(&mut self, socket: SocketId, out: &mut Vec<Effect>) {
        let Some(user) = self.authed(socket, message::NOT_AUTHENTICATED, out) else {
            return;
        };
        if self.in_room(&user).is_some() {
            out.error(socket, message::ALREADY_IN_CALL);
            return;
        }
        self.set_presence(&user, true, true, out);
    }

    /// `queue:leave`: not available; `online` unchanged.
    pub(crate) fn queue_leave(&mut self, socket: SocketId, out: &mut Vec<Effect>) {
        if let Some(user) = self.authed(socket, message::NOT_AUTHENTICATED, out) {
            let online = self.online_flag(&user);
            self.set_presence(&user, online, false, out);
        }
    }

    /// The grace ran out without a reconnect (a reconnect cancels the timer).
    pub(crate) fn grace_expired(&mut self, now: i64, user: UserId, out: &mut Vec<Effect>) {
        let Some(state) = self.presence.get(&user) else {
            return;
        };
        if state.connected() {
            // Defensive: reconnects cancel the timer, so this should not happen.
            self.presence.set_grace(&user, None);
            return;
        }
        self.full_cleanup(now, &user, out);
    }

    /// The user is gone: outgoing invites rescinded (callee notified, rescind cooldown),
    /// incoming invites declined to their callers (`offline`; fix of §7.17), the room closed
    /// with `peer:disconnected`, presence offline, and the entry dropped if no socket is left.
    pub(crate) fn full_cleanup(&mut self, now: i64, user: &UserId, out: &mut Vec<Effect>) {
        self.cancel_grace(user);
        for id in self.invites.involving(user) {
            let Some(invite) = self.invites.remove(&id) else {
                continue;
            };
            self.timers
                .cancel(invite.expires_at, Timer::InviteExpiry(invite.id));
            let invite_id = super::format_id(&invite.id);
            if invite.from == *user {
                let to = self.all_sockets(&invite.to);
                out.send(
                    to,
                    event::CALL_RESCINDED,
                    Some(json!({ "inviteId": invite_id })),
                );
                self.add_cooldown(
                    invite.from,
                    invite.to,
                    now,
                    self.config.rescind_cooldown_ms,
                    out,
                );
            } else {
                let to = self.all_sockets(&invite.from);
                let payload = json!({ "inviteId": invite_id, "reason": reason::OFFLINE });
                out.send(to, event::CALL_DECLINED, Some(payload));
            }
        }
        if let Some(room_id) = self.in_room(user) {
            self.disconnect_from_room(now, room_id, user, out);
            self.end_room(now, room_id, EndReason::Disconnected, out);
        }
        self.set_presence(user, false, false, out);
        if self.presence.sockets_of(user).is_empty() {
            self.presence.remove_user(user);
        }
    }

    /// Forgets a socket everywhere (registry and room join lists); returns its user.
    fn forget_socket(&mut self, socket: SocketId) -> Option<UserId> {
        let user = self.presence.user_of(socket)?;
        if let Some(room_id) = self.in_room(&user)
            && let Some(room) = self.rooms.get_mut(&room_id)
        {
            room.forget_socket(socket);
        }
        self.presence.remove_socket(socket)
    }

    fn cancel_grace(&mut self, user: &UserId) {
        if let Some(until) = self.presence.get(user).and_then(|u| u.grace_until) {
            self.timers.cancel(until, Timer::DisconnectGrace(*user));
            self.presence.set_grace(user, None);
        }
    }
}
