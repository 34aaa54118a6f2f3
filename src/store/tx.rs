//! The write side's core: the transaction one group commit shares, and the outbox append.
//!
//! Every durable change goes through `Tx`; each record's operations are `impl Tx` blocks in
//! its file under `records/`. They keep the indexes in step with the records and append an
//! outbox entry (`enqueue`) in the same transaction. Invariant for callers: an operation
//! decides (reads, validates) before it writes, so an operation that returns a business
//! rejection has written nothing and cannot leave half a change in the shared batch.

use redb::WriteTransaction;

use super::change::{ChangeOp, OUTBOX, OutboxEntry, RecordKind};
use super::codec::{Stored, encode};
use super::error::StoreError;
use super::id::Id;
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

    /// The batch's clock reading: every record written in one commit carries the same time.
    pub(super) fn now(&self) -> Millis {
        self.now
    }

    /// Appends "this record changed" to the outbox; returns its sequence number, which the
    /// record keeps as its `version`.
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
