//! The background worker: drains the outbox into Postgres forever, reconnecting and retrying
//! with capped exponential backoff and jitter. Postgres being down or slow never touches a
//! request: requests only write to the store, the outbox grows on disk meanwhile.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rand_core::{OsRng, RngCore};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{PgConnection, SyncError, SyncStatus, connect, drain_once, migrate};
use crate::clock::SharedClock;
use crate::store::Store;

const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The outbox-depth warning is repeated at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// With nothing to write, Postgres is asked `SELECT 1` after this much silence, so a server
/// that stopped answering shows as stalled before the next change needs it.
const LIVENESS_EVERY: Duration = Duration::from_secs(5);
/// The least time a schema migration gets (see `connected`).
const MIGRATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The worker's settings (the sync flags).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub(crate) postgres_url: Option<String>,
    pub(crate) batch_size: usize,
    pub(crate) interval: Duration,
    pub(crate) outbox_warn_depth: u64,
    /// Longest wait for one exchange with Postgres.
    pub(crate) sync_timeout: Duration,
}

/// What the worker is built with: the store it drains, the status it reports to, the clock.
pub struct SyncWorker {
    pub(crate) store: Arc<Store>,
    pub(crate) status: Arc<SyncStatus>,
    pub(crate) clock: SharedClock,
    pub(crate) config: WorkerConfig,
}

/// Starts the worker if `--postgres-url` is set. Once `flush` carries a deadline (the
/// server's shutdown deadline) it flushes the outbox until it is empty or that deadline
/// passes, whatever Postgres does, then returns; what is left stays in the outbox on disk.
pub fn spawn_worker(
    worker: SyncWorker,
    flush: watch::Receiver<Option<Instant>>,
) -> Option<JoinHandle<()>> {
    let url = worker.config.postgres_url.clone()?;
    Some(tokio::spawn(run(worker, url, FlushSignal::new(flush))))
}

/// `base * 2^failures`, capped, then scaled by a random factor in [0.5, 1) so that restarts
/// of many instances do not retry in lockstep.
fn backoff(failures: u32) -> Duration {
    let exponential = BACKOFF_BASE.saturating_mul(1 << failures.min(16));
    let capped = exponential.min(BACKOFF_CAP);
    let jitter = 0.5 + (OsRng.next_u32() as f64 / u32::MAX as f64) * 0.5;
    capped.mul_f64(jitter)
}

/// Connects and brings the mirror's schema up to date. A migration may legitimately run a
/// statement for up to the server-side statement timeout (30 s), so it gets at least
/// `MIGRATION_TIMEOUT`; connecting gets `--sync-timeout`.
async fn connected(
    url: &str,
    timeout: Duration,
    flush: &mut FlushSignal,
) -> Result<PgConnection, SyncError> {
    let mut connection = within(connect(url), timeout, flush).await?;
    within(
        migrate(&mut connection),
        timeout.max(MIGRATION_TIMEOUT),
        flush,
    )
    .await?;
    Ok(connection)
}

/// The shutdown's flush request, as it arrives.
struct FlushSignal {
    receiver: watch::Receiver<Option<Instant>>,
    deadline: Option<Instant>,
    /// The server was dropped without a shutdown: no request will ever come.
    abandoned: bool,
}

impl FlushSignal {
    fn new(receiver: watch::Receiver<Option<Instant>>) -> Self {
        Self {
            receiver,
            deadline: None,
            abandoned: false,
        }
    }

    /// The shutdown deadline, once shutdown began.
    fn deadline(&mut self) -> Option<Instant> {
        if self.deadline.is_none() {
            self.deadline = *self.receiver.borrow();
        }
        self.deadline
    }

    fn waiting(&mut self) -> bool {
        !self.abandoned && self.deadline().is_none()
    }

    /// Resolves when the flush request (or the server's drop) arrives.
    async fn arrived(&mut self) {
        if self.receiver.changed().await.is_err() {
            self.abandoned = true;
        }
    }
}

/// Awaits one exchange with Postgres for at most `timeout`, and never past the shutdown
/// deadline (which may arrive while it waits). Dropping `work` abandons the exchange; the
/// caller then drops the connection.
async fn within<T>(
    work: impl Future<Output = Result<T, SyncError>>,
    timeout: Duration,
    flush: &mut FlushSignal,
) -> Result<T, SyncError> {
    let mut work = std::pin::pin!(work);
    let give_up = Instant::now() + timeout;
    loop {
        let shutdown = flush.deadline();
        let until = shutdown.map_or(give_up, |deadline| deadline.min(give_up));
        let waiting = flush.waiting();
        tokio::select! {
            result = &mut work => return result,
            () = tokio::time::sleep_until(until) => {
                return Err(match shutdown {
                    Some(deadline) if deadline < give_up => SyncError::ShutdownDeadline,
                    _ => SyncError::NoAnswer(timeout),
                });
            }
            () = flush.arrived(), if waiting => {}
        }
    }
}

