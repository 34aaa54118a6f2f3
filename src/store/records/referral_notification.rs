//! The referral notification record: "someone signed up through an introduction to you".
//! The original read these but no code path created them (§7.24).

use redb::{ReadableTable, TableDefinition};
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
pub struct ReferralNotification {
    pub id: Id,
    /// Who is told: the person the new user was introduced to.
    pub for_user_id: Id,
    /// The new user.
    pub referred_user_id: Id,
    pub referred_name: String,
    /// Who made the introduction.
    pub introduced_by: Id,
    pub introduced_by_name: String,
    pub timestamp: Millis,
    pub read: bool,
    pub version: u64,
}

impl Record for ReferralNotification {
    const TYPE_NAME: &'static str = "napalmsky.referral_notification.v1.rkyv08-unaligned-le";
}

const NOTIFICATIONS: TableDefinition<Id, Rkyv<ReferralNotification>> =
    TableDefinition::new("referral_notifications");
/// (for user, timestamp, id): one user's notifications in time order.
const NOTIFICATIONS_BY_USER: TableDefinition<(Id, Millis, Id), ()> =
    TableDefinition::new("referral_notifications_by_user");

impl Tx<'_> {
    pub fn referral_notification(
        &self,
        id: &Id,
    ) -> Result<Option<ReferralNotification>, StoreError> {
        tables::owned(&self.txn().open_table(NOTIFICATIONS)?, id)
    }

    /// Inserts or replaces a notification (its user and time never change).
    pub fn put_referral_notification(
        &mut self,
        notification: &mut ReferralNotification,
    ) -> Result<(), StoreError> {
        let id = notification.id;
        notification.version =
            self.enqueue(RecordKind::ReferralNotification, ChangeOp::Upsert, &id)?;
        let bytes = encode(notification)?;
        self.txn()
            .open_table(NOTIFICATIONS)?
            .insert(id, Stored::<ReferralNotification>::new(&bytes))?;
        self.txn()
            .open_table(NOTIFICATIONS_BY_USER)?
            .insert((notification.for_user_id, notification.timestamp, id), ())?;
        Ok(())
    }
}

impl Reader {
    pub fn referral_notification(
        &self,
        id: &Id,
    ) -> Result<Option<ReferralNotification>, StoreError> {
        self.owned(NOTIFICATIONS, id)
    }

    /// Every user who has a notification, each once.
    pub fn notified_users(&self) -> Result<Vec<Id>, StoreError> {
        let index = self.txn().open_table(NOTIFICATIONS_BY_USER)?;
        let mut found: Vec<Id> = Vec::new();
        for entry in index.iter()? {
            let (user, _, _) = entry?.0.value();
            if found.last() != Some(&user) {
                found.push(user);
            }
        }
        Ok(found)
    }

    /// Up to `limit` of `user`'s notifications, newest first.
    pub fn referral_notifications_for(
        &self,
        user: &Id,
        limit: usize,
    ) -> Result<Vec<ReferralNotification>, StoreError> {
        let index = self.txn().open_table(NOTIFICATIONS_BY_USER)?;
        let records = self.txn().open_table(NOTIFICATIONS)?;
        let range = (*user, Millis::MIN, [0; 16])..=(*user, Millis::MAX, [0xff; 16]);
        let mut found = Vec::new();
        for entry in index.range(range)?.rev().take(limit) {
            let (_, _, id) = entry?.0.value();
            if let Some(notification) = tables::owned(&records, id)? {
                found.push(notification);
            }
        }
        Ok(found)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(NOTIFICATIONS)?;
    visitor.table(NOTIFICATIONS_BY_USER)
}

/// The outbox key is the notification id. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<ReferralNotification>>, StoreError> {
    let id = Id::try_from(key).ok();
    id.map(|id| reader.referral_notification(&id)).transpose()
}

pub(super) fn each(
    reader: &Reader,
    each: Each<'_, ReferralNotification>,
) -> Result<(), StoreError> {
    reader.each_in(NOTIFICATIONS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(NOTIFICATIONS)
}
