//! The outbox as the sync sees it: read a batch in change order, resolve each key to the
//! record's current state, remove what Postgres has committed.

use redb::ReadableTable;

use super::StoreError;
use super::read::Reader;
use super::records::{
    Completion, Cooldown, HistoryEntry, Id, OutboxEntry, RecordKind, Session, User,
};
use super::tables::{COMPLETIONS, COOLDOWNS, HISTORY, HISTORY_ARCHIVE, OUTBOX, SESSIONS, USERS};
use super::tx::Tx;
use crate::clock::Millis;

/// A durable record in its current state, or the fact that it no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub enum Current {
    User(Box<User>),
    Session(Session),
    History(HistoryEntry),
    Completion(Completion),
    Cooldown(Cooldown),
    /// The record is gone: delete its mirror row. The key is the outbox key.
    Deleted(RecordKind, Vec<u8>),
}

fn id(bytes: &[u8]) -> Option<Id> {
    bytes.try_into().ok()
}

/// A 32-byte key of two ids (cooldown pairs, completions).
fn split_pair(key: &[u8]) -> Option<(Id, Id)> {
    if key.len() != 32 {
        return None;
    }
    Some((id(&key[..16])?, id(&key[16..])?))
}

impl Reader {
    /// Up to `limit` outbox entries, oldest first.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let table = self.txn().open_table(OUTBOX)?;
        let mut batch = Vec::new();
        for entry in table.iter()?.take(limit) {
            let (seq, value) = entry?;
            batch.push((seq.value(), value.value().to_record()?));
        }
        Ok(batch)
    }

    /// The current state behind an outbox key. `None` for a key that cannot be decoded
    /// (never written by this build; logged and skipped by the caller).
    pub fn current(&self, kind: RecordKind, key: &[u8]) -> Result<Option<Current>, StoreError> {
        let gone = || Some(Current::Deleted(kind, key.to_vec()));
        Ok(match kind {
            RecordKind::User => {
                let Some(user_id) = id(key) else {
                    return Ok(None);
                };
                self.user(&user_id)?
                    .map_or_else(gone, |u| Some(Current::User(Box::new(u))))
            }
            RecordKind::Session => {
                let Some(token) = id(key) else {
                    return Ok(None);
                };
                self.session(&token)?
                    .map_or_else(gone, |s| Some(Current::Session(s)))
            }
            RecordKind::Cooldown => {
                let Some(pair) = split_pair(key) else {
                    return Ok(None);
                };
                let table = self.txn().open_table(COOLDOWNS)?;
                let found = table.get(pair)?;
                match found {
                    Some(guard) => Some(Current::Cooldown(guard.value().to_record()?)),
                    None => gone(),
                }
            }
            RecordKind::Completion => {
                let Some(pair) = split_pair(key) else {
                    return Ok(None);
                };
                let table = self.txn().open_table(COMPLETIONS)?;
                let found = table.get(pair)?;
                match found {
                    Some(guard) => Some(Current::Completion(guard.value().to_record()?)),
                    None => gone(),
                }
            }
            RecordKind::History => {
                if key.len() != 40 {
                    return Ok(None);
                }
                let (Some(user), Some(room)) = (id(&key[..16]), id(&key[24..])) else {
                    return Ok(None);
                };
                let mut started = [0u8; 8];
                started.copy_from_slice(&key[16..24]);
                let table_key = (user, Millis::from_be_bytes(started), room);
                let mut found = None;
                for table in [HISTORY, HISTORY_ARCHIVE] {
                    let table = self.txn().open_table(table)?;
                    if let Some(guard) = table.get(table_key)? {
                        found = Some(Current::History(guard.value().to_record()?));
                        break;
                    }
                }
                found.or_else(gone)
            }
        })
    }

    /// Every record of every mirrored kind (for `replay --full` and verification).
    pub fn all_records(
        &self,
        mut each: impl FnMut(Current) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for entry in self.txn().open_table(USERS)?.iter()? {
            each(Current::User(Box::new(entry?.1.value().to_record()?)))?;
        }
        for entry in self.txn().open_table(SESSIONS)?.iter()? {
            each(Current::Session(entry?.1.value().to_record()?))?;
        }
        for table in [HISTORY, HISTORY_ARCHIVE] {
            for entry in self.txn().open_table(table)?.iter()? {
                each(Current::History(entry?.1.value().to_record()?))?;
            }
        }
        for entry in self.txn().open_table(COMPLETIONS)?.iter()? {
            each(Current::Completion(entry?.1.value().to_record()?))?;
        }
        for entry in self.txn().open_table(COOLDOWNS)?.iter()? {
            each(Current::Cooldown(entry?.1.value().to_record()?))?;
        }
        Ok(())
    }
}

impl Tx<'_> {
    /// Removes outbox entries that Postgres has committed. Only these exact sequence numbers:
    /// changes enqueued meanwhile stay.
    pub fn remove_outbox(&mut self, seqs: &[u64]) -> Result<usize, StoreError> {
        let mut table = self.txn().open_table(OUTBOX)?;
        let mut removed = 0;
        for seq in seqs {
            if table.remove(seq)?.is_some() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
