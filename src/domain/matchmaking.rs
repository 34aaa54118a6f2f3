//! Invites: `call:invite`, `call:accept`, `call:decline`, `call:extend-wait`, `call:rescind`,
//! server-side expiry, and starting a room.
//!
//! Fixes of §7.3 and §7.17: every event checks that the sender is the inviter or invitee;
//! invites expire on the server with notifications to both sides; one pending invite per pair,
//! a mutual invite makes one room; accept re-validates availability, rooms and cooldown;
//! invites to a user without a live socket are not stored; starting a call withdraws the other
//! pending invites of both users, who are busy now.

use serde_json::{Value, json};

use super::domain::Domain;
use super::effects::{Effect, Emit};
use super::events::{event, message, reason};
use super::ids::{InviteId, SocketId, UserId, format_id};
use super::invites::Invite;
use super::rooms::{Member, Room};
use super::timers::Timer;

/// The callee's answer dialog, as `call:notify`'s `ttlMs`: the original's 20 s, which the
/// client counts down (declining by itself at 0). The server's own expiry is later.
const CALLEE_DIALOG_MS: i64 = 20_000;

fn declined(invite_id: &InviteId, why: &str) -> Option<Value> {
    Some(json!({ "inviteId": format_id(invite_id), "reason": why }))
}

fn rescinded(invite_id: &InviteId) -> Option<Value> {
    Some(json!({ "inviteId": format_id(invite_id) }))
}

/// `floor((a + b) / 2)`, the original's agreed length.
fn agreed_seconds(caller: u32, callee: u32) -> u32 {
    let mean = (u64::from(caller) + u64::from(callee)) / 2;
    u32::try_from(mean).unwrap_or(u32::MAX)
}

impl Domain {
    /// `call:invite`. Checks, in order: authenticated; `toUserId` a UUID (else `error`); not
    /// self (`invalid_target`); known (`user_not_found`); duration (`invalid_duration`); sender
    /// not in a call (`error`); target listed (`offline`); cooldown (`cooldown`); no invite
    /// pending between the pair (same direction: `error`; opposite: the two invites meet and
    /// one room starts). Validation declines carry a fresh, never-stored `inviteId`, as in the
    /// original, and go to the sending socket only.
    pub(crate) fn invite(
        &mut self,
        now: i64,
        socket: SocketId,
        to: Option<UserId>,
        target_exists: bool,
        requested: &Value,
        out: &mut Vec<Effect>,
    ) {
        let Some(me) = self.authed(socket, message::WAIT_FOR_AUTH, out) else {
            return;
        };
        let Some(to) = to else {
            out.error(socket, message::INVALID_TARGET);
            return;
        };
        let refuse = |d: &mut Self, out: &mut Vec<Effect>, why: &str| {
            let id = d.fresh_id();
            out.send_one(socket, event::CALL_DECLINED, declined(&id, why));
        };
        if to == me {
            return refuse(self, out, reason::INVALID_TARGET);
        }
        let target = self.presence.get(&to);
        if target.is_none() && !target_exists {
            return refuse(self, out, reason::USER_NOT_FOUND);
        }
        let Some(seconds) = self.config.call_seconds(requested) else {
            return refuse(self, out, reason::INVALID_DURATION);
        };
        if self.in_room(&me).is_some() {
            out.error(socket, message::ALREADY_IN_CALL);
            return;
        }
        if !target.is_some_and(|t| t.listed()) {
            return refuse(self, out, reason::OFFLINE);
        }
        if self.cooldowns.active_until(me, to, now).is_some() {
            return refuse(self, out, reason::COOLDOWN);
        }
        if self.invites.pending_between(me, to).is_some() {
            out.error(socket, message::INVITE_PENDING);
            return;
        }
        if let Some(theirs) = self.invites.pending_between(to, me).map(|i| i.id) {
            // Both want the call: treat this invite as accepting theirs (one room, not two).
            if let Some(invite) = self.take_invite(&theirs) {
                let agreed = agreed_seconds(invite.caller_seconds, seconds);
                self.start_room(now, invite.from, invite.to, agreed, out);
            }
            return;
        }
        let id = self.fresh_id();
        let expires_at = now.saturating_add(self.config.invite_ttl_ms);
        self.invites.insert(Invite {
            id,
            from: me,
            to,
            caller_seconds: seconds,
            expires_at,
            extensions: 0,
        });
        self.timers.schedule(expires_at, Timer::InviteExpiry(id));
        let from_user = self
            .presence
            .get(&me)
            .map(|u| u.profile.card_json())
            .unwrap_or(Value::Null);
        let payload = json!({
            "inviteId": format_id(&id),
            "fromUser": from_user,
            "requestedSeconds": seconds,
            "ttlMs": CALLEE_DIALOG_MS,
        });
        out.send(self.all_sockets(&to), event::CALL_NOTIFY, Some(payload));
    }

