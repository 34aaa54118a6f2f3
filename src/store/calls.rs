//! The write side of call records: cooldowns, per-participant history, completions.
//! Same rules as `tx.rs`: indexes move with their records, every change is in the outbox.

use redb::ReadableTable;

use super::StoreError;
use super::codec::{Stored, encode};
use super::records::{ChangeOp, Completion, Cooldown, HistoryEntry, Id, RecordKind};
use super::tables::{
    COMPLETIONS, COOLDOWNS, COOLDOWNS_BY_EXPIRY, HISTORY, HISTORY_ARCHIVE, HISTORY_BY_TIME,
};
use super::tx::Tx;
use crate::clock::Millis;

/// The outbox key of a history entry: user, big-endian start time, room.
pub fn history_key(user: &Id, started_at: Millis, room: &Id) -> Vec<u8> {
    let mut key = Vec::with_capacity(40);
    key.extend_from_slice(user);
    key.extend_from_slice(&started_at.to_be_bytes());
    key.extend_from_slice(room);
    key
}

fn pair_key(a: &Id, b: &Id) -> Vec<u8> {
    [a.as_slice(), b.as_slice()].concat()
}

/// The two ids of a pair in key order.
pub fn ordered(x: Id, y: Id) -> (Id, Id) {
    if x <= y { (x, y) } else { (y, x) }
}

impl Tx<'_> {
    /// Sets the pair's cooldown to `until` unless a longer one is already in force: a later,
    /// shorter cooldown never shortens an earlier one. Returns the cooldown now in force.
    pub fn extend_cooldown(&mut self, x: Id, y: Id, until: Millis) -> Result<Millis, StoreError> {
        let (a, b) = ordered(x, y);
        let existing = {
            let table = self.txn().open_table(COOLDOWNS)?;
            let found = table.get((a, b))?;
            found.map(|g| g.value().to_record()).transpose()?
        };
        if let Some(existing) = &existing {
            if existing.until >= until {
                return Ok(existing.until);
            }
            self.txn()
                .open_table(COOLDOWNS_BY_EXPIRY)?
                .remove((existing.until, a, b))?;
        }
        let version = self.enqueue(RecordKind::Cooldown, ChangeOp::Upsert, &pair_key(&a, &b))?;
        let record = Cooldown {
            a,
            b,
            until,
            version,
        };
        let bytes = encode(&record)?;
        self.txn()
            .open_table(COOLDOWNS)?
            .insert((a, b), Stored::<Cooldown>::new(&bytes))?;
        self.txn()
            .open_table(COOLDOWNS_BY_EXPIRY)?
            .insert((until, a, b), ())?;
        Ok(until)
    }

    /// Deletes up to `limit` cooldowns that ended at or before `now`; returns how many.
    pub fn purge_expired_cooldowns(
        &mut self,
        now: Millis,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let expired: Vec<(Millis, Id, Id)> = {
            let table = self.txn().open_table(COOLDOWNS_BY_EXPIRY)?;
            let mut found = Vec::new();
            for entry in table.range(..=(now, [0xff; 16], [0xff; 16]))?.take(limit) {
                found.push(entry?.0.value());
            }
            found
        };
        for (until, a, b) in &expired {
            self.txn()
                .open_table(COOLDOWNS_BY_EXPIRY)?
                .remove((*until, *a, *b))?;
            self.txn().open_table(COOLDOWNS)?.remove((*a, *b))?;
            self.enqueue(RecordKind::Cooldown, ChangeOp::Delete, &pair_key(a, b))?;
        }
        Ok(expired.len())
    }

    /// Stores one participant's history entry.
    pub fn add_history(&mut self, entry: &mut HistoryEntry) -> Result<(), StoreError> {
        let key = history_key(&entry.user_id, entry.started_at, &entry.room_id);
        entry.version = self.enqueue(RecordKind::History, ChangeOp::Upsert, &key)?;
        let bytes = encode(&*entry)?;
        let table_key = (entry.user_id, entry.started_at, entry.room_id);
        self.txn()
            .open_table(HISTORY)?
            .insert(table_key, Stored::<HistoryEntry>::new(&bytes))?;
        self.txn()
            .open_table(HISTORY_BY_TIME)?
            .insert((entry.started_at, entry.user_id, entry.room_id), ())?;
        Ok(())
    }

    /// Moves up to `limit` hot history entries that started before `cutoff` to the archive.
    /// The Postgres mirror keeps one `chat_history` table, so nothing is enqueued: the row
    /// itself does not change.
    pub fn archive_history(&mut self, cutoff: Millis, limit: usize) -> Result<usize, StoreError> {
        let old: Vec<(Millis, Id, Id)> = {
            let table = self.txn().open_table(HISTORY_BY_TIME)?;
            let mut found = Vec::new();
            for entry in table.range(..(cutoff, [0; 16], [0; 16]))?.take(limit) {
                found.push(entry?.0.value());
            }
            found
        };
        for (started_at, user, room) in &old {
            self.txn()
                .open_table(HISTORY_BY_TIME)?
                .remove((*started_at, *user, *room))?;
            let bytes = {
                let mut hot = self.txn().open_table(HISTORY)?;
                let removed = hot.remove((*user, *started_at, *room))?;
                removed
                    .map(|r| r.value().to_record().and_then(|entry| encode(&entry)))
                    .transpose()?
            };
            if let Some(bytes) = bytes {
                self.txn().open_table(HISTORY_ARCHIVE)?.insert(
                    (*user, *started_at, *room),
                    Stored::<HistoryEntry>::new(&bytes),
                )?;
            }
        }
        Ok(old.len())
    }

    /// Records a completion unless this (user, room) already has one; returns whether it is new.
    pub fn add_completion(&mut self, completion: &mut Completion) -> Result<bool, StoreError> {
        let key = (completion.user_id, completion.room_id);
        if self.txn().open_table(COMPLETIONS)?.get(key)?.is_some() {
            return Ok(false);
        }
        let outbox_key = pair_key(&completion.user_id, &completion.room_id);
        completion.version = self.enqueue(RecordKind::Completion, ChangeOp::Upsert, &outbox_key)?;
        let bytes = encode(&*completion)?;
        self.txn()
            .open_table(COMPLETIONS)?
            .insert(key, Stored::<Completion>::new(&bytes))?;
        Ok(true)
    }
}
