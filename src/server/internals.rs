//! The test facade: what end-to-end tests may reach inside a running server, and nothing
//! else. The server's handles stay private to the crate; a test that needs to seed the store
//! or look at the realtime registry goes through here.

use std::sync::Arc;

use super::AppState;
use crate::app::Realtime;
use crate::store::Store;

/// Borrowed from a [`super::RunningServer`] (`running.internals()`).
pub struct Internals<'a> {
    pub(super) state: &'a Arc<AppState>,
}

impl<'a> Internals<'a> {
    /// The store, to seed records or read what a request wrote.
    pub fn store(&self) -> &'a Arc<Store> {
        &self.state.http.store
    }

    /// The realtime hub, to count sockets and users.
    pub fn realtime(&self) -> &'a Arc<Realtime> {
        &self.state.http.realtime
    }

    /// Runs one periodic cleanup now instead of waiting for `--cleanup-interval`.
    pub async fn run_cleanup(&self) {
        super::maintenance::run_cleanup(self.state).await;
    }
}
