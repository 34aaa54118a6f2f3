//! The admin session record: a token from `POST /admin/login`, with a fixed expiry.
//!
//! Durable, so a restart does not log the operator out; not mirrored to Postgres (no outbox
//! entry). Two indexes: by username (removing an account ends its sessions) and by expiry
//! (the periodic cleanup reads only what expired).

use redb::{MultimapTableDefinition, ReadableMultimapTable, TableDefinition};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::Reader;
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    pub token: Id,
    pub username: String,
    pub created_at: Millis,
    /// Fixed at login; using the session does not extend it.
    pub expires_at: Millis,
}

impl Record for AdminSession {
    const TYPE_NAME: &'static str = "napalmsky.admin_session.v1.rkyv08-unaligned-le";
}

const ADMIN_SESSIONS: TableDefinition<Id, Rkyv<AdminSession>> =
    TableDefinition::new("admin_sessions");
/// Username -> its session tokens.
const ADMIN_SESSIONS_BY_USERNAME: MultimapTableDefinition<&str, Id> =
    MultimapTableDefinition::new("admin_sessions_by_username");
/// (expires_at, token).
const ADMIN_SESSIONS_BY_EXPIRY: TableDefinition<(Millis, Id), ()> =
    TableDefinition::new("admin_sessions_by_expiry");

impl Tx<'_> {
    pub fn admin_session(&self, token: &Id) -> Result<Option<AdminSession>, StoreError> {
        tables::owned(&self.txn().open_table(ADMIN_SESSIONS)?, token)
    }

    /// Inserts a new session and its index entries (tokens are fresh, never replaced).
    pub fn put_admin_session(&mut self, session: &AdminSession) -> Result<(), StoreError> {
        let bytes = encode(session)?;
        self.txn()
            .open_table(ADMIN_SESSIONS)?
            .insert(session.token, Stored::<AdminSession>::new(&bytes))?;
        self.txn()
            .open_multimap_table(ADMIN_SESSIONS_BY_USERNAME)?
            .insert(session.username.as_str(), session.token)?;
        self.txn()
            .open_table(ADMIN_SESSIONS_BY_EXPIRY)?
            .insert((session.expires_at, session.token), ())?;
        Ok(())
    }

    /// Removes a session and its index entries. Returns whether it existed.
    pub fn delete_admin_session(&mut self, token: &Id) -> Result<bool, StoreError> {
        let Some(old) = self.admin_session(token)? else {
            return Ok(false);
        };
        self.txn().open_table(ADMIN_SESSIONS)?.remove(token)?;
        self.txn()
            .open_multimap_table(ADMIN_SESSIONS_BY_USERNAME)?
            .remove(old.username.as_str(), *token)?;
        self.txn()
            .open_table(ADMIN_SESSIONS_BY_EXPIRY)?
            .remove((old.expires_at, *token))?;
        Ok(true)
    }

    /// Removes every session of `username`; returns how many.
    pub fn delete_admin_sessions_of(&mut self, username: &str) -> Result<usize, StoreError> {
        let mut tokens = Vec::new();
        {
            let table = self.txn().open_multimap_table(ADMIN_SESSIONS_BY_USERNAME)?;
            for token in table.get(username)? {
                tokens.push(token?.value());
            }
        }
        for token in &tokens {
            self.delete_admin_session(token)?;
        }
        Ok(tokens.len())
    }

    /// Tokens of sessions that expired at or before `now`, oldest first, at most `limit`.
    pub fn expired_admin_sessions(&self, now: Millis, limit: usize) -> Result<Vec<Id>, StoreError> {
        let expired = tables::keys_in(
            &self.txn().open_table(ADMIN_SESSIONS_BY_EXPIRY)?,
            ..=(now, [0xff; 16]),
            limit,
        )?;
        Ok(expired.into_iter().map(|(_, token)| token).collect())
    }
}

impl Reader {
    pub fn admin_session(&self, token: &Id) -> Result<Option<AdminSession>, StoreError> {
        self.owned(ADMIN_SESSIONS, token)
    }

    /// How many admin sessions are stored (expired ones not yet purged included).
    pub fn admin_session_count(&self) -> Result<u64, StoreError> {
        self.count(ADMIN_SESSIONS)
    }
}

// The registry's hook (`records/mod.rs`): tables only, the record is not mirrored.

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(ADMIN_SESSIONS)?;
    visitor.multimap(ADMIN_SESSIONS_BY_USERNAME)?;
    visitor.table(ADMIN_SESSIONS_BY_EXPIRY)
}
