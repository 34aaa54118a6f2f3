//! The data directory and the caches in front of it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Store")]
pub struct StoreConfig {
    /// Directory holding the redb database and uploaded media.
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Entries of the verified-session cache.
    #[arg(long, env = "NAPALMSKY_SESSION_CACHE_SIZE", default_value_t = 1200, value_parser = positive::<u64>)]
    pub session_cache_size: u64,

    /// Entries of the user-profile cache (rendered `/user/me` bodies).
    #[arg(long, env = "NAPALMSKY_USER_CACHE_SIZE", default_value_t = 800, value_parser = positive::<u64>)]
    pub user_cache_size: u64,

    /// Time to live of cache entries.
    #[arg(long, env = "NAPALMSKY_CACHE_TTL", default_value = "60s", value_parser = positive_duration)]
    pub cache_ttl: Duration,
}
