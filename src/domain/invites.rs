//! Pending call invites, indexed by id, by pair and by user.
//!
//! At most one pending invite per pair in either direction (fix of §7.17: duplicates and
//! mutual invites made two rooms). The per-user index lets disconnect cleanup and room start
//! find a user's invites without scanning all of them. Every entry leaves through
//! [`Invites::remove`], which keeps the three maps consistent.

use super::ids::{FastMap, InviteId, UserId};

/// One pending invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invite {
    pub id: InviteId,
    pub from: UserId,
    pub to: UserId,
    /// The caller's `requestedSeconds` (already validated).
    pub caller_seconds: u32,
    pub expires_at: i64,
    /// `call:extend-wait` count so far.
    pub extensions: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Invites {
    by_id: FastMap<InviteId, Invite>,
    /// Directed (from, to) -> invite.
    by_pair: FastMap<(UserId, UserId), InviteId>,
    /// User -> invites it sent or received.
    by_user: FastMap<UserId, Vec<InviteId>>,
}

impl Invites {
    pub(crate) fn insert(&mut self, invite: Invite) {
        self.by_pair.insert((invite.from, invite.to), invite.id);
        self.by_user.entry(invite.from).or_default().push(invite.id);
        self.by_user.entry(invite.to).or_default().push(invite.id);
        self.by_id.insert(invite.id, invite);
    }

    pub(crate) fn get(&self, id: &InviteId) -> Option<&Invite> {
        self.by_id.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &InviteId) -> Option<&mut Invite> {
        self.by_id.get_mut(id)
    }

    /// The pending invite sent by `from` to `to` (one direction only).
    pub(crate) fn pending_between(&self, from: UserId, to: UserId) -> Option<&Invite> {
        self.by_pair
            .get(&(from, to))
            .and_then(|id| self.by_id.get(id))
    }

    /// Ids of every invite `user` sent or received.
    pub(crate) fn involving(&self, user: &UserId) -> Vec<InviteId> {
        self.by_user.get(user).cloned().unwrap_or_default()
    }

    pub(crate) fn remove(&mut self, id: &InviteId) -> Option<Invite> {
        let invite = self.by_id.remove(id)?;
        self.by_pair.remove(&(invite.from, invite.to));
        for user in [invite.from, invite.to] {
            if let Some(ids) = self.by_user.get_mut(&user) {
                ids.retain(|i| i != id);
                if ids.is_empty() {
                    self.by_user.remove(&user);
                }
            }
        }
        Some(invite)
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Sizes of the three maps, for the bounded-memory tests.
    #[cfg(test)]
    pub(crate) fn index_sizes(&self) -> (usize, usize, usize) {
        (self.by_id.len(), self.by_pair.len(), self.by_user.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(id: u8, from: u8, to: u8) -> Invite {
        Invite {
            id: [id; 16],
            from: [from; 16],
            to: [to; 16],
            caller_seconds: 60,
            expires_at: 0,
            extensions: 0,
        }
    }

    #[test]
    fn indexes_stay_consistent_and_empty_after_removal() {
        let mut inv = Invites::default();
        inv.insert(invite(1, 10, 20));
        inv.insert(invite(2, 30, 10));
        assert_eq!(
            inv.pending_between([10; 16], [20; 16]).map(|i| i.id),
            Some([1; 16])
        );
        assert!(inv.pending_between([20; 16], [10; 16]).is_none());
        assert_eq!(inv.involving(&[10; 16]).len(), 2);
        assert_eq!(inv.remove(&[1; 16]).map(|i| i.to), Some([20; 16]));
        assert_eq!(inv.remove(&[1; 16]), None);
        assert_eq!(inv.involving(&[10; 16]), vec![[2; 16]]);
        assert!(inv.involving(&[20; 16]).is_empty());
        inv.remove(&[2; 16]);
        assert_eq!(inv.index_sizes(), (0, 0, 0));
    }
}
