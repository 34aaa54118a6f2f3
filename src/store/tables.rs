//! The redb tables and their keys.
//!
//! Ids are the 16 raw bytes of a UUID. Indexes are separate tables written in the same
//! transaction as the record they index, so they can never disagree with it.

use redb::{MultimapTableDefinition, TableDefinition};

use super::codec::Rkyv;
use super::records::{Completion, Cooldown, HistoryEntry, Id, OutboxEntry, Session, User};
use crate::clock::Millis;

pub const USERS: TableDefinition<Id, Rkyv<User>> = TableDefinition::new("users");
pub const SESSIONS: TableDefinition<Id, Rkyv<Session>> = TableDefinition::new("sessions");
/// Normalised email -> user id (unique).
pub const USERS_BY_EMAIL: TableDefinition<&str, Id> = TableDefinition::new("users_by_email");
/// User id -> every session token of that user (for single-session logins).
pub const SESSIONS_BY_USER: MultimapTableDefinition<Id, Id> =
    MultimapTableDefinition::new("sessions_by_user");
/// (expires_at, token): the cleanup scans only what has expired.
pub const SESSIONS_BY_EXPIRY: TableDefinition<(Millis, Id), ()> =
    TableDefinition::new("sessions_by_expiry");
/// (a, b) with a < b -> the pair's cooldown.
pub const COOLDOWNS: TableDefinition<(Id, Id), Rkyv<Cooldown>> = TableDefinition::new("cooldowns");
/// (until, a, b): the cleanup finds expired cooldowns without a scan.
pub const COOLDOWNS_BY_EXPIRY: TableDefinition<(Millis, Id, Id), ()> =
    TableDefinition::new("cooldowns_by_expiry");
/// (user, started_at, room) -> that participant's entry; a user's range is their history in
/// time order. Entries older than the hot window move to `HISTORY_ARCHIVE` (same layout).
pub const HISTORY: TableDefinition<(Id, Millis, Id), Rkyv<HistoryEntry>> =
    TableDefinition::new("history");
pub const HISTORY_ARCHIVE: TableDefinition<(Id, Millis, Id), Rkyv<HistoryEntry>> =
    TableDefinition::new("history_archive");
/// (started_at, user, room): finds hot entries past the window without a scan.
pub const HISTORY_BY_TIME: TableDefinition<(Millis, Id, Id), ()> =
    TableDefinition::new("history_by_time");
/// (user, room) -> completion (the original's `unique_session_completion`).
pub const COMPLETIONS: TableDefinition<(Id, Id), Rkyv<Completion>> =
    TableDefinition::new("completions");
/// Change sequence number -> what changed, drained by the Postgres sync.
pub const OUTBOX: TableDefinition<u64, Rkyv<OutboxEntry>> = TableDefinition::new("outbox");
/// Small counters: the next outbox sequence number, the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub const META_NEXT_SEQ: &str = "outbox_next_seq";
pub const META_SCHEMA_VERSION: &str = "schema_version";
pub const SCHEMA_VERSION: u64 = 1;
