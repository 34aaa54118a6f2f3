//! Which web client the simulated users imitate (`--client-model`).
//!
//! The two differ only in what a user fetches over HTTP and whether it decodes the presence
//! broadcasts; the evening itself (invites, calls, relays) is the same:
//! - [`ClientModel::Web`], the default, is the existing web client. Its matchmaking overlay,
//!   open while the user is in the queue, polls `GET /room/queue` every `--poll-interval`,
//!   fetches it again 300 ms after each announcement of a user becoming available, and drops
//!   a user from its list as soon as it is announced unavailable; when the overlay opens
//!   again after a call it fetches at once. The landing page polls `GET /stats/live` every
//!   10 s. The timers are in [`super::state::overlay`].
//! - [`ClientModel::Legacy`] is the generator's first model, kept so that older runs can be
//!   repeated: a poll every `--poll-interval` whatever the user is doing, no reactive fetch,
//!   no `/stats/live`, and presence broadcasts counted but not decoded.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ClientModel {
    #[default]
    Web,
    Legacy,
}

impl ClientModel {
    /// The flag's value, as a child process's command line needs it.
    pub const fn name(self) -> &'static str {
        match self {
            ClientModel::Web => "web",
            ClientModel::Legacy => "legacy",
        }
    }

    /// Whether `presence:update` and `queue:update` are decoded (they are only counted in
    /// the legacy model, which never looks inside them).
    pub const fn decodes_presence(self) -> bool {
        matches!(self, ClientModel::Web)
    }
}
