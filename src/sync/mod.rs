//! The write-behind mirror in PostgreSQL: schema migrations, the sync worker that drains the
//! store's outbox, and the offline `replay` (and its `--verify`).

mod connect;
mod drain;
pub mod import;
mod mirror;
mod offline;
pub mod replay;
mod schema;
mod status;
mod verify;
mod worker;
mod write;

pub use connect::connect;
pub use drain::{DrainReport, drain_once};
pub use schema::{latest_version, migrate};
pub use status::SyncStatus;
pub use verify::{TableComparison, compare};
pub use worker::{SyncWorker, WorkerConfig, spawn_worker};

/// Why a sync step failed. Every variant is retried by the worker with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("postgres: {}", describe_postgres(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("connecting to postgres timed out")]
    ConnectTimeout,
    #[error("invalid postgres url: {0}")]
    Url(String),
}

/// tokio-postgres shows a server error as just "db error"; the SQLSTATE and the server's
/// message say what happened. Not the DETAIL line: it may quote the values involved.
fn describe_postgres(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}
