use std::sync::Arc;

use super::ConnectionCounts;
use crate::accounts::PasswordHasher;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::net::RateLimits;
use crate::store::Store;

/// Everything a request handler may use. Passed explicitly (an `Arc`), never global.
pub struct AppState {
    pub config: Config,
    pub origins: Vec<String>,
    pub store: Store,
    pub clock: SharedClock,
    pub hasher: PasswordHasher,
    pub limits: RateLimits,
    pub connections: ConnectionCounts,
}

impl AppState {
    pub fn new(config: Config, store: Store, clock: SharedClock) -> anyhow::Result<Arc<Self>> {
        let hasher = PasswordHasher::new(
            config.password_hash_concurrency,
            config.argon2_memory_kib,
            config.argon2_iterations,
        )?;
        let limits = RateLimits::new(&config, &clock);
        Ok(Arc::new(Self {
            origins: config.origins(),
            config,
            store,
            clock,
            hasher,
            limits,
            connections: ConnectionCounts::default(),
        }))
    }
}
