//! The HTTP handle: what the routes are built with. The server builds it once (a struct
//! literal in `server/state.rs`); a handler gets `&Arc<Http>` and reaches nothing else.

use std::future::Future;
use std::sync::Arc;

use tokio_util::task::TaskTracker;

use super::{LoadShedder, QueueExtras, RateLimits, Transports};
use crate::accounts::{LoginFailures, PasswordHasher};
use crate::app::{Realtime, ReelCursors};
use crate::clock::SharedClock;
use crate::config::{
    AccountsConfig, MediaConfig, NetConfig, PaywallConfig, RulesConfig, TurnConfig,
};
use crate::media::Uploads;
use crate::moderation::{AddressGate, ModerationRules};
use crate::paywall::StripeClient;
use crate::store::Store;
use crate::sync::SyncStatus;
use crate::turn::TurnIssuer;

/// The flag groups the routes read.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub(crate) net: NetConfig,
    pub(crate) rules: RulesConfig,
    pub(crate) accounts: AccountsConfig,
    pub(crate) moderation: ModerationRules,
    pub(crate) paywall: PaywallConfig,
    pub(crate) media: MediaConfig,
    /// Stored media URLs start with this (`--public-url`, or derived from the bound address).
    pub(crate) public_url: String,
    /// The ICE server addresses and the credential TTL.
    pub(crate) turn: TurnConfig,
    /// `--postgres-url` is set (reported by `GET /` and `/health`, never the URL).
    pub(crate) mirror_enabled: bool,
}

pub struct Http {
    pub(crate) config: HttpConfig,
    /// Allowed origins as the browser sends them.
    pub(crate) origins: Vec<String>,
    pub(crate) store: Arc<Store>,
    pub(crate) clock: SharedClock,
    pub(crate) hasher: PasswordHasher,
    /// Wrong passwords per account (`--login-failures-per-account`).
    pub(crate) login_failures: LoginFailures,
    pub(crate) limits: RateLimits,
    pub(crate) realtime: Arc<Realtime>,
    pub(crate) transports: Arc<Transports>,
    pub(crate) reels: ReelCursors,
    pub(crate) sync: Arc<SyncStatus>,
    pub(crate) shedder: Arc<LoadShedder>,
    /// The IP-banned addresses, refused before any route.
    pub(crate) gate: AddressGate,
    /// Callers whose queue needs the store (they reported or were introduced someone).
    pub(crate) queue_extras: QueueExtras,
    /// Shutdown waits for the tasks a request starts (an expired session's deletion).
    pub(crate) tasks: TaskTracker,
    /// `<data-dir>/uploads/`, where media are stored and served from.
    pub(crate) uploads: Uploads,
    /// Stripe's API: one client (connection pool, TLS) for the server's life.
    pub(crate) stripe: StripeClient,
    /// Signs TURN credentials; `None` without `--turn-secret` (STUN only).
    pub(crate) turn: Option<TurnIssuer>,
}

impl Http {
    /// Spawns a task that shutdown waits for.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Forgets ended rate-limit windows, reel cursors and expired TURN credentials (the
    /// periodic cleanup); returns how many.
    pub fn purge_expired(&self, now: i64) -> usize {
        let turn = self.turn.as_ref().map_or(0, |issuer| issuer.purge(now));
        self.limits.purge_expired()
            + self.transports.handshakes.purge_expired()
            + self.reels.purge(now)
            + turn
    }
}
