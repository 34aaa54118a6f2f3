//! What the server builds and keeps: the HTTP handle (which holds the realtime and transport
//! handles), the flags, and the shutdown machinery. Only `server/` sees this.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::accounts::{LoginFailures, PasswordHasher};
use crate::app::{Realtime, ReelCursors};
use crate::clock::SharedClock;
use crate::clock::duration_ms;
use crate::config::Config;
use crate::media::Uploads;
use crate::moderation::{AddressGate, ModerationRules};
use crate::net::{Http, HttpConfig, LoadShedder, QueueExtras, RateLimits, Transports};
use crate::paywall::StripeClient;
use crate::store::Store;
use crate::turn::TurnIssuer;

pub(crate) struct AppState {
    pub(crate) config: Config,
    pub(crate) http: Arc<Http>,
    /// Every task that holds a handle. Shutdown waits for them before closing the store, so
    /// their writes land and the data directory is released when `shutdown` returns.
    pub(crate) tasks: TaskTracker,
    /// Cancelled once shutdown has served the last request: nothing waits for clients then.
    pub(crate) requests_over: CancellationToken,
}

impl AppState {
    /// Builds every handle from the flags, the opened store and the clock.
    pub(crate) fn new(
        config: Config,
        store: Store,
        clock: SharedClock,
        bound: SocketAddr,
    ) -> anyhow::Result<Arc<Self>> {
        let accounts = &config.accounts;
        let hasher = PasswordHasher::new(
            accounts.password_hash_concurrency,
            accounts.argon2_memory_kib,
            accounts.argon2_iterations,
        )?
        .with_queue_limit(
            accounts.password_hash_concurrency,
            accounts.password_hash_queue,
        );
        let store = Arc::new(store);
        let tasks = TaskTracker::new();
        let requests_over = CancellationToken::new();
        let realtime = Realtime::start(
            config.domain(),
            config.realtime.clone(),
            store.clone(),
            clock.clone(),
            tasks.clone(),
            requests_over.clone(),
        );
        let shedder = Arc::new(LoadShedder::default());
        let transports = Transports::new(
            realtime.clone(),
            store.clone(),
            config.net.body_read_timeout,
            shedder.clone(),
            config.rules.paywall,
            crate::net::handshake_limiter(&config.limits, &clock),
            requests_over.clone(),
        );
        let http = Arc::new(Http {
            config: HttpConfig {
                net: config.net.clone(),
                rules: config.rules.clone(),
                accounts: config.accounts.clone(),
                moderation: ModerationRules::from(&config.moderation),
                paywall: config.paywall.clone(),
                media: config.media.clone(),
                public_url: config.media.public_url(bound),
                turn: config.turn.clone(),
                mirror_enabled: config.sync.postgres_url.is_some(),
            },
            origins: config.net.origins(),
            gate: AddressGate::load(&store)?,
            queue_extras: QueueExtras::load(&store)?,
            limits: RateLimits::new(&config.limits, &clock),
            store,
            clock,
            hasher,
            login_failures: LoginFailures::new(
                config.accounts.login_failures_per_account,
                duration_ms(config.accounts.login_failure_window),
            ),
            realtime,
            transports,
            reels: ReelCursors::default(),
            sync: Arc::default(),
            shedder,
            tasks: tasks.clone(),
            stripe: StripeClient::new(&config.paywall)?,
            uploads: Uploads::open(&config.store.data_dir)
                .context("preparing the uploads directory")?,
            turn: config
                .turn
                .secret()
                .map(|secret| TurnIssuer::new(secret, config.turn.turn_ttl)),
        });
        Ok(Arc::new(Self {
            config,
            http,
            tasks,
            requests_over,
        }))
    }

    /// Spawns a task that shutdown waits for (see `tasks`).
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }
}
