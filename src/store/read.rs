//! The read side: a redb snapshot with typed, zero-copy accessors.

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::StoreError;
use super::codec::Record;
use super::db::AuthContext;
use super::records::{
    ArchivedSession, ArchivedUser, Cooldown, HistoryEntry, Id, OutboxEntry, Session, User,
};
use super::tables::{
    COOLDOWNS_BY_EXPIRY, HISTORY, HISTORY_ARCHIVE, OUTBOX, SESSIONS, USERS, USERS_BY_EMAIL,
};
use crate::clock::Millis;

pub struct Reader {
    txn: ReadTransaction,
}

impl Reader {
    pub(super) fn new(txn: ReadTransaction) -> Self {
        Self { txn }
    }

    pub(super) fn txn(&self) -> &ReadTransaction {
        &self.txn
    }

    /// Calls `view` with the archived user, read in place from the memory map.
    pub fn with_user<R>(
        &self,
        id: &Id,
        view: impl FnOnce(&ArchivedUser) -> R,
    ) -> Result<Option<R>, StoreError> {
        let table = self.txn.open_table(USERS)?;
        let Some(guard) = table.get(id)? else {
            return Ok(None);
        };
        let stored = guard.value();
        Ok(Some(view(stored.archived()?)))
    }

    pub fn with_session<R>(
        &self,
        token: &Id,
        view: impl FnOnce(&ArchivedSession) -> R,
    ) -> Result<Option<R>, StoreError> {
        let table = self.txn.open_table(SESSIONS)?;
        let Some(guard) = table.get(token)? else {
            return Ok(None);
        };
        let stored = guard.value();
        Ok(Some(view(stored.archived()?)))
    }

    pub fn user(&self, id: &Id) -> Result<Option<User>, StoreError> {
        owned(&self.txn, USERS, id)
    }

    pub fn session(&self, token: &Id) -> Result<Option<Session>, StoreError> {
        owned(&self.txn, SESSIONS, token)
    }

    pub fn user_id_by_email(&self, email: &str) -> Result<Option<Id>, StoreError> {
        let table = self.txn.open_table(USERS_BY_EMAIL)?;
        Ok(table.get(email)?.map(|guard| guard.value()))
    }

    /// The session and its user's flags; `None` when either is missing.
    pub fn auth_context(&self, token: &Id) -> Result<Option<AuthContext>, StoreError> {
        let session = self.with_session(token, |s| {
            (s.user_id, s.is_active, s.expires_at.to_native())
        })?;
        let Some((user_id, is_active, expires_at)) = session else {
            return Ok(None);
        };
        let flags = self.with_user(&user_id, |u| {
            (
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.account_type),
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.ban_status),
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.paid_status),
            )
        })?;
        let Some((account_type, ban_status, paid_status)) = flags else {
            return Ok(None);
        };
        let corrupt = |e: rkyv::rancor::Error| StoreError::Corrupt(e.to_string());
        Ok(Some(AuthContext {
            token: *token,
            user_id,
            is_active,
            expires_at,
            account_type: account_type.map_err(corrupt)?,
            ban_status: ban_status.map_err(corrupt)?,
            paid_status: paid_status.map_err(corrupt)?,
        }))
    }

    /// A user's call history, newest first: hot entries, then archived ones.
    pub fn history_of(&self, user: &Id, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut entries = Vec::new();
        for table in [HISTORY, HISTORY_ARCHIVE] {
            let table = self.txn.open_table(table)?;
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

    /// Every cooldown still in force at `now` (loaded into the realtime domain at startup).
    pub fn active_cooldowns(&self, now: Millis) -> Result<Vec<Cooldown>, StoreError> {
        let table = self.txn.open_table(COOLDOWNS_BY_EXPIRY)?;
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

    pub(super) fn count<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: TableDefinition<K, V>,
    ) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(table)?.len()?)
    }

    pub(super) fn outbox_oldest_at(&self) -> Result<Option<Millis>, StoreError> {
        let table = self.txn.open_table(OUTBOX)?;
        let Some(first) = table.first()? else {
            return Ok(None);
        };
        let entry: OutboxEntry = first.1.value().to_record()?;
        Ok(Some(entry.enqueued_at))
    }
}

fn owned<T: Record>(
    txn: &ReadTransaction,
    table: TableDefinition<Id, super::codec::Rkyv<T>>,
    key: &Id,
) -> Result<Option<T>, StoreError> {
    let table = txn.open_table(table)?;
    let found = table.get(key)?;
    found.map(|guard| guard.value().to_record()).transpose()
}
