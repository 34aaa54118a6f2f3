//! The command line: `napalmsky serve`, `replay`, `import`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "napalmsky",
    version,
    about = "Napalm Sky backend: one binary, one data directory"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP and realtime server.
    Serve(Box<Config>),
    /// Offline: push a data directory into PostgreSQL (pending changes, or everything).
    Replay(ReplayArgs),
    /// One-time migration of an original Napalm Sky database into a new data directory.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Data directory (no server may be running on it).
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The mirror to write.
    #[arg(long, env = "NAPALMSKY_POSTGRES_URL", hide_env_values = true)]
    pub postgres_url: String,
    /// Write every record (rebuild the mirror), deleting mirror rows the store no longer has.
    #[arg(long)]
    pub full: bool,
    /// Compare counts and checksums of both sides; exit non-zero on a difference.
    #[arg(long)]
    pub verify: bool,
    /// Only report what would be written.
    #[arg(long)]
    pub dry_run: bool,
    /// Outbox entries (or records, with --full) per Postgres transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The original server's database.
    #[arg(long, hide_env_values = true)]
    pub from_postgres: String,
    /// The new data directory to fill (must not hold any users yet).
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}
