//! The ban record: why and when a user was banned, and how the review went. The user's own
//! `ban_status` is what every route checks; this record is the case file behind it.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use super::user::BanStatus;
use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    pub user_id: Id,
    pub user_name: String,
    pub user_selfie: Option<String>,
    pub user_video: Option<String>,
    pub ban_status: BanStatus,
    pub banned_at: Millis,
    pub banned_reason: String,
    pub report_count: u32,
    /// `pending`, `reviewed_ban` or `reviewed_vindicate` (the original's values).
    pub review_status: Option<String>,
    pub reviewed_at: Option<Millis>,
    /// Who reviewed: an admin's username, or the id of a user granted admin rights.
    pub reviewed_by: Option<String>,
    /// The user's recorded addresses when banned (the ones IP-banned are in `ip_bans`).
    pub ip_addresses: Vec<String>,
    pub version: u64,
}

impl Record for BanRecord {
    const TYPE_NAME: &'static str = "napalmsky.ban_record.v1.rkyv08-unaligned-le";
}

const BAN_RECORDS: TableDefinition<Id, Rkyv<BanRecord>> = TableDefinition::new("ban_records");

impl Tx<'_> {
    pub fn ban_record(&self, user_id: &Id) -> Result<Option<BanRecord>, StoreError> {
        tables::owned(&self.txn().open_table(BAN_RECORDS)?, user_id)
    }

    /// Inserts or replaces a user's ban record.
    pub fn put_ban_record(&mut self, record: &mut BanRecord) -> Result<(), StoreError> {
        record.version = self.enqueue(RecordKind::BanRecord, ChangeOp::Upsert, &record.user_id)?;
        let bytes = encode(record)?;
        self.txn()
            .open_table(BAN_RECORDS)?
            .insert(record.user_id, Stored::<BanRecord>::new(&bytes))?;
        Ok(())
    }
}

impl Reader {
    pub fn ban_record(&self, user_id: &Id) -> Result<Option<BanRecord>, StoreError> {
        self.owned(BAN_RECORDS, user_id)
    }

    /// Every ban record, in user id order. Bans are few (each needs four reporters or an
    /// operator), so the review lists read them all.
    pub fn ban_records(&self) -> Result<Vec<BanRecord>, StoreError> {
        let mut found = Vec::new();
        self.each_in(BAN_RECORDS, &mut |record| {
            found.push(record);
            Ok(())
        })?;
        Ok(found)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(BAN_RECORDS)
}

/// The outbox key is the user id. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<BanRecord>>, StoreError> {
    let id = Id::try_from(key).ok();
    id.map(|id| reader.ban_record(&id)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, BanRecord>) -> Result<(), StoreError> {
    reader.each_in(BAN_RECORDS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(BAN_RECORDS)
}
