//! Rate limits per client IP (per user for TURN).

use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Rate limits")]
pub struct LimitsConfig {
    /// Failed `/auth` and `/admin` requests per IP per auth window.
    #[arg(long, env = "NAPALMSKY_AUTH_RATE_LIMIT", default_value_t = 6, value_parser = positive::<u32>)]
    pub auth_rate_limit: u32,

    /// Window of the auth rate limit.
    #[arg(long, env = "NAPALMSKY_AUTH_RATE_WINDOW", default_value = "10m", value_parser = positive_duration)]
    pub auth_rate_window: Duration,

    /// Guest signups per IP per auth window (the original limited only failed ones, §7.32).
    #[arg(long, env = "NAPALMSKY_SIGNUP_RATE_LIMIT", default_value_t = 30, value_parser = positive::<u32>)]
    pub signup_rate_limit: u32,

    /// Requests per IP per API window on `/user`, `/room`, `/media`, `/referral`.
    #[arg(long, env = "NAPALMSKY_API_RATE_LIMIT", default_value_t = 500, value_parser = positive::<u32>)]
    pub api_rate_limit: u32,

    /// Window of the API rate limit.
    #[arg(long, env = "NAPALMSKY_API_RATE_WINDOW", default_value = "1m", value_parser = positive_duration)]
    pub api_rate_window: Duration,

    /// `GET /turn/credentials` requests per user (not per IP) per TURN window. The original's
    /// 10 per IP cut off everyone behind one NAT; a repeated request within half the
    /// credential's TTL gets the same credential, so most calls cost nothing.
    #[arg(long, env = "NAPALMSKY_TURN_RATE_LIMIT", default_value_t = 60, value_parser = positive::<u32>)]
    pub turn_rate_limit: u32,

    /// Window of the TURN rate limit.
    #[arg(long, env = "NAPALMSKY_TURN_RATE_WINDOW", default_value = "1h", value_parser = positive_duration)]
    pub turn_rate_window: Duration,

    /// Realtime handshakes (new Engine.IO sessions, either transport) per IP per handshake
    /// window: a reconnect storm behind one NAT fits, a script opening thousands does not.
    #[arg(long, env = "NAPALMSKY_HANDSHAKE_RATE_LIMIT", default_value_t = 200, value_parser = positive::<u32>)]
    pub handshake_rate_limit: u32,

    /// Window of the handshake rate limit.
    #[arg(long, env = "NAPALMSKY_HANDSHAKE_RATE_WINDOW", default_value = "10s", value_parser = positive_duration)]
    pub handshake_rate_window: Duration,

    /// Report requests per IP per report window.
    #[arg(long, env = "NAPALMSKY_REPORT_RATE_LIMIT", default_value_t = 50, value_parser = positive::<u32>)]
    pub report_rate_limit: u32,

    /// Window of the report rate limit.
    #[arg(long, env = "NAPALMSKY_REPORT_RATE_WINDOW", default_value = "1h", value_parser = positive_duration)]
    pub report_rate_window: Duration,

    /// Invite-code checks per IP per validate-code window (`POST /payment/validate-code`,
    /// and `GET /payment/qr/:code` for a code that does not exist).
    #[arg(long, env = "NAPALMSKY_VALIDATE_CODE_RATE_LIMIT", default_value_t = 5, value_parser = positive::<u32>)]
    pub validate_code_rate_limit: u32,

    /// Window of the validate-code limit, fixed from a client's first attempt.
    #[arg(long, env = "NAPALMSKY_VALIDATE_CODE_RATE_WINDOW", default_value = "1h", value_parser = positive_duration)]
    pub validate_code_rate_window: Duration,
}
