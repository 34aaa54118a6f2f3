//! The IP ban record: an address refused on every request, and whose ban put it there.

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

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IpBan {
    /// As `IpAddr` displays it, IPv4-mapped IPv6 as IPv4 (the key).
    pub ip: String,
    pub banned_at: Millis,
    /// The banned user the address was recorded for (`None` once that user is gone).
    pub user_id: Option<Id>,
    pub reason: String,
    pub version: u64,
}

impl Record for IpBan {
    const TYPE_NAME: &'static str = "napalmsky.ip_ban.v1.rkyv08-unaligned-le";
}

const IP_BANS: TableDefinition<&str, Rkyv<IpBan>> = TableDefinition::new("ip_bans");

impl Tx<'_> {
    pub fn ip_ban(&self, ip: &str) -> Result<Option<IpBan>, StoreError> {
        tables::owned(&self.txn().open_table(IP_BANS)?, ip)
    }

    /// Inserts or replaces the ban of `ban.ip`.
    pub fn put_ip_ban(&mut self, ban: &mut IpBan) -> Result<(), StoreError> {
        ban.version = self.enqueue(RecordKind::IpBan, ChangeOp::Upsert, ban.ip.as_bytes())?;
        let bytes = encode(ban)?;
        self.txn()
            .open_table(IP_BANS)?
            .insert(ban.ip.as_str(), Stored::<IpBan>::new(&bytes))?;
        Ok(())
    }

    /// Lifts the ban of `ip`; returns whether there was one.
    pub fn delete_ip_ban(&mut self, ip: &str) -> Result<bool, StoreError> {
        let removed = self.txn().open_table(IP_BANS)?.remove(ip)?.is_some();
        if removed {
            self.enqueue(RecordKind::IpBan, ChangeOp::Delete, ip.as_bytes())?;
        }
        Ok(removed)
    }
}

impl Reader {
    pub fn ip_ban(&self, ip: &str) -> Result<Option<IpBan>, StoreError> {
        self.owned(IP_BANS, ip)
    }

    /// Every IP ban (loaded into the request gate at startup).
    pub fn ip_bans(&self) -> Result<Vec<IpBan>, StoreError> {
        let mut found = Vec::new();
        self.each_in(IP_BANS, &mut |ban| {
            found.push(ban);
            Ok(())
        })?;
        Ok(found)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(IP_BANS)
}

/// The outbox key is the address text. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<IpBan>>, StoreError> {
    let ip = std::str::from_utf8(key).ok();
    ip.map(|ip| reader.ip_ban(ip)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, IpBan>) -> Result<(), StoreError> {
    reader.each_in(IP_BANS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(IP_BANS)
}
