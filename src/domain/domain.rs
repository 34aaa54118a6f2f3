//! The realtime state machine: owns presence, invites, rooms, cooldowns and timers, and turns
//! commands and elapsed time into effects.
//!
//! Synchronous and single-owner: the app runs it on one task, feeds it commands with the
//! current time, applies the returned effects in order, and calls [`Domain::tick`] at
//! [`Domain::next_deadline`]. Handlers live in `session.rs` (connections and presence),
//! `matchmaking.rs` (invites) and `calls.rs` (rooms); this file holds the dispatch, the timer
//! loop, the read-only queries and the helpers they share.

use super::commands::Command;
use super::config::DomainConfig;
use super::cooldowns::Cooldowns;
use super::effects::{Durable, Effect, Emit};
use super::ids::{IdGen, RoomId, SocketId, UserId};
use super::invites::Invites;
use super::presence::Presence;
use super::profile::Profile;
use super::rooms::{Member, Rooms};
use super::timers::{Timer, Timers};

/// Sizes of the live state, for `/health`, `/metrics` and the bounded-memory tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Users with at least one socket.
    pub users_connected: usize,
    /// Users tracked at all (connected or in the disconnect grace).
    pub users_tracked: usize,
    pub sockets: usize,
    /// Connected users with the `online` flag.
    pub online_users: usize,
    /// Users listed in the queue (online, available, connected, not in a call).
    pub available_users: usize,
    pub pending_invites: usize,
    pub rooms: usize,
    pub cooldowns: usize,
    pub timers: usize,
}

/// The realtime domain. See the module docs of `domain` for the contract.
pub struct Domain {
    pub(crate) config: DomainConfig,
    pub(crate) ids: IdGen,
    pub(crate) presence: Presence,
    pub(crate) invites: Invites,
    pub(crate) rooms: Rooms,
    pub(crate) cooldowns: Cooldowns,
    pub(crate) timers: Timers,
}

impl std::fmt::Debug for Domain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Domain")
            .field("config", &self.config)
            .field("counts", &self.counts())
            .finish_non_exhaustive()
    }
}

impl Domain {
    /// An empty domain. `ids` makes invite and room ids: [`super::random_ids`] in production.
    pub fn new(config: DomainConfig, ids: IdGen) -> Self {
        Self {
            config,
            ids,
            presence: Presence::default(),
            invites: Invites::default(),
            rooms: Rooms::default(),
            cooldowns: Cooldowns::default(),
            timers: Timers::default(),
        }
    }

    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    /// Applies one command at time `now`; returns its effects in the order to apply them.
    pub fn handle(&mut self, now: i64, command: Command) -> Vec<Effect> {
        let mut out = Vec::new();
        self.handle_into(now, command, &mut out);
        out
    }

    /// [`Domain::handle`] appending to a caller-owned buffer (reused across commands).
    pub fn handle_into(&mut self, now: i64, command: Command, out: &mut Vec<Effect>) {
        match command {
            Command::Authenticate { socket, profile } => {
                self.authenticate(now, socket, profile, out)
            }
            Command::SocketClosed { socket } => self.socket_closed(now, socket, out),
            Command::Kick { user, notice } => self.kick(now, user, notice, out),
            Command::PresenceJoin { socket } => self.presence_join(socket, out),
            Command::PresenceLeave { socket } => self.presence_leave(socket, out),
            Command::QueueJoin { socket } => self.queue_join(socket, out),
            Command::QueueLeave { socket } => self.queue_leave(socket, out),
            Command::Invite {
                socket,
                to,
                target_exists,
                requested_seconds,
            } => self.invite(now, socket, to, target_exists, &requested_seconds, out),
            Command::Accept {
                socket,
                invite_id,
                requested_seconds,
            } => self.accept(now, socket, invite_id, &requested_seconds, out),
            Command::Decline { socket, invite_id } => self.decline(now, socket, invite_id, out),
            Command::ExtendWait { socket, to } => self.extend_wait(socket, to, out),
            Command::Rescind { socket, to } => self.rescind(now, socket, to, out),
            Command::RoomJoin { socket, room_id } => self.room_join(socket, room_id, out),
            Command::Relay {
                socket,
                room_id,
                kind,
                payload,
            } => self.relay(socket, room_id, kind, payload, out),
            Command::Chat {
                socket,
                room_id,
                text,
            } => self.chat(now, socket, room_id, &text, out),
            Command::GiveSocial {
                socket,
                room_id,
                socials,
            } => self.give_social(now, socket, room_id, socials, out),
            Command::CallEnd { socket, room_id } => self.call_end(now, socket, room_id, out),
            Command::CallRecorded(report) => self.call_recorded(&report, out),
            Command::Notify {
                user,
                event,
                payload,
            } => out.send(self.all_sockets(&user), event, Some(payload)),
        }
    }