async fn liveness(connection: &PgConnection) -> Result<(), SyncError> {
    connection.simple_query("SELECT 1").await?;
    Ok(())
}

/// The worker's state between steps.
struct Worker {
    state: SyncWorker,
    connection: Option<PgConnection>,
    failures: u32,
    /// When Postgres last answered.
    last_answer: Instant,
    last_warning: Option<Instant>,
}

async fn run(state: SyncWorker, url: String, mut flush: FlushSignal) {
    let mut worker = Worker {
        state,
        connection: None,
        failures: 0,
        last_answer: Instant::now(),
        last_warning: None,
    };
    let timeout = worker.state.config.sync_timeout;
    let batch = worker.state.config.batch_size;
    loop {
        if let Some(deadline) = flush.deadline()
            && Instant::now() >= deadline
        {
            let depth = worker.state.store.health().map_or(0, |h| h.outbox_depth);
            tracing::warn!(
                pending = depth,
                "shutdown: outbox not fully flushed; it stays on disk"
            );
            return;
        }
        let pause = match worker.connection.as_mut() {
            None => match connected(&url, timeout, &mut flush).await {
                Ok(fresh) => {
                    tracing::info!("postgres sync connected");
                    worker.connection = Some(fresh);
                    worker.last_answer = Instant::now();
                    worker.state.status.opened();
                    continue;
                }
                Err(e) => worker.failed(e),
            },
            Some(connection) => {
                let drained = within(
                    drain_once(&worker.state.store, connection, batch),
                    timeout,
                    &mut flush,
                )
                .await;
                match drained {
                    Ok(report) if report.entries == 0 => {
                        if flush.deadline().is_some() {
                            tracing::info!("shutdown: outbox flushed to postgres");
                            return;
                        }
                        worker.check_liveness(timeout, &mut flush).await
                    }
                    Ok(report) => {
                        worker.synced(report);
                        Duration::ZERO
                    }
                    Err(e) => worker.failed(e),
                }
            }
        };
        if pause.is_zero() {
            continue;
        }
        let pause = match flush.deadline() {
            Some(deadline) => pause.min(deadline.saturating_duration_since(Instant::now())),
            None => pause,
        };
        let waiting = flush.waiting();
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = flush.arrived(), if waiting => {}
        }
        if flush.abandoned {
            return;
        }
    }
}

impl Worker {
    fn synced(&mut self, report: super::DrainReport) {
        self.failures = 0;
        self.last_answer = Instant::now();
        let status = &self.state.status;
        status.success(report.rows as u64, self.state.clock.now_ms());
        if report.rejected > 0 {
            status.rejected(report.rejected as u64);
        }
        tracing::debug!(
            entries = report.entries,
            rows = report.rows,
            "synced a batch"
        );
    }

    /// The outbox is empty: asks Postgres whether it still answers if it has been silent for
    /// a while. Returns the pause before the next step.
    async fn check_liveness(&mut self, timeout: Duration, flush: &mut FlushSignal) -> Duration {
        if self.last_answer.elapsed() < LIVENESS_EVERY {
            return self.state.config.interval;
        }
        let Some(connection) = self.connection.as_ref() else {
            return self.state.config.interval;
        };
        match within(liveness(connection), timeout, flush).await {
            Ok(()) => {
                self.failures = 0;
                self.last_answer = Instant::now();
                self.state.status.answered();
                self.state.config.interval
            }
            Err(e) => self.failed(e),
        }
    }

    /// Drops the connection (abandoning whatever it was waiting for) and returns the backoff.
    fn failed(&mut self, error: SyncError) -> Duration {
        self.connection = None;
        self.failures = self.failures.saturating_add(1);
        let delay = backoff(self.failures);
        let message = error.to_string();
        tracing::warn!(error = %message, retry_in_ms = delay.as_millis() as u64, "postgres sync failed");
        self.state.status.failure(&message, error.is_no_answer());
        warn_if_deep(&self.state, &mut self.last_warning);
        delay
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
