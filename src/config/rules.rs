//! The realtime rules: invites, call lengths, cooldowns, graces, the queue and the paywall.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse::{duration, positive, positive_duration};
use super::realtime::RealtimeConfig;
use super::{ConfigError, fail};
use crate::clock::duration_ms;
use crate::domain::DomainConfig;

/// Whether `/room/queue` and `/room/reel` require a paid (or code-verified) account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Paywall {
    On,
    Off,
}

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Matchmaking rules")]
pub struct RulesConfig {
    /// How long the server keeps an unanswered call invite (a net for vanished clients;
    /// longer than the client's own 20 s flow, extended by each `call:extend-wait`).
    #[arg(long, env = "NAPALMSKY_INVITE_TTL", default_value = "45s", value_parser = positive_duration)]
    pub invite_ttl: Duration,

    /// How many times `call:extend-wait` may extend one invite.
    #[arg(long, env = "NAPALMSKY_INVITE_MAX_EXTENSIONS", default_value_t = 3)]
    pub invite_max_extensions: u32,

    /// Cooldown between two users after a call or a decline.
    #[arg(long, env = "NAPALMSKY_CALL_COOLDOWN", default_value = "24h", value_parser = duration)]
    pub call_cooldown: Duration,

    /// Cooldown between two users after a rescinded invite.
    #[arg(long, env = "NAPALMSKY_RESCIND_COOLDOWN", default_value = "1h", value_parser = duration)]
    pub rescind_cooldown: Duration,

    /// Shortest call length a user may ask for, in seconds.
    #[arg(long, env = "NAPALMSKY_MIN_CALL_SECONDS", default_value_t = 60, value_parser = positive::<u32>)]
    pub min_call_seconds: u32,

    /// Longest call length a user may ask for, in seconds.
    #[arg(long, env = "NAPALMSKY_MAX_CALL_SECONDS", default_value_t = 1800)]
    pub max_call_seconds: u32,

    /// A call at least this long, in seconds, is written to both users' history and metrics
    /// and puts the pair on the call cooldown.
    #[arg(long, env = "NAPALMSKY_MIN_HISTORY_CALL_SECONDS", default_value_t = 5)]
    pub min_history_call_seconds: u32,

    /// A call at least this long, in seconds, counts as a completed session (QR unlock).
    #[arg(
        long,
        env = "NAPALMSKY_MIN_COMPLETION_CALL_SECONDS",
        default_value_t = 30
    )]
    pub min_completion_call_seconds: u32,

    /// Extra time past the agreed length before the server closes a room.
    #[arg(long, env = "NAPALMSKY_CALL_GRACE", default_value = "10s", value_parser = duration)]
    pub call_grace: Duration,

    /// Time a user has to reconnect after a transport drop before full cleanup.
    #[arg(long, env = "NAPALMSKY_DISCONNECT_GRACE", default_value = "5s", value_parser = duration)]
    pub disconnect_grace: Duration,

    /// Call history younger than this stays in the hot table; older entries are archived.
    #[arg(long, env = "NAPALMSKY_HISTORY_HOT_WINDOW", default_value = "7d", value_parser = duration)]
    pub history_hot_window: Duration,

    /// Most users returned by `GET /room/queue`.
    #[arg(long, env = "NAPALMSKY_QUEUE_MAX_RESULTS", default_value_t = 200, value_parser = positive::<usize>)]
    pub queue_max_results: usize,

    /// Paywall on `/room/queue` and `/room/reel`.
    #[arg(long, env = "NAPALMSKY_PAYWALL", value_enum, default_value = "on")]
    pub paywall: Paywall,
}

impl RulesConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.min_call_seconds > self.max_call_seconds {
            return fail("min-call-seconds", "must not be above --max-call-seconds");
        }
        Ok(())
    }

    /// The domain's thresholds from these flags and the realtime group's connection limits.
    pub fn domain(&self, realtime: &RealtimeConfig) -> DomainConfig {
        DomainConfig {
            invite_ttl_ms: duration_ms(self.invite_ttl),
            invite_max_extensions: self.invite_max_extensions,
            min_call_seconds: self.min_call_seconds,
            max_call_seconds: self.max_call_seconds,
            call_grace_ms: duration_ms(self.call_grace),
            disconnect_grace_ms: duration_ms(self.disconnect_grace),
            call_cooldown_ms: duration_ms(self.call_cooldown),
            rescind_cooldown_ms: duration_ms(self.rescind_cooldown),
            history_min_seconds: self.min_history_call_seconds,
            completion_min_seconds: self.min_completion_call_seconds,
            max_sockets_per_user: realtime.max_connections_per_user as usize,
            max_connections: realtime.max_connections as usize,
            ..DomainConfig::default()
        }
    }
}
