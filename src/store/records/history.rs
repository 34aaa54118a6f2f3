//! The history record: one participant's entry of a call, hot or archived.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

/// One participant's record of a call (each call writes one per participant: the original's
/// shared primary key kept only the first).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub user_id: Id,
    pub session_id: String,
    pub room_id: Id,
    pub partner_id: Id,
    pub partner_name: String,
    pub started_at: Millis,
    pub duration_seconds: u32,
    /// The room's chat and social messages, as a JSON array text.
    pub messages: String,
    pub version: u64,
}

impl Record for HistoryEntry {
    const TYPE_NAME: &'static str = "napalmsky.history.v1.rkyv08-unaligned-le";
}

/// (user, started_at, room) -> that participant's entry; a user's range is their history in
/// time order. Entries older than the hot window move to `HISTORY_ARCHIVE` (same layout).
const HISTORY: TableDefinition<(Id, Millis, Id), Rkyv<HistoryEntry>> =
    TableDefinition::new("history");
const HISTORY_ARCHIVE: TableDefinition<(Id, Millis, Id), Rkyv<HistoryEntry>> =
    TableDefinition::new("history_archive");
/// (started_at, user, room): finds hot entries past the window without a scan.
const HISTORY_BY_TIME: TableDefinition<(Millis, Id, Id), ()> =
    TableDefinition::new("history_by_time");

/// The outbox key of a history entry: user, big-endian start time, room.
pub fn history_key(user: &Id, started_at: Millis, room: &Id) -> Vec<u8> {
    let mut key = Vec::with_capacity(40);
    key.extend_from_slice(user);
    key.extend_from_slice(&started_at.to_be_bytes());
    key.extend_from_slice(room);
    key
}

/// The inverse of `history_key`: the table key, or `None` for a key of another shape.
fn split_history_key(key: &[u8]) -> Option<(Id, Millis, Id)> {
    if key.len() != 40 {
        return None;
    }
    let user = key[..16].try_into().ok()?;
    let started_at = Millis::from_be_bytes(key[16..24].try_into().ok()?);
    let room = key[24..].try_into().ok()?;
    Some((user, started_at, room))
}

impl Tx<'_> {
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
        let mut by_time = self.txn().open_table(HISTORY_BY_TIME)?;
        let mut hot = self.txn().open_table(HISTORY)?;
        let mut archive = self.txn().open_table(HISTORY_ARCHIVE)?;
        let old = tables::keys_in(&by_time, ..(cutoff, [0; 16], [0; 16]), limit)?;
        for &(started_at, user, room) in &old {
            by_time.remove((started_at, user, room))?;
            let key = (user, started_at, room);
            let removed = hot.remove(key)?;
            let bytes = removed
                .map(|r| r.value().to_record().and_then(|entry| encode(&entry)))
                .transpose()?;
            if let Some(bytes) = bytes {
                archive.insert(key, Stored::<HistoryEntry>::new(&bytes))?;
            }
        }
        Ok(old.len())
    }
}

impl Reader {
    /// A user's call history, newest first: hot entries, then archived ones.
    pub fn history_of(&self, user: &Id, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut entries = Vec::new();
        for table in [HISTORY, HISTORY_ARCHIVE] {
            let table = self.txn().open_table(table)?;
            let range =
                table.range((*user, Millis::MIN, [0; 16])..=(*user, Millis::MAX, [0xff; 16]))?;
            for entry in range.rev() {
                if entries.len() >= limit {
                    return Ok(entries);
                }
                entries.push(entry?.1.value().to_record()?);
            }
        }
        Ok(entries)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(HISTORY)?;
    visitor.table(HISTORY_ARCHIVE)?;
    visitor.table(HISTORY_BY_TIME)
}

/// The entry behind a `history_key`, hot or archived. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<HistoryEntry>>, StoreError> {
    let Some(table_key) = split_history_key(key) else {
        return Ok(None);
    };
    for table in [HISTORY, HISTORY_ARCHIVE] {
        if let Some(entry) = reader.owned(table, table_key)? {
            return Ok(Some(Some(entry)));
        }
    }
    Ok(Some(None))
}

/// Hot entries, then archived ones: the mirror keeps both in one table.
pub(super) fn each(reader: &Reader, each: Each<'_, HistoryEntry>) -> Result<(), StoreError> {
    reader.each_in(HISTORY, each)?;
    reader.each_in(HISTORY_ARCHIVE, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    Ok(reader.count(HISTORY)? + reader.count(HISTORY_ARCHIVE)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_key_splits_back_and_other_shapes_are_refused() {
        let key = history_key(&[1; 16], -5, &[2; 16]);
        assert_eq!(split_history_key(&key), Some(([1; 16], -5, [2; 16])));
        assert_eq!(split_history_key(&key[..39]), None);
    }
}
