//! The transports' handle: what the WebSocket and long-polling transports are built with.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::polling_sessions::PollingSessions;
use crate::app::Realtime;
use crate::net::LoadShedder;
use crate::store::Store;

/// The transport settings (from the realtime and network flag groups).
#[derive(Debug, Clone)]
pub struct TransportsConfig {
    pub(crate) max_connections: usize,
    pub(crate) max_payload: usize,
    pub(crate) socket_event_rate: u32,
    pub(crate) socket_event_burst: u32,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
}

pub struct Transports {
    pub(crate) realtime: Arc<Realtime>,
    /// Read to tell `user_not_found` from `offline` for invites.
    pub(crate) store: Arc<Store>,
    pub(crate) config: TransportsConfig,
    pub(crate) shedder: Arc<LoadShedder>,
    pub(crate) polling: PollingSessions,
    /// Cancelled once shutdown has served the last request: nothing waits for clients then.
    pub(crate) requests_over: CancellationToken,
}

impl Transports {
    pub fn new(
        realtime: Arc<Realtime>,
        store: Arc<Store>,
        config: TransportsConfig,
        shedder: Arc<LoadShedder>,
        requests_over: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            realtime,
            store,
            config,
            shedder,
            polling: PollingSessions::default(),
            requests_over,
        })
    }

    /// Long-polling sessions open now (for `/health`).
    pub fn polling_sessions(&self) -> usize {
        self.polling.len()
    }
}
