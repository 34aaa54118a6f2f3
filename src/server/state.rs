use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accounts::PasswordHasher;
use crate::app::{Realtime, RealtimeConfig, ReelCursors};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::net::RateLimits;
use crate::net::{Transports, TransportsConfig};
use crate::store::Store;
use crate::sync::SyncStatus;

use crate::net::LoadShedder;

/// Everything a request handler may use. Passed explicitly (an `Arc`), never global.
pub(crate) struct AppState {
    pub(crate) config: Config,
    pub(crate) origins: Vec<String>,
    pub(crate) store: Arc<Store>,
    pub(crate) clock: SharedClock,
    pub(crate) hasher: PasswordHasher,
    pub(crate) limits: RateLimits,
    pub(crate) realtime: Arc<Realtime>,
    pub(crate) transports: Arc<Transports>,
    pub(crate) reels: ReelCursors,
    pub(crate) sync: Arc<SyncStatus>,
    pub(crate) shedder: Arc<LoadShedder>,
    /// Every task that holds this state. Shutdown waits for them before closing the store, so
    /// their writes land and the data directory is released when `shutdown` returns.
    pub(crate) tasks: TaskTracker,
    /// Cancelled once shutdown has served the last request: nothing waits for clients then.
    pub(crate) requests_over: CancellationToken,
}

impl AppState {
    pub(crate) fn new(
        config: Config,
        store: Store,
        clock: SharedClock,
    ) -> anyhow::Result<Arc<Self>> {
        let hasher = PasswordHasher::new(
            config.accounts.password_hash_concurrency,
            config.accounts.argon2_memory_kib,
            config.accounts.argon2_iterations,
        )?;
        let limits = RateLimits::new(&config, &clock);
        let store = Arc::new(store);
        let tasks = TaskTracker::new();
        let requests_over = CancellationToken::new();
        let realtime = Realtime::start(
            realtime_config(&config),
            store.clone(),
            clock.clone(),
            tasks.clone(),
            requests_over.clone(),
        );
        let shedder = Arc::new(LoadShedder::default());
        let transports = Transports::new(
            realtime.clone(),
            store.clone(),
            transports_config(&config),
            shedder.clone(),
            requests_over.clone(),
        );
        Ok(Arc::new(Self {
            transports,
            shedder,
            origins: config.net.origins(),
            config,
            store,
            clock,
            hasher,
            limits,
            realtime,
            reels: ReelCursors::default(),
            sync: Arc::default(),
            tasks,
            requests_over,
        }))
    }

    /// Spawns a task that shutdown waits for (see `tasks`).
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }
}

fn transports_config(config: &Config) -> TransportsConfig {
    let realtime = &config.realtime;
    TransportsConfig {
        max_connections: realtime.max_connections as usize,
        max_payload: realtime.max_payload,
        socket_event_rate: realtime.socket_event_rate,
        socket_event_burst: realtime.socket_event_burst,
        ping_interval: realtime.ping_interval,
        ping_timeout: realtime.ping_timeout,
        write_timeout: realtime.write_timeout,
        body_read_timeout: config.net.body_read_timeout,
    }
}

fn realtime_config(config: &Config) -> RealtimeConfig {
    let realtime = &config.realtime;
    RealtimeConfig {
        domain: config.domain(),
        send_queue_capacity: realtime.send_queue_capacity,
        connections_warning: realtime.connections_warning as usize,
        presence_interval: realtime.presence_interval,
        presence_broadcast_max: realtime.presence_broadcast_max,
        ping_interval: realtime.ping_interval,
        ping_timeout: realtime.ping_timeout,
    }
}
