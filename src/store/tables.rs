//! The redb tables and their keys.
//!
//! Ids are the 16 raw bytes of a UUID. Indexes are separate tables written in the same
//! transaction as the record they index, so they can never disagree with it.

use redb::{MultimapTableDefinition, TableDefinition};

use super::codec::Rkyv;
use super::records::{Id, OutboxEntry, Session, User};
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
/// Change sequence number -> what changed, drained by the Postgres sync.
pub const OUTBOX: TableDefinition<u64, Rkyv<OutboxEntry>> = TableDefinition::new("outbox");
/// Small counters: the next outbox sequence number, the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub const META_NEXT_SEQ: &str = "outbox_next_seq";
pub const META_SCHEMA_VERSION: &str = "schema_version";
pub const SCHEMA_VERSION: u64 = 1;