    /// Fires every timer due at `now`: invite expiry, room deadline, disconnect grace end.
    pub fn tick(&mut self, now: i64) -> Vec<Effect> {
        let mut out = Vec::new();
        self.tick_into(now, &mut out);
        out
    }

    /// [`Domain::tick`] appending to a caller-owned buffer.
    pub fn tick_into(&mut self, now: i64, out: &mut Vec<Effect>) {
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::InviteExpiry(id) => self.invite_expired(now, id, out),
                Timer::RoomDeadline(id) => {
                    self.end_room(now, id, super::EndReason::TimedOut, out);
                }
                Timer::DisconnectGrace(user) => self.grace_expired(now, user, out),
            }
        }
    }

    /// When [`Domain::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timers.next()
    }

    /// Loads a durable cooldown at startup (no effect is produced; never shortens one).
    pub fn load_cooldown(&mut self, a: UserId, b: UserId, until: i64) {
        self.cooldowns.extend(a, b, until);
    }

    /// The pair's cooldown end, if one is running at `now` (symmetric).
    pub fn cooldown_until(&self, a: &UserId, b: &UserId, now: i64) -> Option<i64> {
        self.cooldowns.active_until(*a, *b, now)
    }

    /// Drops cooldowns that ended by `now` (periodic cleanup); returns how many.
    pub fn purge(&mut self, now: i64) -> usize {
        self.cooldowns.purge(now)
    }

    /// Users listed in the queue (online, available, connected, not in a call), in id order.
    pub fn available_users(&self) -> impl Iterator<Item = &Profile> {
        self.presence.listed_from(&[0; 16])
    }

    /// How many users are listed in the queue, in O(1).
    pub fn available_count(&self) -> usize {
        self.presence.listed_count()
    }

    /// Like [`Domain::available_users`] but starting at `start` and wrapping around, so a
    /// capped `/room/queue` does not always show the same lowest ids first.
    pub fn available_users_from<'a>(
        &'a self,
        start: &UserId,
    ) -> impl Iterator<Item = &'a Profile> + 'a {
        self.presence.listed_from(start)
    }

    /// The user's live sockets, oldest first.
    pub fn sockets_of(&self, user: &UserId) -> &[SocketId] {
        self.presence.sockets_of(user)
    }

    /// The user an authenticated socket belongs to.
    pub fn user_of(&self, socket: SocketId) -> Option<UserId> {
        self.presence.user_of(socket)
    }

    /// The profile of a tracked user.
    pub fn profile(&self, user: &UserId) -> Option<&Profile> {
        self.presence.get(user).map(|u| &*u.profile)
    }

    /// Replaces a tracked user's profile (name or media changed while connected).
    pub fn update_profile(&mut self, profile: Profile) {
        self.presence.update_profile(profile);
    }

    /// Connected with the `online` flag (what `/room/queue` and intro status call online).
    pub fn is_online(&self, user: &UserId) -> bool {
        self.presence
            .get(user)
            .is_some_and(|u| u.online && u.connected())
    }

    /// Listed in the queue right now.
    pub fn is_available(&self, user: &UserId) -> bool {
        self.presence.get(user).is_some_and(|u| u.listed())
    }

    /// Every authenticated socket with its user and whether that user is in a call: the
    /// audience of presence broadcasts. A user's sockets come one after the other.
    pub fn presence_listeners(&self) -> Vec<(SocketId, UserId, bool)> {
        let mut listeners = Vec::with_capacity(self.presence.socket_count());
        for user in self.presence.users() {
            let id = user.profile.user_id();
            let in_call = user.room.is_some();
            listeners.extend(user.sockets.iter().map(|socket| (*socket, id, in_call)));
        }
        listeners
    }

    /// The room the user is in.
    pub fn in_room(&self, user: &UserId) -> Option<RoomId> {
        self.presence.get(user).and_then(|u| u.room)
    }

    /// Users online with a live socket (`/stats/live`): O(1), exact after every command.
    pub fn online_users(&self) -> usize {
        self.presence.online_count()
    }

    /// Sizes of the live state. O(users): meant for monitoring, not the hot path.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            sockets: self.presence.socket_count(),
            available_users: self.presence.listed_count(),
            pending_invites: self.invites.len(),
            rooms: self.rooms.len(),
            cooldowns: self.cooldowns.len(),
            timers: self.timers.len(),
            ..Counts::default()
        };
        for u in self.presence.users() {
            c.users_tracked += 1;
            if u.connected() {
                c.users_connected += 1;
                if u.online {
                    c.online_users += 1;
                }
            }
        }
        c
    }

    // ----- helpers shared by the handler files -----

    /// Sets a user's presence flags, reporting a change as `PresenceChanged`.
    pub(crate) fn set_presence(
        &mut self,
        user: &UserId,
        online: bool,
        available: bool,
        out: &mut Vec<Effect>,
    ) {
        if self.presence.set_flags(user, online, available) {
            out.push(Effect::PresenceChanged {
                user: *user,
                online,
                available,
            });
        }
    }

    /// The user's `online` flag (false if untracked).
    pub(crate) fn online_flag(&self, user: &UserId) -> bool {
        self.presence.get(user).is_some_and(|u| u.online)
    }

    /// All sockets of a user, as a recipient list.
    pub(crate) fn all_sockets(&self, user: &UserId) -> Vec<SocketId> {
        self.presence.sockets_of(user).to_vec()
    }

    /// Where room events for a member go: the sockets that joined the room, else all of the
    /// user's sockets (the room page may not have sent `room:join` yet).
    pub(crate) fn room_sockets(&self, member: &Member) -> Vec<SocketId> {
        if member.joined.is_empty() {
            self.all_sockets(&member.user)
        } else {
            member.joined.clone()
        }
    }

    /// Puts a pair on cooldown until `now + duration_ms` unless a longer one runs, and
    /// persists it when it changed.
    pub(crate) fn add_cooldown(
        &mut self,
        a: UserId,
        b: UserId,
        now: i64,
        duration_ms: i64,
        out: &mut Vec<Effect>,
    ) {
        let until = now.saturating_add(duration_ms);
        if let Some((a, b)) = self.cooldowns.extend(a, b, until) {
            out.persist(Durable::Cooldown { a, b, until });
        }
    }

    /// The authenticated user of `socket`, or an `error {message}` to it.
    pub(crate) fn authed(
        &self,
        socket: SocketId,
        message: &str,
        out: &mut Vec<Effect>,
    ) -> Option<UserId> {
        let user = self.presence.user_of(socket);
        if user.is_none() {
            out.error(socket, message);
        }
        user
    }

    /// A fresh id for an invite, a room or a never-stored declined invite.
    pub(crate) fn fresh_id(&mut self) -> [u8; 16] {
        (self.ids)()
    }
}
