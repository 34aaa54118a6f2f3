//! Reports and bans: when reports ban a user, and which of their addresses are spared.

use std::time::Duration;

use clap::Args;

use super::parse::{duration, positive};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Moderation")]
pub struct ModerationConfig {
    /// Distinct reporters (since the user's last vindication) that ban a user pending review.
    #[arg(long, env = "NAPALMSKY_AUTO_BAN_REPORTERS", default_value_t = 4, value_parser = positive::<u32>)]
    pub auto_ban_reporters: u32,

    /// An address of a banned user is not IP-banned if another user who is not banned used it
    /// within this window (a shared NAT or campus address).
    #[arg(long, env = "NAPALMSKY_SHARED_ADDRESS_WINDOW", default_value = "14d", value_parser = duration)]
    pub shared_address_window: Duration,
}
