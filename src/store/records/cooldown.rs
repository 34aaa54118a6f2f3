//! The cooldown record: a pair of users who may not meet again before a time.

use redb::{ReadableTable, TableDefinition, WriteTransaction};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::{Id, pair_key, split_pair};
use crate::store::read::Reader;
use crate::store::tables;
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
        if let Some(existing) = self.owned(COOLDOWNS, (a, b))? {
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
}

impl Reader {
    /// Every cooldown still in force at `now` (loaded into the realtime domain at startup).
    pub fn active_cooldowns(&self, now: Millis) -> Result<Vec<Cooldown>, StoreError> {
        let table = self.txn().open_table(COOLDOWNS_BY_EXPIRY)?;
        let mut found = Vec::new();
        for entry in table.range((now.saturating_add(1), [0; 16], [0; 16])..)? {
            let (until, a, b) = entry?.0.value();
            found.push(Cooldown {
                a,
                b,
                until,
                version: 0,
            });
        }
        Ok(found)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    tables::create(txn, COOLDOWNS)?;
    tables::create(txn, COOLDOWNS_BY_EXPIRY)
}

/// The outbox key is the ordered pair. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<Cooldown>>, StoreError> {
    let Some(pair) = split_pair(key) else {
        return Ok(None);
    };
    reader.owned(COOLDOWNS, pair).map(Some)
}

pub(super) fn each(
    reader: &Reader,
    each: &mut dyn FnMut(Cooldown) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    reader.each_in(COOLDOWNS, each)
}
