//! Starting and stopping the server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;

use super::{AppState, maintenance, systemd};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::net;
use crate::store::Store;
use crate::sync::{SyncWorker, WorkerConfig};

/// The largest request head (line and headers) of an HTTP request.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// A server accepting connections. Tests start it on `127.0.0.1:0`.
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    /// Tells the sync worker to flush until the shutdown deadline and return; sent after the
    /// background tasks finished.
    flush: watch::Sender<Option<tokio::time::Instant>>,
    accept_loop: JoinHandle<()>,
    sync_worker: Option<JoinHandle<()>>,
}

/// Opens the store, binds the listener and starts accepting.
pub async fn start(config: Config, clock: SharedClock) -> anyhow::Result<RunningServer> {
    config.validate()?;
    let store = Store::open(
        &config.store.data_dir,
        config.store.session_cache_size,
        config.store.user_cache_size,
        config.store.cache_ttl,
        clock.clone(),
    )
    .with_context(|| format!("opening the store in {}", config.store.data_dir.display()))?;
    let listener = net::bind(config.net.listen)
        .with_context(|| format!("listening on {}", config.net.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, store, clock, addr)?;
    let (stop, stopped) = watch::channel(false);
    load_cooldowns(&state)?;
    maintenance::spawn(state.clone(), stopped.clone());
    crate::app::spawn_tickers(state.http.realtime.clone(), stopped.clone());
    state.spawn(crate::backup::serve_control(
        state.http.store.clone(),
        state.http.uploads.clone(),
        state.config.store.data_dir.clone(),
        stopped.clone(),
    ));
    let (flush, flushing) = watch::channel(None);
    let sync_worker = crate::sync::spawn_worker(sync_worker(&state), flushing);
    let accept_loop = tokio::spawn(accept(listener, state.clone(), stopped));
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        state,
        stop,
        flush,
        accept_loop,
        sync_worker,
    })
}

fn sync_worker(state: &AppState) -> SyncWorker {
    let config = &state.config;
    SyncWorker {
        store: state.http.store.clone(),
        status: state.http.sync.clone(),
        clock: state.http.clock.clone(),
        config: WorkerConfig {
            postgres_url: config.sync.postgres_url.clone(),
            batch_size: config.sync.sync_batch_size,
            interval: config.sync.sync_interval,
            outbox_warn_depth: config.sync.outbox_warn_depth,
            sync_timeout: config.sync.sync_timeout,
        },
    }
}

/// The realtime domain checks cooldowns in memory; it starts with those the store holds.
fn load_cooldowns(state: &Arc<AppState>) -> anyhow::Result<()> {
    let now = state.http.clock.now_ms();
    let cooldowns = state.http.store.read()?.active_cooldowns(now)?;
    let count = cooldowns.len();
    state.http.realtime.with_domain_mut(|domain| {
        for cooldown in cooldowns {
            domain.load_cooldown(cooldown.a, cooldown.b, cooldown.until);
        }
    });
    tracing::info!(count, "cooldowns loaded");
    Ok(())
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What end-to-end tests may reach inside (see [`super::Internals`]).
    #[doc(hidden)]
    pub fn internals(&self) -> super::Internals<'_> {
        super::Internals { state: &self.state }
    }

    /// Stops accepting, lets in-flight requests finish, then the tasks they started, flushes
    /// the outbox to Postgres, commits what the writer holds and closes the store. The first
    /// three share one deadline, `--shutdown-timeout` from now, whatever clients or Postgres
    /// do; what is not flushed by then stays in the outbox.
    pub async fn shutdown(self) {
        let deadline = tokio::time::Instant::now() + self.state.config.operations.shutdown_timeout;
        let _ = self.stop.send(true);
        let _ = self.accept_loop.await;
        // Sockets are closed and requests done; what they started (a finished call's history,
        // a cooldown) is written before the sync flushes the outbox and the store closes.
        self.state.requests_over.cancel();
        self.state.tasks.close();
        if tokio::time::timeout_at(deadline, self.state.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not finish before the shutdown timeout");
        }
        let _ = self.flush.send(Some(deadline));
        if let Some(worker) = self.sync_worker {
            let _ = worker.await;
        }
        self.state.http.store.close().await;
        tracing::info!("store closed");
    }

    /// A receiver that sees `true` once shutdown begins, for tasks started after `start`.
    pub fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }
}

