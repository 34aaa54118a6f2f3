//! The session record: a login token of one user, its two indexes, and its operations.

use redb::{MultimapTableDefinition, ReadableMultimapTable, TableDefinition};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: Id,
    pub user_id: Id,
    pub ip_address: String,
    pub device_info: String,
    /// False once a newer login invalidated it (single-session rule).
    pub is_active: bool,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub last_active_at: Millis,
    pub version: u64,
}

impl Record for Session {
    const TYPE_NAME: &'static str = "napalmsky.session.v1.rkyv08-unaligned-le";
}

pub(in crate::store) const SESSIONS: TableDefinition<Id, Rkyv<Session>> =
    TableDefinition::new("sessions");
/// User id -> every session token of that user (for single-session logins).
const SESSIONS_BY_USER: MultimapTableDefinition<Id, Id> =
    MultimapTableDefinition::new("sessions_by_user");
/// (expires_at, token): the cleanup scans only what has expired.
const SESSIONS_BY_EXPIRY: TableDefinition<(Millis, Id), ()> =
    TableDefinition::new("sessions_by_expiry");

impl Tx<'_> {
    pub fn session(&self, token: &Id) -> Result<Option<Session>, StoreError> {
        tables::owned(&self.txn().open_table(SESSIONS)?, token)
    }

    /// Every session token of a user, active or not.
    pub fn tokens_of(&self, user_id: &Id) -> Result<Vec<Id>, StoreError> {
        let table = self.txn().open_multimap_table(SESSIONS_BY_USER)?;
        let mut tokens = Vec::new();
        for token in table.get(user_id)? {
            tokens.push(token?.value());
        }
        Ok(tokens)
    }

    /// Inserts or replaces a session and its two indexes.
    pub fn put_session(&mut self, session: &mut Session) -> Result<(), StoreError> {
        if let Some(old) = self.session(&session.token)? {
            self.txn()
                .open_table(SESSIONS_BY_EXPIRY)?
                .remove((old.expires_at, old.token))?;
        }
        session.version = self.enqueue(RecordKind::Session, ChangeOp::Upsert, &session.token)?;
        let bytes = encode(&*session)?;
        self.txn()
            .open_table(SESSIONS)?
            .insert(session.token, Stored::<Session>::new(&bytes))?;
        self.txn()
            .open_multimap_table(SESSIONS_BY_USER)?
            .insert(session.user_id, session.token)?;
        self.txn()
            .open_table(SESSIONS_BY_EXPIRY)?
            .insert((session.expires_at, session.token), ())?;
        self.touched_sessions.push(session.token);
        Ok(())
    }

    /// Removes a session and its index entries. Returns whether it existed.
    pub fn delete_session(&mut self, token: &Id) -> Result<bool, StoreError> {
        let Some(old) = self.session(token)? else {
            return Ok(false);
        };
        self.txn().open_table(SESSIONS)?.remove(token)?;
        self.txn()
            .open_multimap_table(SESSIONS_BY_USER)?
            .remove(old.user_id, *token)?;
        self.txn()
            .open_table(SESSIONS_BY_EXPIRY)?
            .remove((old.expires_at, *token))?;
        self.enqueue(RecordKind::Session, ChangeOp::Delete, token)?;
        self.touched_sessions.push(*token);
        Ok(true)
    }

    /// Tokens of sessions that expired at or before `now`, oldest first, at most `limit`.
    pub fn expired_sessions(&self, now: Millis, limit: usize) -> Result<Vec<Id>, StoreError> {
        let expired = tables::keys_in(
            &self.txn().open_table(SESSIONS_BY_EXPIRY)?,
            ..=(now, [0xff; 16]),
            limit,
        )?;
        Ok(expired.into_iter().map(|(_, token)| token).collect())
    }
}

impl Reader {
    pub fn with_session<R>(
        &self,
        token: &Id,
        view: impl FnOnce(&ArchivedSession) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.view(SESSIONS, token, view)
    }

    pub fn session(&self, token: &Id) -> Result<Option<Session>, StoreError> {
        self.owned(SESSIONS, token)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(SESSIONS)?;
    visitor.multimap(SESSIONS_BY_USER)?;
    visitor.table(SESSIONS_BY_EXPIRY)
}

/// The outbox key is the token. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<Session>>, StoreError> {
    let token = Id::try_from(key).ok();
    token.map(|token| reader.session(&token)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, Session>) -> Result<(), StoreError> {
    reader.each_in(SESSIONS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(SESSIONS)
}
