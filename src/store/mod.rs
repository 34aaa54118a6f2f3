//! The durable store: redb tables of rkyv records, one group-committing writer, an outbox for
//! the Postgres sync, and caches kept coherent with commits.
//!
//! Module order: each file uses only those on the lines above it, never one below.
//!   error, id, clock (crate)           leaves
//!   codec                              rkyv values in redb (`Record`, `Rkyv`, `Stored`)
//!   tables                             meta table, table creation, one-record lookup
//!   change                             `RecordKind`, `ChangeOp`, `OutboxEntry`, the outbox table
//!   tx, read                           the write and read cores (`Tx::enqueue`, `Reader::view`)
//!   outbox                             the sync's side of the outbox queue
//!   records/<record>.rs, records/mod   one file per record; mod.rs is the registry
//!   auth_context                       a session with its user's flags
//!   snapshot                           a read copied into a new file, per-table digests
//!   cache, stats -> shared             caches, writer counters, the failure flag
//!   writer                             the group-commit thread
//!   unfinished                         a data file whose creation a crash interrupted
//!   db                                 `Store`: opens, wires and serves all of the above

mod auth_context;
mod cache;
mod change;
pub(crate) mod codec;
mod db;
mod error;
mod id;
mod outbox;
mod read;
pub mod records;
mod shared;
mod snapshot;
mod stats;
mod tables;
#[cfg(test)]
mod tests;
mod tx;
mod unfinished;
mod writer;

pub use auth_context::AuthContext;
pub use cache::{CacheStats, StatCache};
pub use db::{DB_FILE, Store, StoreHealth};
pub use error::StoreError;
pub use id::Id;
pub use read::Reader;
pub use records::{Current, history_key, ordered};
pub use shared::Caches;
pub use snapshot::{TableDigest, digest_file};
pub use stats::WriterSnapshot;
pub use tx::Tx;
