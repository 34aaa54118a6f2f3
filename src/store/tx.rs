//! The write side: everything one group-committed transaction can do.
//!
//! Every durable change goes through `Tx`, which keeps the indexes in step with the records
//! and appends an outbox entry in the same transaction. Invariant for callers: an operation
//! decides (reads, validates) before it writes, so an operation that returns a business
//! rejection has written nothing and cannot leave half a change in the shared batch.

use redb::{ReadableMultimapTable, ReadableTable, WriteTransaction};

use super::StoreError;
use super::codec::{Stored, encode};
use super::records::{ChangeOp, Id, OutboxEntry, RecordKind, Session, User};
use super::tables::{
    OUTBOX, SESSIONS, SESSIONS_BY_EXPIRY, SESSIONS_BY_USER, USERS, USERS_BY_EMAIL,
};
use crate::clock::Millis;

pub struct Tx<'t> {
    txn: &'t WriteTransaction,
    next_seq: u64,
    now: Millis,
    pub(super) touched_users: Vec<Id>,
    pub(super) touched_sessions: Vec<Id>,
    /// Set when a job failed with a storage error after it may have written: the batch is
    /// rolled back instead of committed.
    pub(super) poisoned: Option<StoreError>,
}

impl<'t> Tx<'t> {
    pub(super) fn new(txn: &'t WriteTransaction, next_seq: u64, now: Millis) -> Self {
        Self {
            txn,
            next_seq,
            now,
            touched_users: Vec::new(),
            touched_sessions: Vec::new(),
            poisoned: None,
        }
    }

    pub(super) fn txn(&self) -> &'t WriteTransaction {
        self.txn
    }

    pub(super) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn user(&self, id: &Id) -> Result<Option<User>, StoreError> {
        let table = self.txn.open_table(USERS)?;
        let found = table.get(id)?;
        found.map(|guard| guard.value().to_record()).transpose()
    }

    pub fn user_id_by_email(&self, email: &str) -> Result<Option<Id>, StoreError> {
        let table = self.txn.open_table(USERS_BY_EMAIL)?;
        Ok(table.get(email)?.map(|guard| guard.value()))
    }

    pub fn session(&self, token: &Id) -> Result<Option<Session>, StoreError> {
        let table = self.txn.open_table(SESSIONS)?;
        let found = table.get(token)?;
        found.map(|guard| guard.value().to_record()).transpose()
    }

    /// Every session token of a user, active or not.
    pub fn tokens_of(&self, user_id: &Id) -> Result<Vec<Id>, StoreError> {
        let table = self.txn.open_multimap_table(SESSIONS_BY_USER)?;
        let mut tokens = Vec::new();
        for token in table.get(user_id)? {
            tokens.push(token?.value());
        }
        Ok(tokens)
    }

    /// Inserts or replaces a user, keeping the email index unique and current.
    pub fn put_user(&mut self, user: &mut User) -> Result<(), StoreError> {
        let old_email = self.user(&user.id)?.and_then(|old| old.email);
        if old_email != user.email {
            let mut emails = self.txn.open_table(USERS_BY_EMAIL)?;
            if let Some(old) = &old_email {
                emails.remove(old.as_str())?;
            }
            if let Some(new) = &user.email {
                emails.insert(new.as_str(), user.id)?;
            }
        }
        user.updated_at = self.now;
        user.version = self.enqueue(RecordKind::User, ChangeOp::Upsert, &user.id)?;
        let bytes = encode(&*user)?;
        self.txn
            .open_table(USERS)?
            .insert(user.id, Stored::<User>::new(&bytes))?;
        self.touched_users.push(user.id);
        // A user's flags are part of each of its cached verified sessions.
        let tokens = self.tokens_of(&user.id)?;
        self.touched_sessions.extend(tokens);
        Ok(())
    }

    /// Inserts or replaces a session and its two indexes.
    pub fn put_session(&mut self, session: &mut Session) -> Result<(), StoreError> {
        if let Some(old) = self.session(&session.token)? {
            self.txn
                .open_table(SESSIONS_BY_EXPIRY)?
                .remove((old.expires_at, old.token))?;
        }
        session.version = self.enqueue(RecordKind::Session, ChangeOp::Upsert, &session.token)?;
        let bytes = encode(&*session)?;
        self.txn
            .open_table(SESSIONS)?
            .insert(session.token, Stored::<Session>::new(&bytes))?;
        self.txn
            .open_multimap_table(SESSIONS_BY_USER)?
            .insert(session.user_id, session.token)?;
        self.txn
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
        self.txn.open_table(SESSIONS)?.remove(token)?;
        self.txn
            .open_multimap_table(SESSIONS_BY_USER)?
            .remove(old.user_id, *token)?;
        self.txn
            .open_table(SESSIONS_BY_EXPIRY)?
            .remove((old.expires_at, *token))?;
        self.enqueue(RecordKind::Session, ChangeOp::Delete, token)?;
        self.touched_sessions.push(*token);
        Ok(true)
    }

    /// Tokens of sessions that expired at or before `now`, oldest first, at most `limit`.
    pub fn expired_sessions(&self, now: Millis, limit: usize) -> Result<Vec<Id>, StoreError> {
        let table = self.txn.open_table(SESSIONS_BY_EXPIRY)?;
        let mut tokens = Vec::new();
        for entry in table.range(..=(now, [0xff; 16]))?.take(limit) {
            tokens.push(entry?.0.value().1);
        }
        Ok(tokens)
    }

    pub(super) fn enqueue(
        &mut self,
        kind: RecordKind,
        op: ChangeOp,
        key: &[u8],
    ) -> Result<u64, StoreError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = OutboxEntry {
            kind,
            op,
            key: key.to_vec(),
            enqueued_at: self.now,
        };
        let bytes = encode(&entry)?;
        self.txn
            .open_table(OUTBOX)?
            .insert(seq, Stored::<OutboxEntry>::new(&bytes))?;
        Ok(seq)
    }
}
