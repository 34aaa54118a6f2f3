//! The invite code record: a paywall code, who made it, and its uses.
//!
//! Who used a code is an index table (`code_uses`), exact and unbounded like the uses
//! themselves; the record keeps the count and the first [`USED_BY_KEPT`] users for the
//! mirror's `used_by` column, so an admin code used by thousands stays a small record.

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

/// Users listed in a record's `used_by` (the mirror's column); `total_used` counts them all.
pub const USED_BY_KEPT: usize = 1000;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum CodeKind {
    /// A user's own code: a few uses.
    User,
    /// Minted by an admin: unlimited uses.
    Admin,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct InviteCode {
    /// 16 characters `[A-Z0-9]` (the key).
    pub code: String,
    pub kind: CodeKind,
    pub created_by: Option<Id>,
    pub created_by_name: String,
    pub created_at: Millis,
    /// -1: unlimited (admin codes).
    pub max_uses: i32,
    /// -1: unlimited; never below 0 otherwise.
    pub uses_remaining: i32,
    pub total_used: u32,
    /// The first [`USED_BY_KEPT`] users, in order of use.
    pub used_by: Vec<Id>,
    pub is_active: bool,
    pub version: u64,
}

impl Record for InviteCode {
    const TYPE_NAME: &'static str = "napalmsky.invite_code.v1.rkyv08-unaligned-le";
}

const INVITE_CODES: TableDefinition<&str, Rkyv<InviteCode>> = TableDefinition::new("invite_codes");
/// (code, user) -> when: who used a code (one use per user and code).
const CODE_USES: TableDefinition<(&str, Id), Millis> = TableDefinition::new("code_uses");
/// (created at, code): newest first for the admin list.
const CODES_BY_TIME: TableDefinition<(Millis, &str), ()> = TableDefinition::new("codes_by_time");

impl Tx<'_> {
    pub fn invite_code(&self, code: &str) -> Result<Option<InviteCode>, StoreError> {
        tables::owned(&self.txn().open_table(INVITE_CODES)?, code)
    }

    pub fn has_used_code(&self, code: &str, user: Id) -> Result<bool, StoreError> {
        Ok(self
            .txn()
            .open_table(CODE_USES)?
            .get((code, user))?
            .is_some())
    }

    /// Inserts or replaces a code.
    pub fn put_invite_code(&mut self, code: &mut InviteCode) -> Result<(), StoreError> {
        let key = code.code.as_str();
        if let Some(old) = tables::owned(&self.txn().open_table(INVITE_CODES)?, key)? {
            self.txn()
                .open_table(CODES_BY_TIME)?
                .remove((old.created_at, key))?;
        }
        code.version = self.enqueue(RecordKind::InviteCode, ChangeOp::Upsert, key.as_bytes())?;
        let bytes = encode(code)?;
        self.txn()
            .open_table(INVITE_CODES)?
            .insert(key, Stored::<InviteCode>::new(&bytes))?;
        self.txn()
            .open_table(CODES_BY_TIME)?
            .insert((code.created_at, key), ())?;
        Ok(())
    }

    /// Records that `user` used `code` at `now` and stores the code as changed by the caller
    /// (its count and remaining uses).
    pub fn record_code_use(
        &mut self,
        code: &mut InviteCode,
        user: Id,
        now: Millis,
    ) -> Result<(), StoreError> {
        self.txn()
            .open_table(CODE_USES)?
            .insert((code.code.as_str(), user), now)?;
        code.total_used = code.total_used.saturating_add(1);
        if code.used_by.len() < USED_BY_KEPT {
            code.used_by.push(user);
        }
        self.put_invite_code(code)
    }
}

impl Tx<'_> {
    /// Notes uses of `code` without counting them again (the import, whose record already
    /// carries its count).
    pub fn index_code_uses(
        &mut self,
        code: &str,
        users: &[Id],
        at: Millis,
    ) -> Result<(), StoreError> {
        let mut uses = self.txn().open_table(CODE_USES)?;
        for user in users {
            uses.insert((code, *user), at)?;
        }
        Ok(())
    }
}

impl Reader {
    pub fn invite_code(&self, code: &str) -> Result<Option<InviteCode>, StoreError> {
        self.owned(INVITE_CODES, code)
    }

    /// Up to `limit` codes, newest first.
    pub fn newest_invite_codes(&self, limit: usize) -> Result<Vec<InviteCode>, StoreError> {
        let by_time = self.txn().open_table(CODES_BY_TIME)?;
        let codes = self.txn().open_table(INVITE_CODES)?;
        let mut found = Vec::new();
        for entry in by_time.iter()?.rev().take(limit) {
            let key = entry?.0;
            let (_, code) = key.value();
            if let Some(record) = tables::owned(&codes, code)? {
                found.push(record);
            }
        }
        Ok(found)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(INVITE_CODES)?;
    visitor.table(CODE_USES)?;
    visitor.table(CODES_BY_TIME)
}

/// The outbox key is the code's text. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<InviteCode>>, StoreError> {
    let code = std::str::from_utf8(key).ok();
    code.map(|code| reader.invite_code(code)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, InviteCode>) -> Result<(), StoreError> {
    reader.each_in(INVITE_CODES, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(INVITE_CODES)
}
