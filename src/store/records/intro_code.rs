//! The intro (referral) code record: a user's introduction of one person to another, shared
//! as `<origin>/onboarding?ref=<code>`. Durable (the original kept them in memory only, so a
//! restart broke every shared link, §7.24).

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
pub struct IntroCode {
    /// 10 characters `[A-Z0-9]` (the key).
    pub code: String,
    /// The person being introduced to (whose card the code was made from).
    pub target_user_id: Id,
    pub target_name: String,
    pub created_by: Id,
    pub created_by_name: String,
    pub created_at: Millis,
    pub version: u64,
}

impl Record for IntroCode {
    const TYPE_NAME: &'static str = "napalmsky.intro_code.v1.rkyv08-unaligned-le";
}

const INTRO_CODES: TableDefinition<&str, Rkyv<IntroCode>> = TableDefinition::new("intro_codes");

impl Tx<'_> {
    pub fn intro_code(&self, code: &str) -> Result<Option<IntroCode>, StoreError> {
        tables::owned(&self.txn().open_table(INTRO_CODES)?, code)
    }

    pub fn put_intro_code(&mut self, intro: &mut IntroCode) -> Result<(), StoreError> {
        let key = intro.code.as_str();
        intro.version = self.enqueue(RecordKind::IntroCode, ChangeOp::Upsert, key.as_bytes())?;
        let bytes = encode(intro)?;
        self.txn()
            .open_table(INTRO_CODES)?
            .insert(key, Stored::<IntroCode>::new(&bytes))?;
        Ok(())
    }
}

impl Reader {
    pub fn intro_code(&self, code: &str) -> Result<Option<IntroCode>, StoreError> {
        self.owned(INTRO_CODES, code)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(INTRO_CODES)
}

/// The outbox key is the code. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<IntroCode>>, StoreError> {
    let code = std::str::from_utf8(key).ok();
    code.map(|code| reader.intro_code(code)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, IntroCode>) -> Result<(), StoreError> {
    reader.each_in(INTRO_CODES, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(INTRO_CODES)
}
