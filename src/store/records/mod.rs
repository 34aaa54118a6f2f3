//! The durable record types, one file each: the struct (rkyv), its `Record` impl (the
//! versioned redb type name), its tables and indexes, and its `Tx`/`Reader` operations.
//!
//! This file is the registry: it lists every record once for what needs all of them (table
//! creation, the sync's view of a change, `replay --full`). Adding a record type: its file
//! here, a `RecordKind` variant (`change.rs`), and its line in each list below; the
//! exhaustive `match` on `RecordKind` refuses to compile until the arms exist.
//!
//! The admin records (`admin_account`, `admin_session`, `admin_grant`) are local only: they
//! write no outbox entry, so they have no `RecordKind` and no `Current` variant, and appear
//! only in `visit_tables`.

mod admin_account;
mod admin_grant;
mod admin_session;
mod ban_record;
mod completion;
mod cooldown;
mod history;
mod intro_code;
mod invite_code;
mod ip_ban;
mod payment_event;
mod referral_notification;
mod report;
mod session;
mod user;
mod user_ips;

use redb::WriteTransaction;

pub use super::change::{ChangeOp, OutboxEntry, RecordKind};
use super::error::StoreError;
pub use super::id::Id;
use super::read::Reader;
use super::tables::{Creator, TableVisitor};
pub use admin_account::AdminAccount;
pub use admin_grant::AdminGrant;
pub use admin_session::AdminSession;
pub use ban_record::BanRecord;
pub use completion::Completion;
pub use cooldown::{Cooldown, ordered};
pub use history::{HistoryEntry, history_key};
pub use intro_code::IntroCode;
pub use invite_code::{ArchivedCodeKind, CodeKind, InviteCode, USED_BY_KEPT};
pub use ip_ban::IpBan;
pub use payment_event::PaymentEvent;
pub use referral_notification::ReferralNotification;
pub use report::{Report, Reporter};
pub(super) use session::SESSIONS;
pub use session::{ArchivedSession, Session};
pub(super) use user::USERS;
pub use user::{
    AccountType, ArchivedAccountType, ArchivedBanStatus, ArchivedGender, ArchivedLastSession,
    ArchivedPaidStatus, ArchivedUser, BanStatus, Gender, LastSession, PaidStatus, User,
};
pub use user_ips::{RECORDED_IPS_KEPT, SIGHTING_REFRESH_MS, SeenAddress, UserIps};

/// A durable record in its current state, or the fact that it no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub enum Current {
    User(Box<User>),
    Session(Session),
    History(HistoryEntry),
    Completion(Completion),
    Cooldown(Cooldown),
    UserIps(UserIps),
    Report(Report),
    BanRecord(BanRecord),
    IpBan(IpBan),
    InviteCode(InviteCode),
    PaymentEvent(PaymentEvent),
    IntroCode(IntroCode),
    ReferralNotification(ReferralNotification),
    /// The record is gone: delete its mirror row. The key is the outbox key.
    Deleted(RecordKind, Vec<u8>),
}

/// Creates every record table so that readers never meet a missing one.
pub(super) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    visit_tables(&mut Creator(txn))?;
    user_ips::index_addresses_written_before_the_index(txn)
}

/// Shows `visitor` every record table and index: the one list that table creation and
/// backups (`store::snapshot`) both walk, so a new table cannot be left out of either.
pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    user::visit_tables(visitor)?;
    session::visit_tables(visitor)?;
    cooldown::visit_tables(visitor)?;
    history::visit_tables(visitor)?;
    completion::visit_tables(visitor)?;
    user_ips::visit_tables(visitor)?;
    report::visit_tables(visitor)?;
    ban_record::visit_tables(visitor)?;
    ip_ban::visit_tables(visitor)?;
    invite_code::visit_tables(visitor)?;
    payment_event::visit_tables(visitor)?;
    intro_code::visit_tables(visitor)?;
    referral_notification::visit_tables(visitor)?;
    admin_account::visit_tables(visitor)?;
    admin_session::visit_tables(visitor)?;
    admin_grant::visit_tables(visitor)
}

