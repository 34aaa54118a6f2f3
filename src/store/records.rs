//! Durable record types, stored as rkyv archives in redb.
//!
//! rkyv has no schema evolution: changing a field means a new record type name (see
//! `codec.rs`) and an explicit migration. The user record already carries the fields of the
//! original `users` table (paywall, bans, referrals, metrics) so that later capabilities do
//! not have to migrate it.

use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;

/// 16 raw bytes of a UUID: user ids, session tokens.
pub type Id = [u8; 16];

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

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: Id,
    pub user_id: Id,
    pub ip_address: String,
    pub device_info: String,
    /// False once a newer login invalidated it (single-session rule).
    pub is_active: bool,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub last_active_at: Millis,
    pub version: u64,
}

/// A pair of users who may not meet again before `until`. `a < b` (byte order), so the pair
/// has one key whoever asks.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Cooldown {
    pub a: Id,
    pub b: Id,
    pub until: Millis,
    pub version: u64,
}

/// One participant's record of a call (each call writes one per participant: the original's
/// shared primary key kept only the first).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub user_id: Id,
    pub session_id: String,
    pub room_id: Id,
    pub partner_id: Id,
    pub partner_name: String,
    pub started_at: Millis,
    pub duration_seconds: u32,
    /// The room's chat and social messages, as a JSON array text.
    pub messages: String,
    pub version: u64,
}

/// A call of at least 30 s, counted towards the QR unlock; unique per (user, room).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub user_id: Id,
    pub room_id: Id,
    pub partner_id: Id,
    pub duration_seconds: u32,
    pub completed_at: Millis,
    pub version: u64,
}

/// Which durable record an outbox entry refers to.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum RecordKind {
    User,
    Session,
    Cooldown,
    History,
    Completion,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum ChangeOp {
    Upsert,
    Delete,
}

/// "This record changed": the sync reads the record's current state when it drains the entry,
/// so several changes to one key collapse into one upsert.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub kind: RecordKind,
    pub op: ChangeOp,
    pub key: Vec<u8>,
    pub enqueued_at: Millis,
}
