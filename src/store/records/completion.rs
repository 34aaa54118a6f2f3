//! The completion record: a call long enough to count towards the QR unlock.

use redb::{ReadableTable, TableDefinition};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::{Id, pair_key, split_pair};
use crate::store::read::{Each, Reader};
use crate::store::tables::TableVisitor;
use crate::store::tx::Tx;

/// A call of at least 30 s, counted towards the QR unlock; unique per (user, room).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub user_id: Id,
    pub room_id: Id,
    pub partner_id: Id,
    pub duration_seconds: u32,
    pub completed_at: Millis,
    pub version: u64,
}

impl Record for Completion {
    const TYPE_NAME: &'static str = "napalmsky.completion.v1.rkyv08-unaligned-le";
}

/// (user, room) -> completion (the original's `unique_session_completion`).
const COMPLETIONS: TableDefinition<(Id, Id), Rkyv<Completion>> =
    TableDefinition::new("completions");

impl Tx<'_> {
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

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(COMPLETIONS)
}

/// The outbox key is (user, room). `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<Completion>>, StoreError> {
    let pair = split_pair(key);
    pair.map(|pair| reader.owned(COMPLETIONS, pair)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, Completion>) -> Result<(), StoreError> {
    reader.each_in(COMPLETIONS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(COMPLETIONS)
}
