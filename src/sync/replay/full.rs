//! `replay --full`: every record of the store into the mirror, streamed (a reader thread walks
//! one store snapshot and hands records over a bounded channel, so memory holds about one
//! batch), then the mirror rows whose record the store does not have are deleted.
//!
//! The keys seen are kept in Postgres, in one temporary table per mirrored table, rather than
//! in memory: the final delete is `NOT EXISTS` against them.

use std::collections::BTreeMap;

use tokio::sync::mpsc;
use tokio_postgres::Client;

use super::super::mirror::{
    KeyPart, Mirrored, Rows, Statement, TableVisitor, Visitor, create_kept_sql, delete_unkept_sql,
    drop_kept_sql, each_table, execute, insert_kept, key_of, table, visit,
};
use super::super::write::write_records;
use super::ReplayReport;
use super::progress::Progress;
use crate::store::{Current, Store, StoreError};

pub(super) async fn push_everything(
    store: &Store,
    client: &mut Client,
    batch: usize,
    report: &mut ReplayReport,
) -> anyhow::Result<()> {
    let batch = batch.max(1);
    let last_seq = store
        .read()?
        .outbox_batch(usize::MAX)?
        .last()
        .map(|(seq, _)| *seq);
    let total = count_records(store)?;
    let progress = Progress::new("records", total);
    let kept = KeptSql::all();
    for (create, _, _) in &kept.0 {
        client.batch_execute(create).await?;
    }
    let (records, reading) = stream_records(store, batch)?;
    let mut records = records;
    let mut done = 0u64;
    loop {
        let mut chunk = Chunk::default();
        while chunk.rows.len() < batch {
            match records.recv().await {
                Some(current) => visit(current, &mut chunk),
                None => break,
            }
        }
        let in_chunk = chunk.rows.len() as u64;
        if in_chunk == 0 {
            break;
        }
        let txn = client.transaction().await?;
        for statement in chunk.kept_statements() {
            execute(&txn, &statement).await?;
        }
        txn.commit().await?;
        let written = write_records(client, chunk.rows, true).await?;
        report.rows_written += written.rows;
        report.rows_rejected += written.rejected;
        done += in_chunk;
        progress.advance(in_chunk, done, total);
    }
    // The reader's own failure, if it stopped early.
    reading.await??;
    progress.finish();
    report.rows_deleted = delete_unkept(client, &kept).await?;
    if let Some(last) = last_seq {
        // Everything up to here is in the mirror now: those outbox entries are done.
        let seqs: Vec<u64> = store
            .read()?
            .outbox_batch(usize::MAX)?
            .into_iter()
            .map(|(seq, _)| seq)
            .filter(|seq| *seq <= last)
            .collect();
        report.outbox_entries = store.write(move |tx| tx.remove_outbox(&seqs)).await?;
    }
    Ok(())
}

/// Every mirrored record, for the progress total.
fn count_records(store: &Store) -> Result<u64, StoreError> {
    store.read()?.record_count()
}

/// The records as they are read, and the reading thread's outcome.
type Streamed = (
    mpsc::Receiver<Current>,
    tokio::task::JoinHandle<Result<(), StoreError>>,
);

/// Walks one snapshot of the store on a blocking thread; at most `batch` records wait in the
/// channel. The handle says whether the walk failed.
fn stream_records(store: &Store, batch: usize) -> Result<Streamed, StoreError> {
    let reader = store.read()?;
    let (send, receive) = mpsc::channel(batch);
    let reading = tokio::task::spawn_blocking(move || {
        // A closed channel means the writing side failed and returned: stop quietly.
        let stopped = |_| StoreError::Closed;
        match reader.all_records(|current| send.blocking_send(current).map_err(stopped)) {
            Err(StoreError::Closed) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    });
    Ok((receive, reading))
}

/// One batch of records and their keys, per table.
#[derive(Default)]
struct Chunk {
    rows: Rows,
    /// By table: the statement that keeps its keys, and the keys.
    keys: BTreeMap<&'static str, KeptKeys>,
}

struct KeptKeys {
    insert: fn(&[Vec<KeyPart>]) -> Statement,
    keys: Vec<Vec<KeyPart>>,
}

impl Visitor for Chunk {
    fn record<R: Mirrored>(&mut self, record: R) {
        self.keys
            .entry(table::<R>().name)
            .or_insert_with(|| KeptKeys {
                insert: insert_kept::<R>,
                keys: Vec::new(),
            })
            .keys
            .push(key_of(&record));
        self.rows.record(record);
    }

    /// `all_records` yields only records that exist.
    fn deleted<R: Mirrored>(&mut self, _: &[u8]) {}
}

impl Chunk {
    fn kept_statements(&self) -> Vec<Statement> {
        self.keys.values().map(|k| (k.insert)(&k.keys)).collect()
    }
}

/// (create, delete the rest, drop) per mirrored table, parents first.
struct KeptSql(Vec<(String, String, String)>);

impl KeptSql {
    fn all() -> Self {
        let mut all = Self(Vec::new());
        each_table(&mut all);
        all
    }
}

impl TableVisitor for KeptSql {
    fn table<R: Mirrored>(&mut self) {
        self.0.push((
            create_kept_sql::<R>(),
            delete_unkept_sql::<R>(),
            drop_kept_sql::<R>(),
        ));
    }
}

/// Deletes mirror rows whose key was not seen, children first; returns how many.
async fn delete_unkept(client: &mut Client, kept: &KeptSql) -> anyhow::Result<u64> {
    let txn = client.transaction().await?;
    let mut deleted = 0;
    for (_, delete, drop) in kept.0.iter().rev() {
        deleted += txn.execute(delete.as_str(), &[]).await?;
        txn.batch_execute(drop).await?;
    }
    txn.commit().await?;
    Ok(deleted)
}
