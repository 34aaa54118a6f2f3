//! The sending side of one realtime connection, as the registry holds it.

use std::sync::atomic::{AtomicI64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a transport writes: an Engine.IO text packet, or (WebSocket only) a control pong.
#[derive(Debug, Clone)]
pub enum Out {
    Text(Bytes),
    Pong(Bytes),
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeliverable {
    /// The bounded queue is full: the client reads too slowly and must be disconnected.
    Full,
    /// The transport is gone.
    Gone,
}

pub struct Outlet {
    queue: mpsc::Sender<Out>,
    closed: CancellationToken,
    /// Monotonic milliseconds (see `Realtime::monotonic_ms`) of the last ping sent and of the
    /// last packet received; the heartbeat sweeper compares them.
    pub(super) ping_sent_at: AtomicI64,
    pub(super) last_seen_at: AtomicI64,
    pub(super) authenticated: std::sync::atomic::AtomicBool,
}

impl Outlet {
    pub fn new(queue: mpsc::Sender<Out>, closed: CancellationToken, now: i64) -> Self {
        Self {
            queue,
            closed,
            ping_sent_at: AtomicI64::new(now),
            last_seen_at: AtomicI64::new(now),
            authenticated: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn try_send(&self, out: Out) -> Result<(), Undeliverable> {
        self.queue.try_send(out).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Undeliverable::Full,
            mpsc::error::TrySendError::Closed(_) => Undeliverable::Gone,
        })
    }

    /// Tells the transport to close; it stops reading and writing.
    pub fn close(&self) {
        self.closed.cancel();
    }

    pub fn seen(&self, now: i64) {
        self.last_seen_at.store(now, Ordering::Relaxed);
    }
}
