//! The cooldown record: a pair of users who may not meet again before a time.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::{Id, pair_key, split_pair};
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

/// A pair of users who may not meet again before `until`. `a < b` (byte order), so the pair
/// has one key whoever asks.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Cooldown {
    pub a: Id,
    pub b: Id,
    pub until: Millis,
    pub version: u64,
}

impl Record for Cooldown {
    const TYPE_NAME: &'static str = "napalmsky.cooldown.v1.rkyv08-unaligned-le";
}

/// (a, b) with a < b -> the pair's cooldown.
const COOLDOWNS: TableDefinition<(Id, Id), Rkyv<Cooldown>> = TableDefinition::new("cooldowns");
/// (until, a, b): the cleanup finds expired cooldowns without a scan.
const COOLDOWNS_BY_EXPIRY: TableDefinition<(Millis, Id, Id), ()> =
    TableDefinition::new("cooldowns_by_expiry");

/// The two ids of a pair in key order.
pub fn ordered(x: Id, y: Id) -> (Id, Id) {
    if x <= y { (x, y) } else { (y, x) }
}

impl Tx<'_> {
    /// Sets the pair's cooldown to `until` unless a longer one is already in force: a later,
    /// shorter cooldown never shortens an earlier one. Returns the cooldown now in force.
    pub fn extend_cooldown(&mut self, x: Id, y: Id, until: Millis) -> Result<Millis, StoreError> {
        let (a, b) = ordered(x, y);
        if let Some(existing) = tables::owned(&self.txn().open_table(COOLDOWNS)?, (a, b))? {
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
        let mut by_expiry = self.txn().open_table(COOLDOWNS_BY_EXPIRY)?;
        let mut cooldowns = self.txn().open_table(COOLDOWNS)?;
        let expired = tables::keys_in(&by_expiry, ..=(now, [0xff; 16], [0xff; 16]), limit)?;
        for &(until, a, b) in &expired {
            by_expiry.remove((until, a, b))?;
            cooldowns.remove((a, b))?;
            self.enqueue(RecordKind::Cooldown, ChangeOp::Delete, &pair_key(&a, &b))?;
        }
        Ok(expired.len())
    }
}

impl Reader {
    /// Every cooldown still in force at `now` (loaded into the realtime domain at startup).
    pub fn active_cooldowns(&self, now: Millis) -> Result<Vec<Cooldown>, StoreError> {
        let in_force = tables::keys_in(
            &self.txn().open_table(COOLDOWNS_BY_EXPIRY)?,
            (now.saturating_add(1), [0; 16], [0; 16])..,
            usize::MAX,
        )?;
        let cooldown = |(until, a, b)| Cooldown {
            a,
            b,
            until,
            version: 0,
        };
        Ok(in_force.into_iter().map(cooldown).collect())
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(COOLDOWNS)?;
    visitor.table(COOLDOWNS_BY_EXPIRY)
}

/// The outbox key is the ordered pair. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<Cooldown>>, StoreError> {
    let pair = split_pair(key);
    pair.map(|pair| reader.owned(COOLDOWNS, pair)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, Cooldown>) -> Result<(), StoreError> {
    reader.each_in(COOLDOWNS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(COOLDOWNS)
}
