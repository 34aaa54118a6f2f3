//! Memory thresholds, periodic work and shutdown.

use std::time::Duration;

use clap::Args;

use super::parse::{duration, positive_duration};
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Operations")]
pub struct OperationsConfig {
    /// Resident memory (MiB) above which caches are dropped and a warning logged.
    #[arg(long, env = "NAPALMSKY_MEMORY_WARNING_MB", default_value_t = 1200)]
    pub memory_warning_mb: u64,

    /// Resident memory (MiB) at which caches are dropped, an error logged, and load shed
    /// (new sockets and heavy routes refused) until memory falls halfway back to the warning
    /// level.
    #[arg(long, env = "NAPALMSKY_MEMORY_CRITICAL_MB", default_value_t = 1400)]
    pub memory_critical_mb: u64,

    /// Interval of the memory monitor.
    #[arg(long, env = "NAPALMSKY_MONITOR_INTERVAL", default_value = "15s", value_parser = positive_duration)]
    pub monitor_interval: Duration,

    /// Interval of the periodic cleanup (expired sessions, cooldowns, stale state).
    #[arg(long, env = "NAPALMSKY_CLEANUP_INTERVAL", default_value = "3m", value_parser = positive_duration)]
    pub cleanup_interval: Duration,

    /// How long a shutdown may take in all: in-flight requests, the tasks they started and
    /// the outbox flush to Postgres share this one deadline (what is not flushed by then
    /// stays in the outbox on disk for the next start).
    #[arg(long, env = "NAPALMSKY_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub shutdown_timeout: Duration,
}

impl OperationsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.memory_warning_mb >= self.memory_critical_mb {
            return fail("memory-warning-mb", "must be below --memory-critical-mb");
        }
        Ok(())
    }
}
