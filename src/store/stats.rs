//! Counters of the writer, read by `/health`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct WriterStats {
    commits: AtomicU64,
    writes: AtomicU64,
    largest_batch: AtomicU64,
    last_commit_micros: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterSnapshot {
    pub commits: u64,
    pub writes: u64,
    pub largest_batch: u64,
    pub last_commit_micros: u64,
}

impl WriterStats {
    pub fn record_commit(&self, jobs: u64, took: Duration) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.writes.fetch_add(jobs, Ordering::Relaxed);
        self.largest_batch.fetch_max(jobs, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.last_commit_micros.store(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> WriterSnapshot {
        WriterSnapshot {
            commits: self.commits.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
            last_commit_micros: self.last_commit_micros.load(Ordering::Relaxed),
        }
    }
}
