//! The realtime handle: the hub plus what applying the domain's effects needs (the store for
//! durable effects and socket authentication, the business clock, the task tracker shutdown waits for). The transports
//! and the HTTP routes that touch realtime are built with one `Arc<Realtime>`; its flag group
//! (`config()`) is also what the transports read their limits from.

use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, Weak};

use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::{SocketAuth, authenticate_token};
use super::hub::Hub;
use super::outlet::QueueLimits;
use super::persist::{self, PersistQueue};
use crate::clock::SharedClock;
use crate::config::RealtimeConfig;
use crate::domain::{Command, DomainConfig, Effect, SocketId};
use crate::proto::socketio;
use crate::store::Store;

pub struct Realtime {
    hub: Hub,
    /// The realtime flags: presence ticks, heartbeat, send queues, transport limits.
    config: RealtimeConfig,
    store: Arc<Store>,
    clock: SharedClock,
    persist: PersistQueue,
    tasks: TaskTracker,
}

/// Transports read the registry and the domain through the hub's methods; `Realtime` adds
/// only what needs the store, the clock or the tasks.
impl Deref for Realtime {
    type Target = Hub;

    fn deref(&self) -> &Hub {
        &self.hub
    }
}

impl Realtime {
    /// Builds the hub and starts the persistence worker on `tasks`. The worker stops once
    /// `requests_over` is cancelled and what was queued before is written.
    pub fn start(
        domain: DomainConfig,
        config: RealtimeConfig,
        store: Arc<Store>,
        clock: SharedClock,
        tasks: TaskTracker,
        requests_over: CancellationToken,
    ) -> Arc<Self> {
        let (queue, inbox) = persist::queue();
        let realtime = Arc::new(Self {
            hub: Hub::new(
                domain,
                QueueLimits {
                    frames: config.send_queue_capacity,
                    bytes: config.send_queue_bytes,
                },
                config.connections_warning as usize,
            ),
            config,
            store: store.clone(),
            clock: clock.clone(),
            persist: queue,
            tasks: tasks.clone(),
        });
        // Weak: the worker must not keep the hub alive, and reports to a dropped hub are moot.
        let hub: Weak<Self> = Arc::downgrade(&realtime);
        let report = move |command: Command| {
            if let Some(realtime) = hub.upgrade() {
                realtime.dispatch(command);
            }
        };
        tasks.spawn(persist::run(inbox, store, clock, report, requests_over));
        realtime
    }

    pub fn config(&self) -> &RealtimeConfig {
        &self.config
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Checks a socket's session token (handshake `auth.token` or the `auth` event).
    pub fn authenticate(&self, token: &str) -> SocketAuth {
        authenticate_token(&self.store, self.clock.now_ms(), token)
    }

    /// Records the address an authenticated socket came from (bans need it). A client that
    /// reconnects from its latest address within `SIGHTING_REFRESH_MS` costs no write.
    pub fn record_address(&self, user: crate::domain::UserId, ip: std::net::IpAddr) {
        let now = self.clock.now_ms();
        let recent = self
            .store
            .read()
            .and_then(|r| r.sighting_is_recent(&user, ip, now));
        if recent.unwrap_or(false) {
            return;
        }
        let store = self.store.clone();
        self.spawn(async move {
            if let Err(e) = store.write(move |tx| tx.record_ip(user, ip, now)).await {
                tracing::warn!(error = %e, "could not record a socket's address");
            }
        });
    }

    /// A connected user's profile changed (new media): queue and reel cards and `call:notify`
    /// show it from now on. A user not connected is not tracked; its next socket reads the
    /// record.
    pub fn profile_changed(&self, profile: crate::domain::Profile) {
        self.hub
            .with_domain_mut(|domain| domain.update_profile(profile));
    }

    /// Spawns a task that shutdown waits for.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Runs one command through the domain and applies its effects.
    pub fn dispatch(&self, command: Command) {
        let effects = self.hub.handle(self.clock.now_ms(), command);
        self.apply(effects);
    }

    /// Applies effects in order. Sockets dropped while delivering are fed back as
    /// `SocketClosed`, whose effects are applied in turn.
    pub fn apply(&self, effects: Vec<Effect>) {
        let mut pending = effects;
        while !pending.is_empty() {
            let mut dropped = Vec::new();
            for effect in pending.drain(..) {
                match effect {
                    Effect::Send { to, event, payload } => {
                        let frame = Bytes::from(match payload {
                            Some(payload) => socketio::encode_event(event, &payload),
                            None => socketio::encode_event_no_payload(event),
                        });
                        dropped.extend(self.hub.deliver(&to, &frame));
                    }
                    Effect::Close { socket, reason } => {
                        tracing::debug!(socket, reason, "closing socket");
                        self.hub.close(socket);
                    }
                    Effect::PresenceChanged {
                        user,
                        online,
                        available,
                    } => self.hub.record_presence(user, online, available),
                    Effect::Persist(durable) => self.persist.push(durable, &self.tasks),
                }
            }
            let now = self.clock.now_ms();
            for socket in dropped {
                pending.extend(self.hub.handle(now, Command::SocketClosed { socket }));
            }
        }
    }

    /// Runs the sockets' `SocketClosed` through the domain (after transport-level drops).
    pub fn sockets_closed(&self, sockets: Vec<SocketId>) {
        let now = self.clock.now_ms();
        let mut effects = Vec::new();
        for socket in sockets {
            effects.extend(self.hub.handle(now, Command::SocketClosed { socket }));
        }
        self.apply(effects);
    }
}
