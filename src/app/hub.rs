//! The hub: the registry of live sockets, the domain they feed, and the presence buffer.
//!
//! Locks: `domain` and `sockets` are plain mutexes held only for in-memory work (no await, no
//! I/O inside), and never one inside the other: effects are computed under the domain lock,
//! then delivered under the sockets lock. A frame is serialized once and its `Bytes` shared by
//! every recipient; queues are bounded and a full queue disconnects that client.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;

use super::outlet::{Out, Outlet, QueueLimits, TextBatch, Undeliverable};
use super::presence::{Delivery, DeliveryRule, Listener, PresenceState, Shown};
use super::registry::{OpenLimits, OpenRefused, Registry};
use crate::domain::{Command, Counts, Domain, DomainConfig, Effect, SocketId, UserId, random_ids};

pub struct Hub {
    domain: Mutex<Domain>,
    sockets: Mutex<Registry>,
    presence: PresenceState,
    next_socket: AtomicU64,
    online_users: AtomicUsize,
    started: Instant,
    queue_limits: QueueLimits,
    /// `--connections-warning`: logged once each time the count climbs to it.
    warn_at: usize,
}

/// One presence delivery: the socket, its outlet and its batch.
pub type PresenceDelivery = (SocketId, Arc<Outlet>, Arc<TextBatch>);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not wedge realtime for everyone: the data is still consistent
    // because no critical section here leaves it half-updated.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hub {
    pub fn new(config: DomainConfig, queue_limits: QueueLimits, warn_at: usize) -> Self {
        Self {
            domain: Mutex::new(Domain::new(config, random_ids())),
            sockets: Mutex::new(Registry::default()),
            presence: PresenceState::default(),
            next_socket: AtomicU64::new(1),
            online_users: AtomicUsize::new(0),
            started: Instant::now(),
            queue_limits,
            warn_at,
        }
    }

    /// Milliseconds since the hub started, from the monotonic clock: transport heartbeats use
    /// real time (they are about the network), never the injectable business clock.
    pub fn monotonic_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// Registers a new transport from `address` within `limits`. The counts and the insert
    /// happen under one lock, so concurrent handshakes can never admit one too many (a check
    /// before registering did, under 400 concurrent handshakes).
    pub fn open_socket_within(
        &self,
        address: std::net::IpAddr,
        limits: OpenLimits,
    ) -> Result<(SocketId, Arc<Outlet>), OpenRefused> {
        let id = self.next_socket.fetch_add(1, Ordering::Relaxed);
        let outlet = Arc::new(Outlet::new(self.queue_limits, self.monotonic_ms()));
        let count = lock(&self.sockets).insert_within(id, outlet.clone(), address, limits)?;
        if count == self.warn_at {
            tracing::warn!(
                sockets = count,
                "realtime connections reached the warning level"
            );
        }
        Ok((id, outlet))
    }

    pub fn socket_count(&self) -> usize {
        lock(&self.sockets).len()
    }

    /// Forgets a transport (it is closing). Returns whether it was still registered.
    pub fn forget_socket(&self, socket: SocketId) -> bool {
        lock(&self.sockets).remove(&socket).is_some()
    }

    pub fn mark_authenticated(&self, socket: SocketId) {
        if let Some(outlet) = lock(&self.sockets).get(&socket) {
            outlet.authenticated.store(true, Ordering::Relaxed);
        }
    }

    pub fn handle(&self, now: i64, command: Command) -> Vec<Effect> {
        self.with_domain_mut(|domain| domain.handle(now, command))
    }

    pub fn tick(&self, now: i64) -> Vec<Effect> {
        self.with_domain_mut(|domain| match domain.next_deadline() {
            Some(deadline) if deadline <= now => domain.tick(now),
            _ => Vec::new(),
        })
    }

    /// Read access to the domain for queries (`/room/queue`, counts, cooldowns).
    pub fn with_domain<R>(&self, read: impl FnOnce(&Domain) -> R) -> R {
        read(&lock(&self.domain))
    }

    /// Every change to the domain goes through here, so the online count `/stats/live`
    /// reads is stored before the lock is released: exact, and O(1) to read.
    pub fn with_domain_mut<R>(&self, write: impl FnOnce(&mut Domain) -> R) -> R {
        let mut domain = lock(&self.domain);
        let result = write(&mut domain);
        self.online_users
            .store(domain.online_users(), Ordering::Relaxed);
        result
    }

    /// Live counts: O(users) under the domain lock, for operators (`/health`, `/metrics`).
    pub fn counts(&self) -> Counts {
        lock(&self.domain).counts()
    }

    /// Online users, exact as of the last domain change: `/stats/live` is public (the
    /// landing page polls it), so it reads an atomic instead of scanning users or taking the
    /// domain lock.
    pub fn online_users(&self) -> usize {
        self.online_users.load(Ordering::Relaxed)
    }

    /// Queues `frame` for each socket; returns the sockets that had to be dropped.
    pub fn deliver(&self, to: &[SocketId], frame: &Bytes) -> Vec<SocketId> {
        let mut dropped = Vec::new();
        let mut sockets = lock(&self.sockets);
        for socket in to {
            let Some(outlet) = sockets.get(socket) else {
                continue;
            };
            // A failed send leaves the outlet closed (full: abandoned; gone: already closed).
            if let Err(why) = outlet.try_send(Out::Text(frame.clone())) {
                if why == Undeliverable::Full {
                    tracing::info!(socket, "send queue full; disconnecting a slow client");
                }
                sockets.remove(socket);
                dropped.push(*socket);
            }
        }
        dropped
    }

    /// Records the queue page an online `user` was just served: presence delivery past the
    /// budget sends each overlay the removals of the users it shows. (Offline users' pages
    /// are forgotten at their offline announcement, and pruned.)
    pub fn page_shown(&self, user: UserId, shown: Shown, introduced: Vec<UserId>) {
        self.presence.page_shown(user, shown, introduced);
    }

    /// This tick's presence deliveries, one batch per recipient (see
    /// [`super::presence::Delivery`]). The domain, presence and registry locks are taken one
    /// after the other, never nested.
    pub fn presence_tick(&self, now: i64, rule: &DeliveryRule) -> Vec<PresenceDelivery> {
        if !self.presence.has_pending() {
            return Vec::new();
        }
        let sockets = lock(&self.domain).presence_listeners();
        let listeners: Vec<Listener> = sockets
            .iter()
            .map(|&(_, user, in_call)| Listener { user, in_call })
            .collect();
        let Some(delivery) = self.presence.tick(&listeners, now, rule) else {
            return Vec::new();
        };
        let registry = lock(&self.sockets);
        let to = |index: usize, batch: Arc<TextBatch>| {
            let socket = sockets[index].0;
            let outlet = registry.get(&socket)?;
            outlet
                .authenticated
                .load(Ordering::Relaxed)
                .then(|| (socket, outlet.clone(), batch))
        };
        match delivery {
            Delivery::Everyone(batch) => (0..sockets.len())
                .filter_map(|index| to(index, batch.clone()))
                .collect(),
            Delivery::Each(batches) => batches
                .into_iter()
                .filter_map(|(index, batch)| to(index, batch))
                .collect(),
        }
    }

    /// Queues each delivery's batch; returns (and unregisters) the sockets whose queue was
    /// full or that closed meanwhile.
    pub fn send_batches(&self, deliveries: &[PresenceDelivery]) -> Vec<SocketId> {
        let mut dropped = Vec::new();
        let mut full = 0;
        for (socket, outlet, batch) in deliveries {
            if let Err(why) = outlet.try_send(Out::Batch(batch.clone())) {
                // Gone: the transport closed since the tick began (the client left).
                full += usize::from(why == Undeliverable::Full);
                dropped.push(*socket);
            }
        }
        if full > 0 {
            tracing::info!(
                count = full,
                "send queues full during a broadcast; disconnecting slow clients"
            );
        }
        if !dropped.is_empty() {
            let mut sockets = lock(&self.sockets);
            for socket in &dropped {
                sockets.remove(socket);
            }
        }
        dropped
    }

    /// Records a presence change for the next tick's coalesced broadcast.
    pub fn record_presence(&self, user: UserId, online: bool, available: bool) {
        self.presence.record(user, online, available);
    }

    /// Whether presence changes wait for the next tick.
    pub fn presence_pending(&self) -> bool {
        self.presence.has_pending()
    }

    /// Users whose queue overlay presence delivery tracks (bounded by the users online).
    pub fn tracked_overlays(&self) -> usize {
        self.presence.overlays()
    }

    /// Closes a socket from the server side (a kick: a ban, a newer login, the per-user
    /// limit). The client is told with a Socket.IO DISCONNECT first, as `socket.disconnect()`
    /// told it in the original, so it sees "io server disconnect" and does not reconnect.
    pub fn close(&self, socket: SocketId) {
        if let Some(outlet) = lock(&self.sockets).remove(&socket) {
            let disconnect = Bytes::from_static(crate::proto::socketio::disconnect().as_bytes());
            let _ = outlet.try_send(Out::Text(disconnect));
            outlet.close();
        }
    }

    /// Memory pressure: closes the sockets whose queues hold at least `min_bytes`, heaviest
    /// first, at most `max_count`; returns them. Their clients are not reading, and what they
    /// hold is what pushed memory up.
    pub fn close_heaviest(&self, min_bytes: usize, max_count: usize) -> Vec<SocketId> {
        let mut sockets = lock(&self.sockets);
        let mut heavy: Vec<(usize, SocketId)> = sockets
            .iter()
            .map(|(socket, outlet)| (outlet.queued_bytes(), *socket))
            .filter(|(bytes, _)| *bytes >= min_bytes)
            .collect();
        heavy.sort_unstable_by(|a, b| b.cmp(a));
        heavy.truncate(max_count);
        heavy
            .into_iter()
            .filter_map(|(_, socket)| {
                let outlet = sockets.remove(&socket)?;
                outlet.abandon();
                Some(socket)
            })
            .collect()
    }

    /// Closes every transport (server shutdown).
    pub fn close_all(&self) {
        for outlet in lock(&self.sockets).drain() {
            outlet.close();
        }
    }

    /// Heartbeat: pings sockets whose last ping is `interval_ms` old and closes those that
    /// have not answered a ping within `timeout_ms`, or have left queued frames unfetched
    /// that long (a polling client that POSTs but never GETs still answers pings). Returns
    /// the closed sockets.
    pub fn heartbeat(&self, interval_ms: i64, timeout_ms: i64, ping: &Bytes) -> Vec<SocketId> {
        let now = self.monotonic_ms();
        let mut dead = Vec::new();
        let mut sockets = lock(&self.sockets);
        sockets.retain(|socket, outlet| {
            let sent = outlet.ping_sent_at.load(Ordering::Relaxed);
            let seen = outlet.last_seen_at.load(Ordering::Relaxed);
            let unanswered = seen < sent;
            if (unanswered && now - sent > timeout_ms) || outlet.unfetched_for(now) > timeout_ms {
                outlet.close();
                dead.push(*socket);
                return false;
            }
            if !unanswered && now - sent >= interval_ms {
                outlet.ping_sent_at.store(now, Ordering::Relaxed);
                if outlet.try_send(Out::Text(ping.clone())).is_err() {
                    dead.push(*socket);
                    return false;
                }
            }
            true
        });
        dead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_pressure_closes_the_heaviest_queues_first() {
        let limits = QueueLimits {
            frames: 100,
            bytes: 1 << 20,
        };
        let hub = Hub::new(DomainConfig::default(), limits, usize::MAX);
        let sockets: Vec<_> = [10_000, 300_000, 100, 200_000]
            .into_iter()
            .map(|bytes| {
                let address = std::net::Ipv4Addr::LOCALHOST.into();
                let (socket, outlet) = hub
                    .open_socket_within(address, OpenLimits::NONE)
                    .expect("no limit");
                outlet
                    .try_send(Out::Text(Bytes::from(vec![b'x'; bytes])))
                    .expect("room");
                (socket, outlet)
            })
            .collect();
        assert_eq!(
            hub.close_heaviest(64 * 1024, 1),
            [sockets[1].0],
            "the heaviest"
        );
        assert_eq!(hub.close_heaviest(64 * 1024, 10), [sockets[3].0]);
        assert!(
            hub.close_heaviest(64 * 1024, 10).is_empty(),
            "light ones stay"
        );
        assert_eq!(hub.socket_count(), 2);
        assert!(sockets[1].1.is_closed() && sockets[1].1.queued_bytes() == 0);
        assert!(!sockets[0].1.is_closed());
    }
}