impl Reader {
    /// The current state behind an outbox key. `None` for a key that cannot be decoded
    /// (never written by this build; logged and skipped by the caller).
    pub fn current(&self, kind: RecordKind, key: &[u8]) -> Result<Option<Current>, StoreError> {
        let found = match kind {
            RecordKind::User => {
                user::current(self, key)?.map(|f| f.map(|u| Current::User(Box::new(u))))
            }
            RecordKind::Session => session::current(self, key)?.map(|f| f.map(Current::Session)),
            RecordKind::Cooldown => cooldown::current(self, key)?.map(|f| f.map(Current::Cooldown)),
            RecordKind::History => history::current(self, key)?.map(|f| f.map(Current::History)),
            RecordKind::Completion => {
                completion::current(self, key)?.map(|f| f.map(Current::Completion))
            }
            RecordKind::UserIps => user_ips::current(self, key)?.map(|f| f.map(Current::UserIps)),
            RecordKind::Report => report::current(self, key)?.map(|f| f.map(Current::Report)),
            RecordKind::BanRecord => {
                ban_record::current(self, key)?.map(|f| f.map(Current::BanRecord))
            }
            RecordKind::IpBan => ip_ban::current(self, key)?.map(|f| f.map(Current::IpBan)),
            RecordKind::InviteCode => {
                invite_code::current(self, key)?.map(|f| f.map(Current::InviteCode))
            }
            RecordKind::PaymentEvent => {
                payment_event::current(self, key)?.map(|f| f.map(Current::PaymentEvent))
            }
            RecordKind::IntroCode => {
                intro_code::current(self, key)?.map(|f| f.map(Current::IntroCode))
            }
            RecordKind::ReferralNotification => referral_notification::current(self, key)?
                .map(|f| f.map(Current::ReferralNotification)),
        };
        Ok(found.map(|f| f.unwrap_or_else(|| Current::Deleted(kind, key.to_vec()))))
    }

    /// How many records `all_records` walks, from the tables' lengths (no record is read).
    pub fn record_count(&self) -> Result<u64, StoreError> {
        Ok(user::count(self)?
            + session::count(self)?
            + history::count(self)?
            + completion::count(self)?
            + cooldown::count(self)?
            + user_ips::count(self)?
            + report::count(self)?
            + ban_record::count(self)?
            + ip_ban::count(self)?
            + invite_code::count(self)?
            + payment_event::count(self)?
            + intro_code::count(self)?
            + referral_notification::count(self)?)
    }

    /// Every record of every mirrored kind (for `replay --full` and verification), users
    /// first so that rows referring to them come after them.
    pub fn all_records(
        &self,
        mut each: impl FnMut(Current) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        user::each(self, &mut |u| each(Current::User(Box::new(u))))?;
        session::each(self, &mut |s| each(Current::Session(s)))?;
        history::each(self, &mut |h| each(Current::History(h)))?;
        completion::each(self, &mut |c| each(Current::Completion(c)))?;
        cooldown::each(self, &mut |c| each(Current::Cooldown(c)))?;
        user_ips::each(self, &mut |r| each(Current::UserIps(r)))?;
        report::each(self, &mut |r| each(Current::Report(r)))?;
        ban_record::each(self, &mut |b| each(Current::BanRecord(b)))?;
        ip_ban::each(self, &mut |b| each(Current::IpBan(b)))?;
        invite_code::each(self, &mut |c| each(Current::InviteCode(c)))?;
        payment_event::each(self, &mut |e| each(Current::PaymentEvent(e)))?;
        intro_code::each(self, &mut |c| each(Current::IntroCode(c)))?;
        referral_notification::each(self, &mut |n| each(Current::ReferralNotification(n)))
    }
}
