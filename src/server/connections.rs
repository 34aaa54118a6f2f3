//! Realtime connection counts shown by `/health` and `/stats/live`. The realtime layer (Socket.IO)
//! updates them; until it runs, no socket exists and they are truly zero.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct ConnectionCounts {
    users: AtomicU64,
    sockets: AtomicU64,
    online: AtomicU64,
}

impl ConnectionCounts {
    /// Distinct users with at least one socket.
    pub fn users(&self) -> u64 {
        self.users.load(Ordering::Relaxed)
    }

    pub fn sockets(&self) -> u64 {
        self.sockets.load(Ordering::Relaxed)
    }

    /// Users whose presence is online.
    pub fn online_users(&self) -> u64 {
        self.online.load(Ordering::Relaxed)
    }

    pub fn set(&self, users: u64, sockets: u64, online: u64) {
        self.users.store(users, Ordering::Relaxed);
        self.sockets.store(sockets, Ordering::Relaxed);
        self.online.store(online, Ordering::Relaxed);
    }
}
