//! One sync step: read a batch of the outbox, resolve each changed key to its current record,
//! write them all in one Postgres transaction, and only after the commit remove those outbox
//! entries from the store.
//! Records Postgres refuses are set aside (see `write`) and their outbox entries removed too.

use std::collections::HashSet;

use tokio_postgres::Client;

use super::SyncError;
use super::mirror::Rows;
use super::write::write_records;
use crate::store::Store;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    /// Outbox entries removed.
    pub entries: usize,
    /// Distinct rows written or deleted (changes to one key collapse into one).
    pub rows: usize,
    /// Rows Postgres refused as data, dropped from the outbox (see `sync::write`).
    pub rejected: usize,
}

/// Drains up to `batch` outbox entries. `Ok` with zero entries means the outbox was empty.
pub async fn drain_once(
    store: &Store,
    client: &mut Client,
    batch: usize,
) -> Result<DrainReport, SyncError> {
    let (seqs, rows) = {
        let reader = store.read()?;
        let entries = reader.outbox_batch(batch)?;
        let mut seen = HashSet::new();
        let mut rows = Rows::default();
        let mut seqs = Vec::with_capacity(entries.len());
        for (seq, entry) in entries {
            seqs.push(seq);
            // The current state covers every change to this key in the batch.
            if !seen.insert((entry.kind, entry.key.clone())) {
                continue;
            }
            match reader.current(entry.kind, &entry.key)? {
                Some(current) => rows.add(current),
                None => tracing::warn!(seq, kind = ?entry.kind, "undecodable outbox key skipped"),
            }
        }
        (seqs, rows)
    };
    if seqs.is_empty() {
        return Ok(DrainReport::default());
    }
    let written = write_records(client, rows, false).await?;
    let removed = {
        let seqs = seqs.clone();
        store.write(move |tx| tx.remove_outbox(&seqs)).await?
    };
    Ok(DrainReport {
        entries: removed,
        rows: written.rows,
        rejected: written.rejected,
    })
}
