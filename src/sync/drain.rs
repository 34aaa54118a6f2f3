//! One sync step: read a batch of the outbox, resolve each changed key to its current record,
//! write them all in one Postgres transaction, and only after the commit remove those outbox
//! entries from the store.
//!
//! A record Postgres refuses as data (SQLSTATE class 22: a value out of range, a character it
//! cannot store) would fail its batch on every retry and stop the mirror for everyone. When a
//! batch fails that way, its records are written one per transaction instead; the refused ones
//! are logged (kind and Postgres' message, never the key: a session's key is its token),
//! counted in `/health` and `/metrics`, and dropped from the outbox. `replay --verify` shows
//! the difference they leave.

use std::collections::HashSet;

use tokio_postgres::Client;

use super::SyncError;
use super::mirror::Rows;
use crate::store::records::RecordKind;
use crate::store::{Current, Store};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    /// Outbox entries removed.
    pub entries: usize,
    /// Distinct rows written or deleted (changes to one key collapse into one).
    pub rows: usize,
    /// Rows Postgres refused as data, dropped from the outbox (see the module comment).
    pub rejected: usize,
}

/// Drains up to `batch` outbox entries. `Ok` with zero entries means the outbox was empty.
pub async fn drain_once(
    store: &Store,
    client: &mut Client,
    batch: usize,
) -> Result<DrainReport, SyncError> {
    let (seqs, currents) = {
        let reader = store.read()?;
        let entries = reader.outbox_batch(batch)?;
        let mut seen = HashSet::new();
        let mut currents = Vec::new();
        let mut seqs = Vec::with_capacity(entries.len());
        for (seq, entry) in entries {
            seqs.push(seq);
            // The current state covers every change to this key in the batch.
            if !seen.insert((entry.kind, entry.key.clone())) {
                continue;
            }
            match reader.current(entry.kind, &entry.key)? {
                Some(current) => currents.push(current),
                None => tracing::warn!(seq, kind = ?entry.kind, "undecodable outbox key skipped"),
            }
        }
        (seqs, currents)
    };
    if seqs.is_empty() {
        return Ok(DrainReport::default());
    }
    let mut rows = Rows::default();
    for current in currents.iter().cloned() {
        rows.add(current);
    }
    let count = rows.len();
    let rejected = match write(client, rows).await {
        Ok(()) => 0,
        Err(e) if refused_as_data(&e) => write_one_by_one(client, currents).await?,

        Err(e) => return Err(e),
    };
    let removed = {
        let seqs = seqs.clone();
        store.write(move |tx| tx.remove_outbox(&seqs)).await?
    };
    Ok(DrainReport {
        entries: removed,
        rows: count - rejected,
        rejected,
    })
}

async fn write(client: &mut Client, rows: Rows) -> Result<(), SyncError> {
    let txn = client.transaction().await?;
    rows.write(&txn, false).await?;
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

/// Written one by one, parents go first, as in a batch (`Rows::write`).
fn dependency_rank(current: &Current) -> u8 {
    match current {
        Current::User(_) => 0,
        Current::Session(_) => 1,
        Current::History(_) => 2,
        Current::Completion(_) => 3,
        Current::Cooldown(_) => 4,
        Current::Deleted(RecordKind::Cooldown, _) => 5,
        Current::Deleted(RecordKind::Session, _) => 6,
        Current::Deleted(_, _) => 7,
    }
}

/// Writes each record in its own transaction, parents first; returns how many Postgres
/// refused: as data, or for lacking a parent row it refused before them (a foreign-key
/// violation, SQLSTATE 23503, cannot come from ordering here). Any other failure aborts the
/// step (the batch is retried; rows already written are skipped by their `sync_version`).
async fn write_one_by_one(
    client: &mut Client,
    mut currents: Vec<Current>,
) -> Result<usize, SyncError> {
    currents.sort_by_key(dependency_rank);
    let mut rejected = 0;
    for current in currents {
        let kind = current.kind();
        let mut rows = Rows::default();
        rows.add(current);
        match write(client, rows).await {
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
