//! The single writer: group commit on a dedicated thread.
//!
//! redb allows one write transaction at a time and each durable commit costs an fsync, so one
//! thread takes every write job that arrived meanwhile, applies them all in one transaction,
//! commits it with `Durability::Immediate`, and only then answers each job. A request is thus
//! acknowledged only after its change is on disk, and N concurrent writes cost one fsync.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use redb::{Database, Durability};
use tokio::sync::mpsc;

use super::error::StoreError;
use super::shared::Shared;
use super::tables::{META, META_NEXT_SEQ};
use super::tx::Tx;
use crate::clock::SharedClock;

/// Called once the batch holding the job committed (or failed): sends the job's answer.
pub(super) type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A write job: runs inside the shared transaction and returns how to answer its caller.
/// Given no transaction (the store failed before it could run), it only returns that answer:
/// every caller hears why its write was refused, none sees its answer dropped.
pub(super) type Job = Box<dyn FnOnce(Option<&mut Tx<'_>>) -> Completion + Send>;

/// Largest number of jobs folded into one commit; bounds a commit's latency.
const MAX_BATCH: usize = 4096;

/// Runs until it receives `None` (after committing everything queued before it) or every
/// sender is gone.
pub(super) fn run(
    db: Arc<Database>,
    mut jobs: mpsc::Receiver<Option<Job>>,
    shared: Arc<Shared>,
    clock: SharedClock,
) {
    let mut next_seq = match load_next_seq(&db) {
        Ok(seq) => seq,
        Err(e) => {
            tracing::error!(error = %e, "store writer could not read its sequence; refusing writes");
            shared.failed.store(true, Ordering::SeqCst);
            0
        }
    };
    let mut batch: Vec<Job> = Vec::with_capacity(64);
    let mut stop = false;
    while !stop {
        match jobs.blocking_recv() {
            Some(Some(first)) => batch.push(first),
            Some(None) | None => break,
        }
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(Some(job)) => batch.push(job),
                Ok(None) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if shared.failed.load(Ordering::SeqCst) {
            for job in batch.drain(..) {
                job(None)(Err(StoreError::Failed));
            }
            continue;
        }
        let started = Instant::now();
        let jobs_in_batch = batch.len() as u64;
        let fail_commit = shared.fail_next_commit.swap(false, Ordering::SeqCst);
        match commit_batch(&db, &mut batch, next_seq, clock.now_ms(), fail_commit) {
            Ok((seq, touched_users, touched_sessions, completions)) => {
                next_seq = seq;
                // Bump the epoch before invalidating, so a reader that fetched pre-commit
                // data cannot re-insert it into a cache afterwards (see cache.rs).
                shared.epoch.fetch_add(1, Ordering::SeqCst);
                shared.caches.invalidate(&touched_users, &touched_sessions);
                shared.stats.record_commit(jobs_in_batch, started.elapsed());
                for done in completions {
                    done(Ok(()));
                }
            }
            Err((error, completions, fatal)) => {
                if fatal {
                    // A failed commit leaves redb refusing writes until reopened.
                    tracing::error!(error = %error, "store commit failed; refusing further writes");
                    shared.failed.store(true, Ordering::SeqCst);
                    shared.fatal.notify_waiters();
                } else {
                    tracing::error!(error = %error, "a write job failed; its batch was rolled back");
                }
                // After a failed commit the store is failed for every write, these included:
                // they get the same answer as the writes refused later (the cause is logged).
                let answer = if fatal { StoreError::Failed } else { error };
                for done in completions {
                    done(Err(answer.clone()));
                }
            }
        }
    }
}

type Committed = (u64, Vec<[u8; 16]>, Vec<[u8; 16]>, Vec<Completion>);
/// The error, the answers owed, and whether the store must refuse writes from now on.
type Failed = (StoreError, Vec<Completion>, bool);

/// `fail_commit` is the test seam: the commit is replaced by an abort reported as a failed
/// commit, which takes the same fatal path as a real one.
fn commit_batch(
    db: &Database,
    batch: &mut Vec<Job>,
    next_seq: u64,
    now: i64,
    fail_commit: bool,
) -> Result<Committed, Failed> {
    let mut txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let error = StoreError::from(e);
            // The jobs never run; they are answered as the failed store's.
            let completions = batch.drain(..).map(|job| job(None)).collect();
            return Err((error, completions, true));
        }
    };
    if let Err(e) = txn.set_durability(Durability::Immediate) {
        let completions = batch.drain(..).map(|job| job(None)).collect();
        return Err((e.into(), completions, true));
    }
    let (completions, seq, users, sessions, poisoned) = {
        let mut tx = Tx::new(&txn, next_seq, now);
        let completions: Vec<Completion> = batch.drain(..).map(|job| job(Some(&mut tx))).collect();
        let seq = tx.next_seq();
        (
            completions,
            seq,
            tx.touched_users,
            tx.touched_sessions,
            tx.poisoned,
        )
    };
    if let Some(error) = poisoned {
        // Some job failed halfway: roll the whole batch back rather than commit half of it.
        return match txn.abort() {
            Ok(()) => Err((error, completions, false)),
            Err(e) => Err((e.into(), completions, true)),
        };
    }
    if fail_commit {
        let _ = txn.abort();
        let error = StoreError::Storage("commit failed (injected by a test)".into());
        return Err((error, completions, true));
    }
    match save_next_seq(&txn, seq) {
        Ok(()) => match txn.commit() {
            Ok(()) => Ok((seq, users, sessions, completions)),
            Err(e) => Err((e.into(), completions, true)),
        },
        Err(e) => Err((e, completions, true)),
    }
}

fn load_next_seq(db: &Database) -> Result<u64, StoreError> {
    use redb::ReadableDatabase;
    let txn = db.begin_read()?;
    let table = txn.open_table(META)?;
    Ok(table.get(META_NEXT_SEQ)?.map_or(1, |v| v.value()))
}

fn save_next_seq(txn: &redb::WriteTransaction, seq: u64) -> Result<(), StoreError> {
    txn.open_table(META)?.insert(META_NEXT_SEQ, seq)?;
    Ok(())
}
