//! TURN: the shared secret of coturn's REST scheme, the servers handed to clients, and how
//! long a credential lives.

use std::time::Duration;

use clap::Args;

use super::parse::{positive_duration, stun_url, turn_url};
use super::{ConfigError, fail};

/// Shortest `--turn-ttl`: a credential must outlive the call set up with it, and coturn reads
/// the expiry in whole seconds.
const MIN_TTL: Duration = Duration::from_secs(60);
/// Longest `--turn-ttl`: a credential is a bearer token for the relay; a day is plenty.
const MAX_TTL: Duration = Duration::from_secs(86_400);

#[derive(Clone, Args)]
#[command(next_help_heading = "TURN")]
pub struct TurnConfig {
    /// coturn's `static-auth-secret` (with `use-auth-secret`): `GET /turn/credentials` signs
    /// short-lived credentials with it. Without it the route answers STUN servers only.
    #[arg(long, env = "NAPALMSKY_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<String>,

    /// The TURN servers handed out with a credential, comma-separated
    /// (`turn:turn.example.com:3478,turns:turn.example.com:5349?transport=tcp`).
    #[arg(long, env = "NAPALMSKY_TURN_URLS", value_delimiter = ',', value_parser = turn_url)]
    pub turn_urls: Vec<String>,

    /// How long a TURN credential is valid (1 minute to 1 day).
    #[arg(long, env = "NAPALMSKY_TURN_TTL", default_value = "1h", value_parser = positive_duration)]
    pub turn_ttl: Duration,

    /// The STUN servers handed out with every answer, comma-separated.
    #[arg(
        long,
        env = "NAPALMSKY_STUN_URLS",
        value_delimiter = ',',
        default_value = "stun:stun.l.google.com:19302",
        value_parser = stun_url
    )]
    pub stun_urls: Vec<String>,
}

/// By hand, so that printing the configuration never prints the secret.
impl std::fmt::Debug for TurnConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnConfig")
            .field("turn_secret", &self.turn_secret.as_ref().map(|_| "<set>"))
            .field("turn_urls", &self.turn_urls)
            .field("turn_ttl", &self.turn_ttl)
            .field("stun_urls", &self.stun_urls)
            .finish()
    }
}

impl TurnConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        // A `Config` built in code did not pass through the value parsers.
        if let Some(Err(problem)) = self
            .turn_urls
            .iter()
            .map(|u| turn_url(u))
            .find(Result::is_err)
        {
            return fail("turn-urls", problem);
        }
        if let Some(Err(problem)) = self
            .stun_urls
            .iter()
            .map(|u| stun_url(u))
            .find(Result::is_err)
        {
            return fail("stun-urls", problem);
        }
        match (&self.turn_secret, self.turn_urls.is_empty()) {
            (Some(secret), _) if secret.is_empty() => fail("turn-secret", "must not be empty")?,
            (Some(_), true) => fail(
                "turn-urls",
                "is required with --turn-secret: the TURN servers that accept its credentials",
            )?,
            (None, false) => fail(
                "turn-secret",
                "is required with --turn-urls: their credentials are signed with it",
            )?,
            _ => {}
        }
        if !(MIN_TTL..=MAX_TTL).contains(&self.turn_ttl) {
            return fail("turn-ttl", "must be between 1 minute and 1 day");
        }
        Ok(())
    }

    /// The secret, when TURN is configured.
    pub fn secret(&self) -> Option<&str> {
        self.turn_secret.as_deref()
    }
}
