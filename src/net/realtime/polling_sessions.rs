//! The registry of live long-polling sessions, by sid.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::session::SocketSession;
use crate::app::Outlet;

pub(super) struct PollingSession {
    pub(super) session: Mutex<SocketSession>,
    pub(super) outlet: Arc<Outlet>,
    pub(super) polling: AtomicBool,
    /// Signalled when a GET has delivered the close packet: the session may then leave the
    /// registry. Until then a closed session still answers one last GET with what it queued
    /// (a kicked client must read why).
    pub(super) drained: Notify,
}

/// The live polling sessions by sid.
#[derive(Default)]
pub struct PollingSessions {
    sessions: Mutex<HashMap<String, Arc<PollingSession>>>,
}

impl PollingSessions {
    pub(super) fn get(&self, sid: &str) -> Option<Arc<PollingSession>> {
        self.lock().get(sid).cloned()
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<PollingSession>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}
