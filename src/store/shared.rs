//! State shared by the writer thread and the request handlers: the commit epoch, the caches
//! it keeps coherent, the writer's counters and its failure flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use bytes::Bytes;
use tokio::sync::Notify;

use super::auth_context::AuthContext;
use super::cache::StatCache;
use super::id::Id;
use super::stats::WriterStats;

pub struct Caches {
    /// Token -> verified session with user flags.
    pub sessions: StatCache<Id, Arc<AuthContext>>,
    /// User id -> rendered `GET /user/me` body.
    pub users: StatCache<Id, Bytes>,
}

impl Caches {
    pub(super) fn invalidate(&self, users: &[Id], sessions: &[Id]) {
        for id in users {
            self.users.invalidate(id);
        }
        for token in sessions {
            self.sessions.invalidate(token);
        }
    }

    pub fn clear(&self) {
        self.users.clear();
        self.sessions.clear();
    }
}

pub(super) struct Shared {
    pub(super) epoch: AtomicU64,
    pub(super) caches: Caches,
    pub(super) stats: WriterStats,
    /// Set once a commit failed: redb refuses writes until reopened, so the store does too.
    pub(super) failed: AtomicBool,
    pub(super) fatal: Notify,
    /// Test seam: the writer fails its next commit (see `Store::fail_next_commit_for_tests`).
    pub(super) fail_next_commit: AtomicBool,
}
