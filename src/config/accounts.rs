//! Session lifetimes and password hashing.

use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Accounts")]
pub struct AccountsConfig {
    /// Lifetime of a guest session.
    #[arg(long, env = "NAPALMSKY_GUEST_SESSION_TTL", default_value = "7d", value_parser = positive_duration)]
    pub guest_session_ttl: Duration,

    /// Lifetime of a permanent account's session (login, link).
    #[arg(long, env = "NAPALMSKY_PERMANENT_SESSION_TTL", default_value = "30d", value_parser = positive_duration)]
    pub permanent_session_ttl: Duration,

    /// Password hashes computed at once (each Argon2id hash holds its memory cost).
    #[arg(long, env = "NAPALMSKY_PASSWORD_HASH_CONCURRENCY", default_value_t = 2, value_parser = positive::<usize>)]
    pub password_hash_concurrency: usize,

    /// Password hashes that may wait for a free hashing slot; past it a login, link or admin
    /// login is refused at once with 503 (a flood of wrong passwords cannot make everyone's
    /// login wait behind it).
    #[arg(long, env = "NAPALMSKY_PASSWORD_HASH_QUEUE", default_value_t = 32)]
    pub password_hash_queue: usize,

    /// Wrong passwords per account within `--login-failure-window` before its password is
    /// not checked again until the window ends.
    #[arg(long, env = "NAPALMSKY_LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 5, value_parser = positive::<u32>)]
    pub login_failures_per_account: u32,

    /// The window of `--login-failures-per-account`, from an account's first failure.
    #[arg(long, env = "NAPALMSKY_LOGIN_FAILURE_WINDOW", default_value = "15m", value_parser = positive_duration)]
    pub login_failure_window: Duration,

    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(long, env = "NAPALMSKY_ARGON2_MEMORY_KIB", default_value_t = 19_456, value_parser = clap::value_parser!(u32).range(8..))]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (OWASP: 2).
    #[arg(long, env = "NAPALMSKY_ARGON2_ITERATIONS", default_value_t = 2, value_parser = positive::<u32>)]
    pub argon2_iterations: u32,
}
