//! Writing a set of current records to the mirror, setting aside what Postgres refuses.
//!
//! A record Postgres refuses as data (SQLSTATE class 22: a value out of range, a character it
//! cannot store) would fail its batch on every retry and stop the mirror for everyone. When a
//! batch fails that way, its records are written one per transaction instead, parents first;
//! the refused ones, and rows whose parent row was refused, are logged (kind and Postgres'
//! message, never the key: a session's key is its token) and counted. The caller drops them
//! from the outbox; `replay --verify` shows the difference they leave.

use tokio_postgres::Client;

use super::SyncError;
use super::mirror::Rows;

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Rows written or deleted.
    pub rows: usize,
    /// Rows Postgres refused.
    pub rejected: usize,
}

/// Writes `rows` in one transaction, or row by row if Postgres refuses a value.
/// `overwrite` as in [`Rows::write`].
pub async fn write_records(
    client: &mut Client,
    rows: Rows,
    overwrite: bool,
) -> Result<Written, SyncError> {
    let count = rows.len();
    let rejected = match write(client, &rows, overwrite).await {
        Ok(()) => 0,
        Err(e) if refused_as_data(&e) => write_one_by_one(client, rows, overwrite).await?,
        Err(e) => return Err(e),
    };
    Ok(Written {
        rows: count - rejected,
        rejected,
    })
}

async fn write(client: &mut Client, rows: &Rows, overwrite: bool) -> Result<(), SyncError> {
    let txn = client.transaction().await?;
    rows.write(&txn, overwrite).await?;
    txn.commit().await?;
    Ok(())
}

fn sqlstate(error: &SyncError) -> Option<&str> {
    match error {
        SyncError::Postgres(e) => e.code().map(|code| code.code()),
        _ => None,
    }
}

/// Postgres refused a value (SQLSTATE class 22, "data exception"): retrying cannot help.
fn refused_as_data(error: &SyncError) -> bool {
    sqlstate(error).is_some_and(|code| code.starts_with("22"))
}

/// Writes each row in its own transaction, parents first; returns how many Postgres refused:
/// as data, or for lacking a parent row it refused before them (a foreign-key violation,
/// SQLSTATE 23503, cannot come from ordering here). Any other failure aborts the step (the
/// batch is retried; rows already written are skipped by their `sync_version`).
async fn write_one_by_one(
    client: &mut Client,
    rows: Rows,
    overwrite: bool,
) -> Result<usize, SyncError> {
    let mut rejected = 0;
    for (kind, single) in rows.into_singles() {
        match write(client, &single, overwrite).await {
            Ok(()) => {}
            Err(e) if refused_as_data(&e) || sqlstate(&e) == Some("23503") => {
                rejected += 1;
                tracing::error!(?kind, error = %e, "postgres refused a record; it stays in the store but not in the mirror");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(rejected)
}
