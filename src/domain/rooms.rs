//! Call rooms: two members, their joined sockets, the messages for the history, a deadline.
//!
//! A room is created only by an accepted (or mutual) invite and removed only by the single end
//! path (`call:end`, deadline, disconnect), so rooms never leak (fix of §7.18).

use serde_json::Value;

use super::ids::{FastMap, RoomId, SocketId, UserId};

/// One side of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub user: UserId,
    /// Display name at call start (for the history's `partnerName`).
    pub name: String,
    /// Sockets that sent `room:join`: room events go there, so another tab of the same user
    /// on the main page is not disturbed. Empty means "all sockets of the user".
    pub joined: Vec<SocketId>,
}

impl Member {
    pub(crate) fn new(user: UserId, name: String) -> Self {
        Self {
            user,
            name,
            joined: Vec::new(),
        }
    }
}

/// A running call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room {
    pub id: RoomId,
    /// The inviter (`isInitiator: true`).
    pub caller: Member,
    pub callee: Member,
    pub started_at: i64,
    pub agreed_seconds: u32,
    /// `started_at + agreed + call grace`: the server closes the room then.
    pub deadline: i64,
    pub messages: Vec<Value>,
}

impl Room {
    pub(crate) fn is_member(&self, user: &UserId) -> bool {
        self.caller.user == *user || self.callee.user == *user
    }

    pub(crate) fn member_mut(&mut self, user: &UserId) -> Option<&mut Member> {
        if self.caller.user == *user {
            Some(&mut self.caller)
        } else if self.callee.user == *user {
            Some(&mut self.callee)
        } else {
            None
        }
    }

    /// The other member, if `user` is one.
    pub(crate) fn peer_of(&self, user: &UserId) -> Option<&Member> {
        if self.caller.user == *user {
            Some(&self.callee)
        } else if self.callee.user == *user {
            Some(&self.caller)
        } else {
            None
        }
    }

    /// Forgets a closed socket in the join lists.
    pub(crate) fn forget_socket(&mut self, socket: SocketId) {
        self.caller.joined.retain(|s| *s != socket);
        self.callee.joined.retain(|s| *s != socket);
    }
}

#[derive(Debug, Default)]
pub(crate) struct Rooms {
    by_id: FastMap<RoomId, Room>,
}

impl Rooms {
    pub(crate) fn insert(&mut self, room: Room) {
        self.by_id.insert(room.id, room);
    }

    pub(crate) fn get(&self, id: &RoomId) -> Option<&Room> {
        self.by_id.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &RoomId) -> Option<&mut Room> {
        self.by_id.get_mut(id)
    }

    pub(crate) fn remove(&mut self, id: &RoomId) -> Option<Room> {
        self.by_id.remove(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}
