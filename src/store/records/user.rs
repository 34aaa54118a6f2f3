//! The user record: its struct and enums, its tables, and its operations.
//!
//! rkyv has no schema evolution: changing a field means a new `TYPE_NAME` version and an
//! explicit migration. The record already carries the fields of the original `users` table
//! (paywall, bans, referrals, metrics) so that later capabilities do not have to migrate it.

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

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum Gender {
    Female,
    Male,
    Nonbinary,
    Unspecified,
}

impl Gender {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "female" => Self::Female,
            "male" => Self::Male,
            "nonbinary" => Self::Nonbinary,
            "unspecified" => Self::Unspecified,
            _ => return None,
        })
    }
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum AccountType {
    Guest,
    Permanent,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum PaidStatus {
    Unpaid,
    Paid,
    QrVerified,
    QrGracePeriod,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum BanStatus {
    None,
    Temporary,
    Permanent,
    Vindicated,
}

/// The wire names of the enums, shared by the JSON API and the Postgres mirror.
macro_rules! wire_names {
    ($ty:ident, $archived:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
        }
        impl $archived {
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
        }
    };
}

wire_names!(Gender, ArchivedGender {
    Female => "female", Male => "male", Nonbinary => "nonbinary", Unspecified => "unspecified"
});
wire_names!(AccountType, ArchivedAccountType { Guest => "guest", Permanent => "permanent" });
wire_names!(PaidStatus, ArchivedPaidStatus {
    Unpaid => "unpaid", Paid => "paid", QrVerified => "qr_verified", QrGracePeriod => "qr_grace_period"
});
wire_names!(BanStatus, ArchivedBanStatus {
    None => "none", Temporary => "temporary", Permanent => "permanent", Vindicated => "vindicated"
});

/// One finished call in a user's metrics (`lastSessions`, the last 10 are kept).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LastSession {
    pub at: Millis,
    pub duration_seconds: u32,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub gender: Gender,
    pub account_type: AccountType,
    /// Normalised (trimmed, lower-case); unique across users.
    pub email: Option<String>,
    /// PHC string: `$argon2id$...` for new hashes, `$2b$...` for imported bcrypt ones.
    pub password_hash: Option<String>,
    pub selfie_url: Option<String>,
    pub video_url: Option<String>,
    /// A flat JSON object of short strings, stored as its JSON text.
    pub socials: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub timer_total_seconds: u64,
    pub session_count: u32,
    pub last_sessions: Vec<LastSession>,
    pub streak_days: Option<u32>,
    pub paid_status: PaidStatus,
    pub paid_at: Option<Millis>,
    pub payment_id: Option<String>,
    pub invite_code_used: Option<String>,
    pub my_invite_code: Option<String>,
    pub invite_code_uses_remaining: i32,
    pub qr_unlocked: bool,
    pub qr_unlocked_at: Option<Millis>,
    pub successful_sessions: u32,
    pub ban_status: BanStatus,
    pub banned_at: Option<Millis>,
    pub banned_reason: Option<String>,
    pub review_status: Option<String>,
    pub referral_code: Option<String>,
    pub referred_by: Option<Id>,
    pub introduced_to: Option<Id>,
    pub introduced_via_code: Option<String>,
    pub introduced_by: Option<Id>,
    /// Outbox sequence number of the last change: the sync's guard against stale writes.
    pub version: u64,
}

impl User {
    /// A new guest with the original's defaults.
    pub fn new_guest(id: Id, name: String, gender: Gender, now: Millis) -> Self {
        Self {
            id,
            name,
            gender,
            account_type: AccountType::Guest,
            email: None,
            password_hash: None,
            selfie_url: None,
            video_url: None,
            socials: "{}".to_owned(),
            created_at: now,
            updated_at: now,
            timer_total_seconds: 0,
            session_count: 0,
            last_sessions: Vec::new(),
            streak_days: None,
            paid_status: PaidStatus::Unpaid,
            paid_at: None,
            payment_id: None,
            invite_code_used: None,
            my_invite_code: None,
            invite_code_uses_remaining: 0,
            qr_unlocked: false,
            qr_unlocked_at: None,
            successful_sessions: 0,
            ban_status: BanStatus::None,
            banned_at: None,
            banned_reason: None,
            review_status: None,
            referral_code: None,
            referred_by: None,
            introduced_to: None,
            introduced_via_code: None,
            introduced_by: None,
            version: 0,
        }
    }
}

impl Record for User {
    const TYPE_NAME: &'static str = "napalmsky.user.v1.rkyv08-unaligned-le";
}

pub(in crate::store) const USERS: TableDefinition<Id, Rkyv<User>> = TableDefinition::new("users");
/// Normalised email -> user id (unique).
const USERS_BY_EMAIL: TableDefinition<&str, Id> = TableDefinition::new("users_by_email");

impl Tx<'_> {
    pub fn user(&self, id: &Id) -> Result<Option<User>, StoreError> {
        tables::owned(&self.txn().open_table(USERS)?, id)
    }

    pub fn user_id_by_email(&self, email: &str) -> Result<Option<Id>, StoreError> {
        let table = self.txn().open_table(USERS_BY_EMAIL)?;
        Ok(table.get(email)?.map(|guard| guard.value()))
    }

    /// Inserts or replaces a user, keeping the email index unique and current.
    pub fn put_user(&mut self, user: &mut User) -> Result<(), StoreError> {
        let old_email = self.user(&user.id)?.and_then(|old| old.email);
        if old_email != user.email {
            let mut emails = self.txn().open_table(USERS_BY_EMAIL)?;
            if let Some(old) = &old_email {
                emails.remove(old.as_str())?;
            }
            if let Some(new) = &user.email {
                emails.insert(new.as_str(), user.id)?;
            }
        }
        user.updated_at = self.now();
        user.version = self.enqueue(RecordKind::User, ChangeOp::Upsert, &user.id)?;
        let bytes = encode(&*user)?;
        self.txn()
            .open_table(USERS)?
            .insert(user.id, Stored::<User>::new(&bytes))?;
        self.touched_users.push(user.id);
        // A user's flags are part of each of its cached verified sessions.
        let tokens = self.tokens_of(&user.id)?;
        self.touched_sessions.extend(tokens);
        Ok(())
    }
}

impl Reader {
    /// Calls `view` with the archived user, read in place from the memory map.
    pub fn with_user<R>(
        &self,
        id: &Id,
        view: impl FnOnce(&ArchivedUser) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.view(USERS, id, view)
    }

    pub fn user(&self, id: &Id) -> Result<Option<User>, StoreError> {
        self.owned(USERS, id)
    }

    pub fn user_id_by_email(&self, email: &str) -> Result<Option<Id>, StoreError> {
        let table = self.txn().open_table(USERS_BY_EMAIL)?;
        Ok(table.get(email)?.map(|guard| guard.value()))
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(USERS)?;
    visitor.table(USERS_BY_EMAIL)
}

/// The outbox key is the user id. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<User>>, StoreError> {
    let id = Id::try_from(key).ok();
    id.map(|id| reader.user(&id)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, User>) -> Result<(), StoreError> {
    reader.each_in(USERS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(USERS)
}
