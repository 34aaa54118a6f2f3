//! Who is connected, on which sockets, and whether they can be matched.
//!
//! One entry per user with at least one socket, or in the disconnect grace; it leaves only
//! through full cleanup ([`Presence::remove_user`]). Socket ids map back to their user.
//!
//! `online` and `available` are the original's presence flags, as broadcast. Being *listed*
//! (in `/room/queue`, invitable) additionally needs a live socket and no running call; the
//! `listed` index keeps those users ordered so the queue is served without scanning every
//! connected user (§7.26/27). It holds their profiles too (shared with the user's entry), so
//! a queue page is one ordered walk with no lookup per item.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ids::{FastMap, RoomId, SocketId, UserId};
use super::profile::Profile;

/// Everything the domain tracks about one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserState {
    pub profile: Arc<Profile>,
    /// Oldest first: the per-user limit closes `sockets[0]`.
    pub sockets: Vec<SocketId>,
    pub online: bool,
    pub available: bool,
    pub room: Option<RoomId>,
    /// End of the disconnect grace, while the user has no socket.
    pub grace_until: Option<i64>,
    /// Whether `Presence::online_count` counts this user (kept by `Presence::sync`).
    counted_online: bool,
}

impl UserState {
    pub(crate) fn connected(&self) -> bool {
        !self.sockets.is_empty()
    }

    /// Online as `/stats/live` counts it: the flag, and a live socket.
    fn counts_online(&self) -> bool {
        self.online && self.connected()
    }

    /// Can be found in the queue and invited right now.
    pub(crate) fn listed(&self) -> bool {
        self.online && self.available && self.connected() && self.room.is_none()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Presence {
    users: FastMap<UserId, UserState>,
    sockets: FastMap<SocketId, UserId>,
    listed: BTreeMap<UserId, Arc<Profile>>,
    /// Users that `counts_online`, kept exact at every change so `/stats/live` is O(1).
    online_count: usize,
}

impl Presence {
    pub(crate) fn user_of(&self, socket: SocketId) -> Option<UserId> {
        self.sockets.get(&socket).copied()
    }

    pub(crate) fn get(&self, user: &UserId) -> Option<&UserState> {
        self.users.get(user)
    }

    pub(crate) fn sockets_of(&self, user: &UserId) -> &[SocketId] {
        self.users.get(user).map_or(&[], |u| u.sockets.as_slice())
    }

    pub(crate) fn socket_count(&self) -> usize {
        self.sockets.len()
    }

    pub(crate) fn users(&self) -> impl Iterator<Item = &UserState> {
        self.users.values()
    }

    /// Registers `socket` for `profile.user_id` (newest last), creating the entry offline and
    /// unavailable, or refreshing the profile of an existing one.
    pub(crate) fn add_socket(&mut self, socket: SocketId, profile: Profile) {
        let user = profile.user_id();
        let profile = Arc::new(profile);
        self.sockets.insert(socket, user);
        match self.users.get_mut(&user) {
            Some(state) => {
                state.profile = profile;
                state.sockets.push(socket);
            }
            None => {
                self.users.insert(
                    user,
                    UserState {
                        profile,
                        sockets: vec![socket],
                        online: false,
                        available: false,
                        room: None,
                        grace_until: None,
                        counted_online: false,
                    },
                );
            }
        }
        self.sync(&user);
    }

    /// Forgets a socket; returns its user.
    pub(crate) fn remove_socket(&mut self, socket: SocketId) -> Option<UserId> {
        let user = self.sockets.remove(&socket)?;
        if let Some(state) = self.users.get_mut(&user) {
            state.sockets.retain(|s| *s != socket);
        }
        self.sync(&user);
        Some(user)
    }

    /// Sets the presence flags; returns whether they changed.
    pub(crate) fn set_flags(&mut self, user: &UserId, online: bool, available: bool) -> bool {
        let Some(state) = self.users.get_mut(user) else {
            return false;
        };
        let changed = (state.online, state.available) != (online, available);
        state.online = online;
        state.available = available;
        self.sync(user);
        changed
    }

    pub(crate) fn set_room(&mut self, user: &UserId, room: Option<RoomId>) {
        if let Some(state) = self.users.get_mut(user) {
            state.room = room;
        }
        self.sync(user);
    }

    pub(crate) fn set_grace(&mut self, user: &UserId, until: Option<i64>) {
        if let Some(state) = self.users.get_mut(user) {
            state.grace_until = until;
        }
    }

    pub(crate) fn update_profile(&mut self, profile: Profile) {
        let user = profile.user_id();
        if let Some(state) = self.users.get_mut(&user) {
            state.profile = Arc::new(profile);
        }
        self.sync(&user);
    }

    /// Drops the user and any sockets it still had.
    pub(crate) fn remove_user(&mut self, user: &UserId) -> Option<UserState> {
        let state = self.users.remove(user)?;
        if state.counted_online {
            self.online_count -= 1;
        }
        for socket in &state.sockets {
            self.sockets.remove(socket);
        }
        self.listed.remove(user);
        Some(state)
    }

    /// Listed users in id order, starting at `start` and wrapping around, so the app can spread
    /// attention by starting each request somewhere else.
    pub(crate) fn listed_from<'a>(
        &'a self,
        start: &UserId,
    ) -> impl Iterator<Item = &'a Profile> + 'a {
        self.listed
            .range(*start..)
            .chain(self.listed.range(..*start))
            .map(|(_, profile)| &**profile)
    }

    pub(crate) fn listed_count(&self) -> usize {
        self.listed.len()
    }

    /// Users online with a live socket, exact after every change.
    pub(crate) fn online_count(&self) -> usize {
        self.online_count
    }

    /// Re-derives the user's membership in the `listed` index and the online count after
    /// any change.
    fn sync(&mut self, user: &UserId) {
        let Some(state) = self.users.get_mut(user) else {
            self.listed.remove(user);
            return;
        };
        let online = state.counts_online();
        if online != state.counted_online {
            state.counted_online = online;
            if online {
                self.online_count += 1;
            } else {
                self.online_count -= 1;
            }
        }
        if state.listed() {
            self.listed.insert(*user, state.profile.clone());
        } else {
            self.listed.remove(user);
        }
    }
}
