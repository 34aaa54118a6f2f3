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

pub use connect::{PgConnection, connect};
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
    #[error("postgres did not answer within {} ms (--sync-timeout)", .0.as_millis())]
    NoAnswer(std::time::Duration),
    #[error("the shutdown deadline passed before postgres answered")]
    ShutdownDeadline,
    #[error("invalid postgres url: {0}")]
    Url(String),
}

/// tokio-postgres shows a server error as just "db error"; the SQLSTATE and the server's
/// message say what happened. Not the DETAIL line: it may quote the values involved.
impl SyncError {
    /// Postgres got the request (or the connection attempt) and sent nothing back in time.
    pub fn is_no_answer(&self) -> bool {
        matches!(self, Self::NoAnswer(_) | Self::ConnectTimeout)
    }
}

fn describe_postgres(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}
