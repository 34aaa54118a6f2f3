//! The admin grant record: a user account an operator gave admin rights to.
//!
//! The existing admin page calls the admin routes with the browser's user session; a grant
//! lets that session through for the operator's own account and nobody else's. Written only by
//! `napalmsky admin grant-user`/`revoke-user`; not mirrored to Postgres (no outbox entry).

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::Reader;
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AdminGrant {
    pub user_id: Id,
    pub granted_at: Millis,
    /// Who or what granted it, as the operator noted it.
    pub granted_by: String,
}

impl Record for AdminGrant {
    const TYPE_NAME: &'static str = "napalmsky.admin_grant.v1.rkyv08-unaligned-le";
}

/// User id -> grant.
const ADMIN_GRANTS: TableDefinition<Id, Rkyv<AdminGrant>> = TableDefinition::new("admin_grants");

impl Tx<'_> {
    pub fn admin_grant(&self, user_id: &Id) -> Result<Option<AdminGrant>, StoreError> {
        tables::owned(&self.txn().open_table(ADMIN_GRANTS)?, user_id)
    }

    /// Inserts or replaces a grant.
    pub fn put_admin_grant(&mut self, grant: &AdminGrant) -> Result<(), StoreError> {
        let bytes = encode(grant)?;
        self.txn()
            .open_table(ADMIN_GRANTS)?
            .insert(grant.user_id, Stored::<AdminGrant>::new(&bytes))?;
        Ok(())
    }

    /// Removes a grant. Returns whether it existed.
    pub fn delete_admin_grant(&mut self, user_id: &Id) -> Result<bool, StoreError> {
        let mut table = self.txn().open_table(ADMIN_GRANTS)?;
        let removed = table.remove(user_id)?.is_some();
        Ok(removed)
    }
}

impl Reader {
    pub fn admin_grant(&self, user_id: &Id) -> Result<Option<AdminGrant>, StoreError> {
        self.owned(ADMIN_GRANTS, user_id)
    }

    /// Whether `user_id` holds a grant, read in place (the guard asks on every admin call).
    pub fn has_admin_grant(&self, user_id: &Id) -> Result<bool, StoreError> {
        Ok(self.view(ADMIN_GRANTS, user_id, |_| ())?.is_some())
    }

    /// Every grant, by user id.
    pub fn admin_grants(&self) -> Result<Vec<AdminGrant>, StoreError> {
        let mut grants = Vec::new();
        self.each_in(ADMIN_GRANTS, &mut |grant| {
            grants.push(grant);
            Ok(())
        })?;
        Ok(grants)
    }
}

// The registry's hook (`records/mod.rs`): tables only, the record is not mirrored.

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(ADMIN_GRANTS)
}
