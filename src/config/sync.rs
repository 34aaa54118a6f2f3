//! The write-behind mirror in PostgreSQL.

use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "PostgreSQL mirror")]
pub struct SyncConfig {
    /// PostgreSQL mirror (write-behind sync). Without it the server runs standalone.
    #[arg(long, env = "NAPALMSKY_POSTGRES_URL", hide_env_values = true)]
    pub postgres_url: Option<String>,

    /// Outbox entries drained into PostgreSQL per transaction.
    #[arg(long, env = "NAPALMSKY_SYNC_BATCH_SIZE", default_value_t = 1000, value_parser = positive::<usize>)]
    pub sync_batch_size: usize,

    /// Pause between sync passes when the outbox is empty.
    #[arg(long, env = "NAPALMSKY_SYNC_INTERVAL", default_value = "200ms", value_parser = positive_duration)]
    pub sync_interval: Duration,

    /// Longest wait for PostgreSQL on any one exchange (connecting, a batch, a liveness
    /// check). A server that stops answering (a network black hole keeps the connection open)
    /// is abandoned after this long: the sync shows `stalled` and reconnects with backoff.
    #[arg(long, env = "NAPALMSKY_SYNC_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub sync_timeout: Duration,

    /// Outbox depth above which a warning is logged.
    #[arg(long, env = "NAPALMSKY_OUTBOX_WARN_DEPTH", default_value_t = 100_000)]
    pub outbox_warn_depth: u64,
}

impl SyncConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.postgres_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            // The URL may hold a password: name the problem, never echo the value.
            return fail(
                "postgres-url",
                "must start with postgres:// or postgresql://",
            );
        }
        Ok(())
    }
}
