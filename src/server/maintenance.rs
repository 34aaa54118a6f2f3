//! Periodic work: the cleanup (expired sessions, ended rate-limit windows) and the memory
//! monitor (trims caches above the warning level).

use std::sync::Arc;

use tokio::sync::watch;

use super::AppState;
use crate::accounts;
use crate::memory::resident_bytes;

/// Expired sessions deleted per transaction, so one cleanup never holds the writer long.
const PURGE_BATCH: usize = 1000;

pub fn spawn(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut cleanup = tokio::time::interval(state.config.cleanup_interval);
        let mut monitor = tokio::time::interval(state.config.monitor_interval);
        loop {
            tokio::select! {
                _ = cleanup.tick() => run_cleanup(&state).await,
                _ = monitor.tick() => check_memory(&state),
                _ = shutdown.changed() => return,
            }
        }
    });
}

/// Deletes every expired session (in batches) and forgets ended rate-limit windows.
pub async fn run_cleanup(state: &Arc<AppState>) {
    let mut purged = 0;
    loop {
        let now = state.clock.now_ms();
        let result = state
            .store
            .write(move |tx| accounts::purge_expired_sessions(tx, now, PURGE_BATCH))
            .await;
        match result {
            Ok(n) => {
                purged += n;
                if n < PURGE_BATCH {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "session cleanup failed");
                break;
            }
        }
    }
    let windows = state.limits.purge_expired();
    if purged > 0 || windows > 0 {
        tracing::info!(
            expired_sessions = purged,
            rate_limit_windows = windows,
            "cleanup"
        );
    }
}

fn check_memory(state: &Arc<AppState>) {
    let Some(rss) = resident_bytes() else {
        return;
    };
    let mib = rss / (1024 * 1024);
    if mib >= state.config.memory_critical_mb {
        state.store.caches().clear();
        tracing::error!(
            rss_mib = mib,
            "memory above the critical level; caches cleared"
        );
    } else if mib >= state.config.memory_warning_mb {
        state.store.caches().clear();
        tracing::warn!(
            rss_mib = mib,
            "memory above the warning level; caches cleared"
        );
    }
}
