//! The user's recorded IP addresses: the last few distinct client addresses a user came from,
//! with when each was last seen. Bans need them (an auto-ban also bans the user's addresses).

use std::net::IpAddr;

use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

/// Distinct addresses kept per user; the least recently seen is dropped past it, so a client
/// hopping addresses cannot grow the record.
pub const RECORDED_IPS_KEPT: usize = 8;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct UserIps {
    pub user_id: Id,
    /// Most recently seen first, at most [`RECORDED_IPS_KEPT`], no address twice.
    pub addresses: Vec<SeenAddress>,
    pub version: u64,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SeenAddress {
    /// As `IpAddr` displays it (`203.0.113.7`, `2001:db8::1`); IPv4-mapped IPv6 addresses are
    /// stored as IPv4, so one client is one address.
    pub ip: String,
    pub last_seen_at: Millis,
}

impl Record for UserIps {
    const TYPE_NAME: &'static str = "napalmsky.user_ips.v1.rkyv08-unaligned-le";
}

/// A sighting of the address a user was last seen from is not rewritten sooner than this:
/// every socket connection authenticates, and a write per connection would buy nothing.
pub const SIGHTING_REFRESH_MS: Millis = 10 * 60 * 1000;

const USER_IPS: TableDefinition<Id, Rkyv<UserIps>> = TableDefinition::new("user_ips");
/// (address, user) -> last seen: who else uses an address (the auto-ban spares shared ones).
/// Holds exactly the addresses the `user_ips` records hold.
const ADDRESS_USERS: TableDefinition<(&str, Id), Millis> = TableDefinition::new("address_users");

impl UserIps {
    /// Records `ip` as seen at `now`: its time updated if known, added otherwise, the least
    /// recently seen dropped past the bound. Kept newest first whatever order the sightings
    /// arrive in (the import reads them by session, not by time). Returns whether anything
    /// changed.
    fn saw(&mut self, ip: IpAddr, now: Millis) -> bool {
        let ip = ip.to_canonical().to_string();
        if let Some(known) = self.addresses.iter().position(|seen| seen.ip == ip) {
            if self.addresses[known].last_seen_at >= now {
                return false;
            }
            self.addresses.remove(known);
        }
        let at = self
            .addresses
            .iter()
            .position(|seen| seen.last_seen_at < now)
            .unwrap_or(self.addresses.len());
        if at >= RECORDED_IPS_KEPT {
            return false;
        }
        let seen = SeenAddress {
            ip,
            last_seen_at: now,
        };
        self.addresses.insert(at, seen);
        self.addresses.truncate(RECORDED_IPS_KEPT);
        true
    }

    /// Whether `ip` is the latest address and was seen less than [`SIGHTING_REFRESH_MS`] ago.
    fn seen_lately(&self, ip: IpAddr, now: Millis) -> bool {
        let ip = ip.to_canonical().to_string();
        self.addresses.first().is_some_and(|latest| {
            latest.ip == ip && now.saturating_sub(latest.last_seen_at) < SIGHTING_REFRESH_MS
        })
    }
}

impl Tx<'_> {
    /// Notes that `user_id` used `ip` at `now` (signup, login, socket authentication).
    pub fn record_ip(&mut self, user_id: Id, ip: IpAddr, now: Millis) -> Result<(), StoreError> {
        let mut record =
            tables::owned(&self.txn().open_table(USER_IPS)?, user_id)?.unwrap_or(UserIps {
                user_id,
                addresses: Vec::new(),
                version: 0,
            });
        if record.seen_lately(ip, now) || !record.saw(ip, now) {
            return Ok(());
        }
        self.put_user_ips(&mut record)
    }

    /// Inserts or replaces a user's recorded addresses (also used by the import).
    pub fn put_user_ips(&mut self, record: &mut UserIps) -> Result<(), StoreError> {
        let old = tables::owned(&self.txn().open_table(USER_IPS)?, record.user_id)?;
        let mut index = self.txn().open_table(ADDRESS_USERS)?;
        for seen in old.iter().flat_map(|old| &old.addresses) {
            index.remove((seen.ip.as_str(), record.user_id))?;
        }
        for seen in &record.addresses {
            index.insert((seen.ip.as_str(), record.user_id), seen.last_seen_at)?;
        }
        record.version = self.enqueue(RecordKind::UserIps, ChangeOp::Upsert, &record.user_id)?;
        let bytes = encode(record)?;
        self.txn()
            .open_table(USER_IPS)?
            .insert(record.user_id, Stored::<UserIps>::new(&bytes))?;
        Ok(())
    }

    /// A user's recorded addresses, most recently seen first.
    pub fn user_ips(&self, user_id: &Id) -> Result<Option<UserIps>, StoreError> {
        tables::owned(&self.txn().open_table(USER_IPS)?, user_id)
    }

    /// Every user recorded at `ip`, with when they were last seen there.
    pub fn users_seen_at(&self, ip: &str) -> Result<Vec<(Id, Millis)>, StoreError> {
        users_in(&self.txn().open_table(ADDRESS_USERS)?, ip)
    }
}

