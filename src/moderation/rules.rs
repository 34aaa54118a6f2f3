//! The numbers of the moderation rules (from `--auto-ban-reporters` and
//! `--shared-address-window`).

use crate::clock::{Millis, duration_ms};
use crate::config::ModerationConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModerationRules {
    /// Distinct reporters since the user's last vindication that ban the user.
    pub auto_ban_reporters: u32,
    /// An address another user who is not banned used within this long is not IP-banned.
    pub shared_address_window_ms: Millis,
}

impl From<&ModerationConfig> for ModerationRules {
    fn from(config: &ModerationConfig) -> Self {
        Self {
            auto_ban_reporters: config.auto_ban_reporters,
            shared_address_window_ms: duration_ms(config.shared_address_window),
        }
    }
}
