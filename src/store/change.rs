//! A change as the outbox stores it: which kind of record changed, its key, upsert or delete.
//!
//! `RecordKind` is closed on purpose: adding a record type adds a variant here, and the
//! compiler then lists every `match` that must handle it (the registry in `records/mod.rs`,
//! the Postgres mirror). New variants go last: the discriminant is part of the stored
//! `OutboxEntry`, so existing ones must keep their numbers.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use super::codec::{Record, Rkyv};
use crate::clock::Millis;

/// Which durable record an outbox entry refers to.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum RecordKind {
    User,
    Session,
    Cooldown,
    History,
    Completion,
    UserIps,
    Report,
    BanRecord,
    IpBan,
    InviteCode,
    PaymentEvent,
    IntroCode,
    ReferralNotification,
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

impl Record for OutboxEntry {
    const TYPE_NAME: &'static str = "napalmsky.outbox.v1.rkyv08-unaligned-le";
}

/// Change sequence number -> what changed, drained by the Postgres sync.
pub const OUTBOX: TableDefinition<u64, Rkyv<OutboxEntry>> = TableDefinition::new("outbox");