fn users_in(
    index: &impl ReadableTable<(&'static str, Id), Millis>,
    ip: &str,
) -> Result<Vec<(Id, Millis)>, StoreError> {
    let mut found = Vec::new();
    for entry in index.range((ip, [0; 16])..=(ip, [0xff; 16]))? {
        let (key, seen) = entry?;
        found.push((key.value().1, seen.value()));
    }
    Ok(found)
}

impl Reader {
    /// A user's recorded addresses, most recently seen first.
    pub fn user_ips(&self, user_id: &Id) -> Result<Option<UserIps>, StoreError> {
        self.owned(USER_IPS, user_id)
    }

    /// Every user recorded at `ip`, with when they were last seen there.
    pub fn users_seen_at(&self, ip: &str) -> Result<Vec<(Id, Millis)>, StoreError> {
        users_in(&self.txn().open_table(ADDRESS_USERS)?, ip)
    }

    /// Whether `record_ip(user_id, ip, now)` would write nothing: `ip` is the user's latest
    /// address and was seen within [`SIGHTING_REFRESH_MS`].
    pub fn sighting_is_recent(
        &self,
        user_id: &Id,
        ip: IpAddr,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let record = self.user_ips(user_id)?;
        Ok(record.is_some_and(|r| r.seen_lately(ip, now)))
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(USER_IPS)?;
    visitor.table(ADDRESS_USERS)
}

/// A data directory written before the address index existed gets it built once, at open.
pub(super) fn index_addresses_written_before_the_index(
    txn: &WriteTransaction,
) -> Result<(), StoreError> {
    let records = txn.open_table(USER_IPS)?;
    let mut index = txn.open_table(ADDRESS_USERS)?;
    if !index.is_empty()? || records.is_empty()? {
        return Ok(());
    }
    for entry in records.iter()? {
        let record = entry?.1.value().to_record()?;
        for seen in &record.addresses {
            index.insert((seen.ip.as_str(), record.user_id), seen.last_seen_at)?;
        }
    }
    Ok(())
}

/// The outbox key is the user id. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<UserIps>>, StoreError> {
    let id = Id::try_from(key).ok();
    id.map(|id| reader.user_ips(&id)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, UserIps>) -> Result<(), StoreError> {
    reader.each_in(USER_IPS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(USER_IPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn record() -> UserIps {
        UserIps {
            user_id: [1; 16],
            addresses: Vec::new(),
            version: 0,
        }
    }

    fn ips(record: &UserIps) -> Vec<(&str, Millis)> {
        let seen = record.addresses.iter();
        seen.map(|s| (s.ip.as_str(), s.last_seen_at)).collect()
    }

    #[test]
    fn the_most_recent_distinct_addresses_are_kept_newest_first() {
        let mut r = record();
        assert!(r.saw(ip("203.0.113.1"), 10));
        assert!(r.saw(ip("203.0.113.2"), 20));
        assert!(
            r.saw(ip("203.0.113.1"), 30),
            "seen again: moves to the front"
        );
        assert_eq!(ips(&r), vec![("203.0.113.1", 30), ("203.0.113.2", 20)]);
        assert!(!r.saw(ip("203.0.113.1"), 30), "nothing new: no write");
        assert!(
            r.saw(ip("::ffff:203.0.113.2"), 40),
            "mapped IPv6 is the IPv4 client"
        );
        assert_eq!(ips(&r), vec![("203.0.113.2", 40), ("203.0.113.1", 30)]);
    }

    #[test]
    fn the_record_is_bounded() {
        let mut r = record();
        for n in 0..20u8 {
            r.saw(IpAddr::from([198, 51, 100, n]), i64::from(n));
        }
        assert_eq!(r.addresses.len(), RECORDED_IPS_KEPT);
        assert_eq!(r.addresses[0].ip, "198.51.100.19");
        assert_eq!(r.addresses[RECORDED_IPS_KEPT - 1].ip, "198.51.100.12");
        assert!(
            !r.saw(ip("192.0.2.1"), 1),
            "older than all it keeps: not kept"
        );
    }

    #[test]
    fn sightings_in_any_order_give_the_same_record() {
        let mut forward = record();
        let mut backward = record();
        let sightings = [
            ("203.0.113.1", 10),
            ("203.0.113.2", 20),
            ("203.0.113.1", 30),
        ];
        for (address, at) in sightings {
            forward.saw(ip(address), at);
        }
        for (address, at) in sightings.iter().rev() {
            backward.saw(ip(address), *at);
        }
        assert_eq!(forward, backward);
        assert_eq!(
            ips(&forward),
            vec![("203.0.113.1", 30), ("203.0.113.2", 20)]
        );
    }
}
