//! The background worker: drains the outbox into Postgres forever, reconnecting and retrying
//! with capped exponential backoff and jitter. Postgres being down or slow never touches a
//! request: requests only write to the store, the outbox grows on disk meanwhile.

use std::sync::Arc;
use std::time::Duration;

use rand_core::{OsRng, RngCore};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_postgres::Client;

use super::{SyncError, SyncStatus, connect, drain_once, migrate};
use crate::clock::SharedClock;
use crate::store::Store;

const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The outbox-depth warning is repeated at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The worker's settings (the sync flags).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub(crate) postgres_url: Option<String>,
    pub(crate) batch_size: usize,
    pub(crate) interval: Duration,
    pub(crate) outbox_warn_depth: u64,
    /// How long the final flush may take at shutdown.
    pub(crate) shutdown_timeout: Duration,
}

/// What the worker is built with: the store it drains, the status it reports to, the clock.
pub struct SyncWorker {
    pub(crate) store: Arc<Store>,
    pub(crate) status: Arc<SyncStatus>,
    pub(crate) clock: SharedClock,
    pub(crate) config: WorkerConfig,
}

/// Starts the worker if `--postgres-url` is set. On stop it flushes the outbox until it is
/// empty or `--shutdown-timeout` passes, then returns.
pub fn spawn_worker(worker: SyncWorker, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    let url = worker.config.postgres_url.clone()?;
    Some(tokio::spawn(run(worker, url, stop)))
}

/// `base * 2^failures`, capped, then scaled by a random factor in [0.5, 1) so that restarts
/// of many instances do not retry in lockstep.
fn backoff(failures: u32) -> Duration {
    let exponential = BACKOFF_BASE.saturating_mul(1 << failures.min(16));
    let capped = exponential.min(BACKOFF_CAP);
    let jitter = 0.5 + (OsRng.next_u32() as f64 / u32::MAX as f64) * 0.5;
    capped.mul_f64(jitter)
}

async fn connected(url: &str) -> Result<Client, SyncError> {
    let mut client = connect(url).await?;
    migrate(&mut client).await?;
    Ok(client)
}

async fn run(state: SyncWorker, url: String, mut stop: watch::Receiver<bool>) {
    let batch = state.config.batch_size;
    let mut client: Option<Client> = None;
    let mut failures: u32 = 0;
    let mut flush_deadline: Option<Instant> = None;
    let mut last_warning: Option<Instant> = None;
    loop {
        if flush_deadline.is_none() && *stop.borrow() {
            flush_deadline = Some(Instant::now() + state.config.shutdown_timeout);
        }
        if let Some(deadline) = flush_deadline
            && Instant::now() >= deadline
        {
            let depth = state.store.health().map_or(0, |h| h.outbox_depth);
            tracing::warn!(
                pending = depth,
                "shutdown: outbox not fully flushed; it stays on disk"
            );
            return;
        }
        let result = match client.as_mut() {
            Some(client) => drain_once(&state.store, client, batch).await,
            None => match connected(&url).await {
                Ok(fresh) => {
                    tracing::info!("postgres sync connected");
                    client = Some(fresh);
                    continue;
                }
                Err(e) => Err(e),
            },
        };
        let pause = match result {
            Ok(report) if report.entries == 0 => {
                if flush_deadline.is_some() {
                    tracing::info!("shutdown: outbox flushed to postgres");
                    return;
                }
                state.config.interval
            }
            Ok(report) => {
                failures = 0;
                state
                    .status
                    .success(report.rows as u64, state.clock.now_ms());
                if report.rejected > 0 {
                    state.status.rejected(report.rejected as u64);
                }
                tracing::debug!(
                    entries = report.entries,
                    rows = report.rows,
                    "synced a batch"
                );
                Duration::ZERO
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let delay = backoff(failures);
                let message = e.to_string();
                tracing::warn!(error = %message, retry_in_ms = delay.as_millis() as u64, "postgres sync failed");
                state.status.failure(&message);
                warn_if_deep(&state, &mut last_warning);
                client = None;
                delay
            }
        };
        if pause.is_zero() {
            continue;
        }
        let pause = match flush_deadline {
            Some(deadline) => pause.min(deadline.saturating_duration_since(Instant::now())),
            None => pause,
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            changed = stop.changed(), if flush_deadline.is_none() => {
                if changed.is_err() {
                    // The server was dropped without a shutdown: no signal will ever come,
                    // and waiting on a closed channel would spin.
                    return;
                }
            }
        }
    }
}

fn warn_if_deep(state: &SyncWorker, last: &mut Option<Instant>) {
    let Ok(health) = state.store.health() else {
        return;
    };
    if health.outbox_depth > state.config.outbox_warn_depth
        && last.is_none_or(|at| at.elapsed() >= WARN_EVERY)
    {
        tracing::warn!(
            depth = health.outbox_depth,
            "outbox is deep: postgres is behind"
        );
        *last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for failures in 0..40 {
            let delay = backoff(failures);
            let ceiling = BACKOFF_BASE
                .saturating_mul(1 << failures.min(16))
                .min(BACKOFF_CAP);
            assert!(delay <= ceiling, "{failures}: {delay:?}");
            assert!(delay >= ceiling / 2, "{failures}: {delay:?}");
        }
        assert!(backoff(30) <= BACKOFF_CAP);
    }
}
