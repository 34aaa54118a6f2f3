//! Periodic work: the cleanup (expired user and admin sessions, ended rate-limit windows) and the memory
//! monitor (trims caches above the warning level, sheds load above the critical level).

use std::sync::Arc;

use tokio::sync::watch;

use super::AppState;
use crate::accounts;
use crate::admin;
use crate::clock::duration_ms;
use crate::memory::resident_bytes;

/// Expired sessions deleted per transaction, so one cleanup never holds the writer long.
const PURGE_BATCH: usize = 1000;

pub(super) fn spawn(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    state.clone().spawn(async move {
        let mut cleanup = tokio::time::interval(state.config.operations.cleanup_interval);
        let mut monitor = tokio::time::interval(state.config.operations.monitor_interval);
        loop {
            tokio::select! {
                _ = cleanup.tick() => run_cleanup(&state).await,
                _ = monitor.tick() => check_memory(&state),
                _ = shutdown.changed() => return,
            }
        }
    });
}

/// Deletes expired sessions and cooldowns, archives old history, forgets ended rate-limit
/// windows. Each kind is bounded per pass so one cleanup never holds the writer long.
pub(super) async fn run_cleanup(state: &Arc<AppState>) {
    let mut purged = 0;
    loop {
        let now = state.http.clock.now_ms();
        let result = state
            .http
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
    let now = state.http.clock.now_ms();
    let hot_cutoff = now - duration_ms(state.config.rules.history_hot_window);
    let records = state
        .http
        .store
        .write(move |tx| {
            let cooldowns = tx.purge_expired_cooldowns(now, PURGE_BATCH)?;
            let archived = tx.archive_history(hot_cutoff, PURGE_BATCH)?;
            let admin_sessions = admin::purge_expired_admin_sessions(tx, now, PURGE_BATCH)?;
            Ok((cooldowns, archived, admin_sessions))
        })
        .await;
    let (cooldowns, archived, admin_sessions) = records.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cooldown, history and admin session cleanup failed");
        (0, 0, 0)
    });
    let domain_cooldowns = state.http.realtime.with_domain_mut(|d| d.purge(now));
    let windows = state.http.purge_expired(now);
    if purged + windows + cooldowns + archived + domain_cooldowns + admin_sessions > 0 {
        tracing::info!(
            expired_sessions = purged,
            expired_admin_sessions = admin_sessions,
            rate_limit_windows = windows,
            expired_cooldowns = cooldowns,
            archived_history = archived,
            "cleanup"
        );
    }
}

/// Under memory pressure, sockets whose queues hold at least this much are closed before any
/// new work is refused: a queue that long belongs to a client that is not reading.
const HEAVY_QUEUE_BYTES: usize = 64 * 1024;
/// Heavy sockets closed per memory check, at most (the heaviest first).
const HEAVY_CLOSED_PER_CHECK: usize = 256;

fn check_memory(state: &Arc<AppState>) {
    let Some(rss) = resident_bytes() else {
        return;
    };
    let mib = rss / (1024 * 1024);
    let config = &state.config;
    // The cause first: the sockets holding the most queued bytes. Only a check that finds
    // none changes the shedding state, so new work is refused once they are gone and memory
    // is still up.
    if mib >= config.operations.memory_critical_mb {
        let realtime = &state.http.realtime;
        let closed = realtime.close_heaviest(HEAVY_QUEUE_BYTES, HEAVY_CLOSED_PER_CHECK);
        if !closed.is_empty() {
            tracing::error!(
                rss_mib = mib,
                sockets = closed.len(),
                "memory at the critical level: closed the sockets with the longest send queues"
            );
            realtime.sockets_closed(closed);
            state.http.store.caches().clear();
            return;
        }
    }
    if state.http.shedder.update(
        mib,
        config.operations.memory_warning_mb,
        config.operations.memory_critical_mb,
    ) {
        if state.http.shedder.is_active() {
            tracing::error!(
                rss_mib = mib,
                "memory at the critical level: refusing new connections and heavy routes"
            );
        } else {
            tracing::warn!(
                rss_mib = mib,
                "memory back halfway to the warning level: load shedding ended"
            );
        }
    }
    if mib >= config.operations.memory_critical_mb {
        state.http.store.caches().clear();
        tracing::error!(
            rss_mib = mib,
            "memory above the critical level; caches cleared"
        );
    } else if mib >= config.operations.memory_warning_mb {
        state.http.store.caches().clear();
        tracing::warn!(
            rss_mib = mib,
            "memory above the warning level; caches cleared"
        );
    }
}