    /// `call:accept`. Only the invitee; a bad duration leaves the invite pending. Then the
    /// invite is consumed and re-validated (caller still connected and online, neither in a
    /// call, no cooldown): a failure declines it to the caller and answers the acceptor with
    /// an `error`; success starts the room with `floor(mean)` of both requested lengths.
    pub(crate) fn accept(
        &mut self,
        now: i64,
        socket: SocketId,
        invite_id: Option<InviteId>,
        requested: &Value,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, id, caller)) = self.addressed_invite(socket, invite_id, out) else {
            return;
        };
        let Some(seconds) = self.config.call_seconds(requested) else {
            out.error(socket, message::INVALID_DURATION);
            return;
        };
        let failure = if !self.is_online(&caller) {
            Some((reason::OFFLINE, message::CALLER_UNAVAILABLE))
        } else if self.in_room(&me).is_some() {
            Some((reason::OFFLINE, message::ALREADY_IN_CALL))
        } else if self.in_room(&caller).is_some() {
            Some((reason::OFFLINE, message::CALLER_UNAVAILABLE))
        } else if self.cooldowns.active_until(caller, me, now).is_some() {
            Some((reason::COOLDOWN, message::ON_COOLDOWN))
        } else {
            None
        };
        let Some(invite) = self.take_invite(&id) else {
            return;
        };
        if let Some((why, text)) = failure {
            out.send(
                self.all_sockets(&caller),
                event::CALL_DECLINED,
                declined(&id, why),
            );
            out.error(socket, text);
            return;
        }
        let agreed = agreed_seconds(invite.caller_seconds, seconds);
        self.start_room(now, caller, me, agreed, out);
    }

    /// `call:decline`: only the invitee; the caller gets `user_declined` and the pair the
    /// call cooldown (as the original).
    pub(crate) fn decline(
        &mut self,
        now: i64,
        socket: SocketId,
        invite_id: Option<InviteId>,
        out: &mut Vec<Effect>,
    ) {
        let Some((_, id, _)) = self.addressed_invite(socket, invite_id, out) else {
            return;
        };
        let Some(invite) = self.take_invite(&id) else {
            return;
        };
        let to = self.all_sockets(&invite.from);
        out.send(
            to,
            event::CALL_DECLINED,
            declined(&id, reason::USER_DECLINED),
        );
        let cooldown = self.config.call_cooldown_ms;
        self.add_cooldown(invite.from, invite.to, now, cooldown, out);
    }

    /// The invite `invite_id` if it is addressed to the sender of `socket`, as (invitee,
    /// invite, inviter): the shared check of `call:accept` and `call:decline`, which only the
    /// invitee may send. Anything else is answered with an `error` and gives `None`.
    fn addressed_invite(
        &self,
        socket: SocketId,
        invite_id: Option<InviteId>,
        out: &mut Vec<Effect>,
    ) -> Option<(UserId, InviteId, UserId)> {
        let me = self.authed(socket, message::NOT_AUTHENTICATED, out)?;
        let Some(invite) = invite_id.and_then(|id| self.invites.get(&id)) else {
            out.error(socket, message::INVITE_NOT_FOUND);
            return None;
        };
        if invite.to != me {
            out.error(socket, message::NOT_INVITEE);
            return None;
        }
        Some((me, invite.id, invite.from))
    }

    /// The pending invite the sender of `socket` made to `to`, as (inviter, invitee, invite):
    /// the shared check of `call:extend-wait` and `call:rescind`, which only the inviter may
    /// send. Anything else is answered with an `error` and gives `None`.
    fn own_pending_invite(
        &self,
        socket: SocketId,
        to: Option<UserId>,
        out: &mut Vec<Effect>,
    ) -> Option<(UserId, UserId, InviteId)> {
        let me = self.authed(socket, message::NOT_AUTHENTICATED, out)?;
        let Some(to) = to else {
            out.error(socket, message::INVALID_TARGET);
            return None;
        };
        let Some(id) = self.invites.pending_between(me, to).map(|i| i.id) else {
            out.error(socket, message::NO_PENDING_INVITE);
            return None;
        };
        Some((me, to, id))
    }

    /// `call:extend-wait`: only the inviter of a pending invite to `to`; pushes the expiry
    /// back, at most `invite_max_extensions` times, and tells the callee.
    pub(crate) fn extend_wait(
        &mut self,
        socket: SocketId,
        to: Option<UserId>,
        out: &mut Vec<Effect>,
    ) {
        let Some((_, to, id)) = self.own_pending_invite(socket, to, out) else {
            return;
        };
        let extension = self.config.invite_extension_ms;
        let max = self.config.invite_max_extensions;
        let Some(invite) = self.invites.get_mut(&id) else {
            return;
        };
        if invite.extensions >= max {
            out.error(socket, message::NO_MORE_EXTENSIONS);
            return;
        }
        let old = invite.expires_at;
        invite.expires_at = old.saturating_add(extension);
        invite.extensions += 1;
        let new = invite.expires_at;
        self.timers.cancel(old, Timer::InviteExpiry(id));
        self.timers.schedule(new, Timer::InviteExpiry(id));
        let payload = json!({ "extraSeconds": extension / 1000 });
        out.send(
            self.all_sockets(&to),
            event::CALL_WAIT_EXTENDED,
            Some(payload),
        );
    }

    /// `call:rescind`: only the inviter; the callee gets `call:rescinded`, the pair the rescind
    /// cooldown (as the original).
    pub(crate) fn rescind(
        &mut self,
        now: i64,
        socket: SocketId,
        to: Option<UserId>,
        out: &mut Vec<Effect>,
    ) {
        let Some((me, to, id)) = self.own_pending_invite(socket, to, out) else {
            return;
        };
        self.take_invite(&id);
        out.send(self.all_sockets(&to), event::CALL_RESCINDED, rescinded(&id));
        let cooldown = self.config.rescind_cooldown_ms;
        self.add_cooldown(me, to, now, cooldown, out);
    }

    /// The invite's TTL ran out: `timeout` to the caller, `call:rescinded` to the callee, and
    /// the rescind cooldown. (The original had no server expiry; its callee UI auto-declined at
    /// 20 s, costing 24 h. A server timeout is nobody's refusal, so the shorter cooldown.)
    pub(crate) fn invite_expired(&mut self, now: i64, id: InviteId, out: &mut Vec<Effect>) {
        let Some(invite) = self.invites.remove(&id) else {
            return;
        };
        let caller = self.all_sockets(&invite.from);
        out.send(caller, event::CALL_DECLINED, declined(&id, reason::TIMEOUT));
        out.send(
            self.all_sockets(&invite.to),
            event::CALL_RESCINDED,
            rescinded(&id),
        );
        let cooldown = self.config.rescind_cooldown_ms;
        self.add_cooldown(invite.from, invite.to, now, cooldown, out);
    }

    /// Removes an invite and its expiry timer.
    fn take_invite(&mut self, id: &InviteId) -> Option<Invite> {
        let invite = self.invites.remove(id)?;
        self.timers
            .cancel(invite.expires_at, Timer::InviteExpiry(invite.id));
        Some(invite)
    }

    /// Starts a call: room with deadline, both users unavailable and in the room,
    /// `call:start` to each side, and the other pending invites of both withdrawn.
    pub(crate) fn start_room(
        &mut self,
        now: i64,
        caller: UserId,
        callee: UserId,
        agreed: u32,
        out: &mut Vec<Effect>,
    ) {
        let id = self.fresh_id();
        let name_of = |d: &Self, u: &UserId| {
            d.profile(u)
                .map(|p| p.name().to_owned())
                .unwrap_or_default()
        };
        let caller_name = name_of(self, &caller);
        let callee_name = name_of(self, &callee);
        let deadline = now
            .saturating_add(i64::from(agreed) * 1000)
            .saturating_add(self.config.call_grace_ms);
        self.rooms.insert(Room {
            id,
            caller: Member::new(caller, caller_name.clone()),
            callee: Member::new(callee, callee_name.clone()),
            started_at: now,
            agreed_seconds: agreed,
            deadline,
            messages: Vec::new(),
        });
        self.timers.schedule(deadline, Timer::RoomDeadline(id));
        for user in [caller, callee] {
            self.presence.set_room(&user, Some(id));
            let online = self.online_flag(&user);
            self.set_presence(&user, online, false, out);
        }
        let room_id = format_id(&id);
        for (to, initiator, peer, peer_name) in [
            (caller, true, callee, callee_name),
            (callee, false, caller, caller_name),
        ] {
            let payload = json!({
                "roomId": room_id,
                "agreedSeconds": agreed,
                "isInitiator": initiator,
                "peerUser": { "userId": format_id(&peer), "name": peer_name },
            });
            out.send(self.all_sockets(&to), event::CALL_START, Some(payload));
        }
        for user in [caller, callee] {
            self.withdraw_invites_of_busy(&user, out);
        }
    }

    /// A user just started a call: each invite it sent is rescinded to its callee; each invite
    /// it received is declined (`offline`) to its caller and rescinded on the user's own
    /// sockets so the notification closes. No cooldown: nobody refused anybody.
    fn withdraw_invites_of_busy(&mut self, busy: &UserId, out: &mut Vec<Effect>) {
        for id in self.invites.involving(busy) {
            let Some(invite) = self.take_invite(&id) else {
                continue;
            };
            if invite.from == *busy {
                out.send(
                    self.all_sockets(&invite.to),
                    event::CALL_RESCINDED,
                    rescinded(&id),
                );
            } else {
                let to = self.all_sockets(&invite.from);
                out.send(to, event::CALL_DECLINED, declined(&id, reason::OFFLINE));
                out.send(
                    self.all_sockets(busy),
                    event::CALL_RESCINDED,
                    rescinded(&id),
                );
            }
        }
    }
}