async fn accept(listener: TcpListener, state: Arc<AppState>, mut stopped: watch::Receiver<bool>) {
    // hyper-util's GracefulShutdown does not take upgradeable connections, so connections are
    // tracked here: each one is told to finish gracefully when the stop signal arrives.
    let connections = TaskTracker::new();
    let edge = &state.config.net;
    let descriptors = net::descriptor_limit().unwrap_or(1024);
    let limits = Arc::new(net::ConnectionLimits::new(
        edge.max_http_connections_per_ip,
        descriptors,
        edge.fd_reserve,
        edge.trusted_proxies.clone(),
    ));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or similar: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // Closed at once past a limit: an answer would cost more than the refusal.
        let admitted = match limits.admit(peer.ip()) {
            Ok(admitted) => Arc::new(admitted),
            Err(refused) => {
                tracing::debug!(?refused, "connection refused at accept");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service_state = state.clone();
        let place = admitted.clone();
        // An upgrade request carries the connection's place, so a WebSocket, which outlives
        // the HTTP connection's task, keeps it until the socket ends. Other requests carry
        // nothing (an extension costs an allocation per request).
        let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            if request.headers().contains_key(hyper::header::UPGRADE) {
                request.extensions_mut().insert(place.clone());
            }
            net::handle(service_state.http.clone(), peer, request)
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            // A client that half-closes after its request still gets the answer (its write
            // may already have committed).
            .half_close(true)
            .header_read_timeout(state.config.net.header_read_timeout)
            // A request head (line and headers) larger than this is answered 431. Not
            // `max_buf_size`: it also caps the write buffer, so a `/room/queue` answer larger
            // than that would be written in pieces.
            .max_header_size(MAX_REQUEST_HEAD)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stopped.clone();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let _admitted = admitted;
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // Realtime clients are told the server is going away (their transports close).
    state.http.realtime.close_all();
    connections.close();
    let deadline = state.config.operations.shutdown_timeout;
    if tokio::time::timeout(deadline, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish before the shutdown timeout");
    }
}

/// Structured logs; without ANSI colours or timestamps under journald, which adds its own.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tokio_postgres=warn"));
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(!journald)
        .with_target(false);
    if journald {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// `napalmsky serve`: runs until SIGTERM or SIGINT, or until the store fails.
pub fn serve_blocking(config: Config) -> anyhow::Result<()> {
    config.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("napalmsky")
        .build()?;
    runtime.block_on(async {
        log_config(&config);
        let server = start(config, Arc::new(SystemClock)).await?;
        systemd::ready();
        systemd::spawn_watchdog(server.state.clone(), server.stop_signal());
        let store_failed = wait_for_stop(&server).await?;
        systemd::stopping();
        server.shutdown().await;
        if store_failed {
            anyhow::bail!("stopped because the store failed; see the log above");
        }
        Ok(())
    })
}

/// Waits for a stop signal; returns whether the cause was a store failure.
async fn wait_for_stop(server: &RunningServer) -> anyhow::Result<bool> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let failed = tokio::select! {
        _ = terminate.recv() => { tracing::info!("SIGTERM: shutting down"); false }
        _ = interrupt.recv() => { tracing::info!("SIGINT: shutting down"); false }
        () = server.state.http.store.failed() => true,
    };
    Ok(failed)
}

/// The settings an operator checks first; never the Postgres URL (it may hold a password).
fn log_config(config: &Config) {
    tracing::info!(
        listen = %config.net.listen,
        data_dir = %config.store.data_dir.display(),
        allowed_origins = ?config.net.origins(),
        trusted_proxies = ?config.net.trusted_proxies,
        paywall = ?config.rules.paywall,
        postgres = config.sync.postgres_url.is_some(),
        max_connections = config.realtime.max_connections,
        "starting napalmsky"
    );
}
