//! The transports' handle: what the WebSocket and long-polling transports are built with.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::polling_sessions::PollingSessions;
use crate::app::Realtime;
use crate::config::Paywall;
use crate::net::LoadShedder;
use crate::net::RateLimiter;
use crate::store::Store;

pub struct Transports {
    pub(crate) realtime: Arc<Realtime>,
    /// Read to tell `user_not_found` from `offline` for invites.
    pub(crate) store: Arc<Store>,
    /// Time a client has to send a polling POST body (`--body-read-timeout`); the other
    /// limits are the realtime flags, read through `realtime.config()`.
    pub(crate) body_read_timeout: Duration,
    pub(crate) shedder: Arc<LoadShedder>,
    /// `--paywall`: with it on, a socket without access may be online but not start calls.
    pub(crate) paywall: Paywall,
    pub(crate) polling: PollingSessions,
    /// New sessions per client IP (`--handshake-rate-limit`).
    pub(crate) handshakes: RateLimiter,
    /// Cancelled once shutdown has served the last request: nothing waits for clients then.
    pub(crate) requests_over: CancellationToken,
}

impl Transports {
    pub fn new(
        realtime: Arc<Realtime>,
        store: Arc<Store>,
        body_read_timeout: Duration,
        shedder: Arc<LoadShedder>,
        paywall: Paywall,
        handshakes: RateLimiter,
        requests_over: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            realtime,
            store,
            body_read_timeout,
            shedder,
            paywall,
            polling: PollingSessions::default(),
            handshakes,
            requests_over,
        })
    }

    /// Long-polling sessions open now (for `/health`).
    pub fn polling_sessions(&self) -> usize {
        self.polling.len()
    }
}
