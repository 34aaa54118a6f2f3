use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accounts::PasswordHasher;
use crate::app::{Realtime, RealtimeConfig, ReelCursors};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::net::RateLimits;
use crate::net::realtime::PollingSessions;
use crate::store::Store;
use crate::sync::SyncStatus;

use super::LoadShedder;

/// Everything a request handler may use. Passed explicitly (an `Arc`), never global.
pub struct AppState {
    pub config: Config,
    pub origins: Vec<String>,
    pub store: Arc<Store>,
    pub clock: SharedClock,
    pub hasher: PasswordHasher,
    pub limits: RateLimits,
    pub realtime: Arc<Realtime>,
    pub polling: PollingSessions,
    pub reels: ReelCursors,
    pub sync: Arc<SyncStatus>,
    pub shedder: LoadShedder,
    /// Every task that holds this state. Shutdown waits for them before closing the store, so
    /// their writes land and the data directory is released when `shutdown` returns.
    pub tasks: TaskTracker,
    /// Cancelled once shutdown has served the last request: nothing waits for clients then.
    pub requests_over: CancellationToken,
}

impl AppState {
    pub fn new(config: Config, store: Store, clock: SharedClock) -> anyhow::Result<Arc<Self>> {
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
        Ok(Arc::new(Self {
            origins: config.net.origins(),
            config,
            store,
            clock,
            hasher,
            limits,
            realtime,
            polling: PollingSessions::default(),
            reels: ReelCursors::default(),
            sync: Arc::default(),
            shedder: LoadShedder::default(),
            tasks,
            requests_over,
        }))
    }

    /// Spawns a task that shutdown waits for (see `tasks`).
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
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
