//! The command line: `napalmsky serve`, `replay`, `import`, `admin`, `backup`, `restore`.

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
    /// Offline: manage admin accounts and the users granted admin rights.
    Admin(AdminArgs),
    /// Write a verified backup of a data directory: asks the running server over its
    /// control socket, or copies a stopped directory itself.
    Backup(BackupArgs),
    /// Offline: verify a backup and copy it into a new or empty data directory.
    Restore(RestoreArgs),
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

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Data directory to back up (a server may be running on it).
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Directory to create (or an empty one) for the backup.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A backup directory written by `napalmsky backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Data directory to create; refused if it exists and holds anything.
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

/// `napalmsky admin <command>`. Every command opens the data directory itself, so the server
/// must be stopped (redb allows one process at a time).
#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account. The password is prompted for without echo on a terminal,
    /// otherwise read from the first line of standard input.
    Add(AdminPasswordArgs),
    /// Set a new password (prompted, or stdin's first line) and end the account's sessions.
    Passwd(AdminPasswordArgs),
    /// Remove an admin account and end its sessions.
    Remove(AdminUserArgs),
    /// List the admin accounts and the users granted admin rights.
    List(AdminDirArgs),
    /// Grant admin rights to the user account with this email: its user session then passes
    /// the admin routes' check (for the existing admin page).
    GrantUser(AdminGrantArgs),
    /// Take admin rights back from the user account with this email.
    RevokeUser(AdminEmailArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AdminDirArgs {
    /// Data directory (no server may be running on it).
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct AdminUserArgs {
    /// The admin's username: 1-64 of a-z, 0-9, '.', '_', '-' (upper case is lowered).
    #[arg(long)]
    pub username: String,
    #[command(flatten)]
    pub dir: AdminDirArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AdminPasswordArgs {
    #[command(flatten)]
    pub user: AdminUserArgs,
    /// Argon2id memory cost in KiB of the new hash (the same variable as `serve`'s).
    #[arg(long, env = "NAPALMSKY_ARGON2_MEMORY_KIB", default_value_t = 19_456, value_parser = clap::value_parser!(u32).range(8..))]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations of the new hash (the same variable as `serve`'s).
    #[arg(long, env = "NAPALMSKY_ARGON2_ITERATIONS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub argon2_iterations: u32,
}

#[derive(Debug, Clone, Args)]
pub struct AdminEmailArgs {
    /// The user account's email (matched trimmed and lower-cased, as emails are stored).
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub dir: AdminDirArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AdminGrantArgs {
    #[command(flatten)]
    pub user: AdminEmailArgs,
    /// Who granted it, kept with the grant and shown by `list`.
    #[arg(long, default_value = "napalmsky admin grant-user")]
    pub note: String,
}

impl AdminCommand {
    /// The data directory the command works on.
    pub fn data_dir(&self) -> &std::path::Path {
        let dir = match self {
            Self::Add(args) | Self::Passwd(args) => &args.user.dir,
            Self::Remove(args) => &args.dir,
            Self::List(args) => args,
            Self::GrantUser(args) => &args.user.dir,
            Self::RevokeUser(args) => &args.dir,
        };
        &dir.data_dir
    }
}
