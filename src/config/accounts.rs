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

    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(long, env = "NAPALMSKY_ARGON2_MEMORY_KIB", default_value_t = 19_456, value_parser = clap::value_parser!(u32).range(8..))]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (OWASP: 2).
    #[arg(long, env = "NAPALMSKY_ARGON2_ITERATIONS", default_value_t = 2, value_parser = positive::<u32>)]
    pub argon2_iterations: u32,
}
