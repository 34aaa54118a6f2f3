//! The admin account record: an operator who may log in to `/admin`, by username.
//!
//! Created, re-passworded and removed only by the `napalmsky admin` command on a stopped data
//! directory. Not mirrored to Postgres (no outbox entry): the original kept its one admin in
//! its source code, so no mirror table exists for it yet.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::read::Reader;
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AdminAccount {
    pub username: String,
    /// PHC string (`$argon2id$...`).
    pub password_hash: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Record for AdminAccount {
    const TYPE_NAME: &'static str = "napalmsky.admin_account.v1.rkyv08-unaligned-le";
}

/// Username -> account.
const ADMIN_ACCOUNTS: TableDefinition<&str, Rkyv<AdminAccount>> =
    TableDefinition::new("admin_accounts");

impl Tx<'_> {
    pub fn admin_account(&self, username: &str) -> Result<Option<AdminAccount>, StoreError> {
        tables::owned(&self.txn().open_table(ADMIN_ACCOUNTS)?, username)
    }

    /// Inserts or replaces an account.
    pub fn put_admin_account(&mut self, account: &AdminAccount) -> Result<(), StoreError> {
        let bytes = encode(account)?;
        self.txn().open_table(ADMIN_ACCOUNTS)?.insert(
            account.username.as_str(),
            Stored::<AdminAccount>::new(&bytes),
        )?;
        Ok(())
    }

    /// Removes an account and every session it holds, so a removed admin is logged out at
    /// once. Returns how many sessions ended, or `None` (nothing written) if no account has
    /// this username.
    pub fn delete_admin_account(&mut self, username: &str) -> Result<Option<usize>, StoreError> {
        if self.admin_account(username)?.is_none() {
            return Ok(None);
        }
        self.txn().open_table(ADMIN_ACCOUNTS)?.remove(username)?;
        Ok(Some(self.delete_admin_sessions_of(username)?))
    }
}

impl Reader {
    pub fn admin_account(&self, username: &str) -> Result<Option<AdminAccount>, StoreError> {
        self.owned(ADMIN_ACCOUNTS, username)
    }

    /// Every admin account, by username.
    pub fn admin_accounts(&self) -> Result<Vec<AdminAccount>, StoreError> {
        let mut accounts = Vec::new();
        self.each_in(ADMIN_ACCOUNTS, &mut |account| {
            accounts.push(account);
            Ok(())
        })?;
        Ok(accounts)
    }
}

// The registry's hook (`records/mod.rs`): tables only, the record is not mirrored.

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(ADMIN_ACCOUNTS)
}
