//! The durable store: redb tables of rkyv records, one group-committing writer, an outbox for
//! the Postgres sync, and caches kept coherent with commits.

mod cache;
mod calls;
mod codec;
mod db;
mod error;
mod outbox;
mod read;
pub mod records;
mod stats;
mod tables;
mod tx;
mod writer;

pub use cache::{CacheStats, StatCache};
pub use calls::{history_key, ordered};
pub(crate) use db::Shared;
pub use db::{AuthContext, Caches, Store, StoreHealth};
pub use error::StoreError;
pub use outbox::Current;
pub use read::Reader;
pub use records::Id;
pub use stats::WriterSnapshot;
pub use tx::Tx;
