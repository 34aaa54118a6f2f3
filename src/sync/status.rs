//! What `/health` and the logs show about the sync.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

#[derive(Default)]
pub struct SyncStatus {
    connected: AtomicBool,
    /// The last exchange got no answer within `--sync-timeout` (Postgres black-holed or hung).
    stalled: AtomicBool,
    rows_synced: AtomicU64,
    rows_rejected: AtomicU64,
    batches: AtomicU64,
    last_success_at: AtomicI64,
    last_error: Mutex<Option<String>>,
}

impl SyncStatus {
    /// A connection opened and its schema is current.
    pub fn opened(&self) {
        self.connected.store(true, Ordering::Relaxed);
        self.stalled.store(false, Ordering::Relaxed);
    }

    /// Postgres answered (a batch or a liveness check) after a stall.
    pub fn answered(&self) {
        self.stalled.store(false, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn success(&self, rows: u64, now: i64) {
        self.connected.store(true, Ordering::Relaxed);
        self.stalled.store(false, Ordering::Relaxed);
        self.rows_synced.fetch_add(rows, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.last_success_at.store(now, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Rows Postgres refused as data and the sync dropped (see `sync::write`).
    pub fn rejected(&self, rows: u64) {
        self.rows_rejected.fetch_add(rows, Ordering::Relaxed);
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rows_rejected.load(Ordering::Relaxed)
    }

    /// A failed exchange; `stalled` when it failed by getting no answer in time.
    pub fn failure(&self, error: &str, stalled: bool) {
        self.connected.store(false, Ordering::Relaxed);
        self.stalled.store(stalled, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_owned());
    }

    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    pub fn stalled(&self) -> bool {
        self.stalled.load(Ordering::Relaxed)
    }

    pub fn rows_synced(&self) -> u64 {
        self.rows_synced.load(Ordering::Relaxed)
    }

    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// 0 until the first successful batch.
    pub fn last_success_at(&self) -> i64 {
        self.last_success_at.load(Ordering::Relaxed)
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
