use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accounts::PasswordHasher;
use crate::app::{Realtime, RealtimeConfig, ReelCursors};
use crate::clock::SharedClock;
use crate::clock::duration_ms;
use crate::config::Config;
use crate::domain::DomainConfig;
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
            config.password_hash_concurrency,
            config.argon2_memory_kib,
            config.argon2_iterations,
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
            origins: config.origins(),
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
    RealtimeConfig {
        domain: domain_config(config),
        send_queue_capacity: config.send_queue_capacity,
        connections_warning: config.connections_warning as usize,
        presence_interval: config.presence_interval,
        presence_broadcast_max: config.presence_broadcast_max,
        ping_interval: config.ping_interval,
        ping_timeout: config.ping_timeout,
    }
}

/// The realtime rules' thresholds, from the flags.
fn domain_config(config: &Config) -> DomainConfig {
    DomainConfig {
        invite_ttl_ms: duration_ms(config.invite_ttl),
        invite_max_extensions: config.invite_max_extensions,
        min_call_seconds: config.min_call_seconds,
        max_call_seconds: config.max_call_seconds,
        call_grace_ms: duration_ms(config.call_grace),
        disconnect_grace_ms: duration_ms(config.disconnect_grace),
        call_cooldown_ms: duration_ms(config.call_cooldown),
        rescind_cooldown_ms: duration_ms(config.rescind_cooldown),
        max_sockets_per_user: config.max_connections_per_user as usize,
        max_connections: config.max_connections as usize,
        ..DomainConfig::default()
    }
}
