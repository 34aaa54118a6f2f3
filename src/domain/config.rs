//! The thresholds of the realtime rules, as plain data.
//!
//! The CLI (`crate::config`) owns the flags; the app copies them into a `DomainConfig` so the
//! domain stays independent of clap and can be built with any values in tests.

use serde_json::Value;

/// Every limit the realtime domain enforces. Times are milliseconds, call lengths seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainConfig {
    /// How long an unanswered invite lives on the server: a safety net for vanished
    /// clients, longer than the client's own 20 s flow (the callee's dialog declines by
    /// itself at 0; the caller is offered "Keep waiting" at 20 s), so the server never ends
    /// an invite the client is still handling. The original never expired invites.
    pub invite_ttl_ms: i64,
    /// Added to an invite's expiry by each `call:extend-wait`.
    pub invite_extension_ms: i64,
    /// How many times one invite may be extended, so a caller cannot hold a callee forever.
    pub invite_max_extensions: u32,
    /// Shortest call length a side may request.
    pub min_call_seconds: u32,
    /// Longest call length a side may request.
    pub max_call_seconds: u32,
    /// A room is closed by the server this long after its agreed length ran out; the client
    /// normally ends the call itself at 0, this is the backstop against leaked rooms.
    pub call_grace_ms: i64,
    /// After a user's last socket drops, this long to reconnect before full cleanup.
    pub disconnect_grace_ms: i64,
    /// Cooldown for a pair after a real call or a decline.
    pub call_cooldown_ms: i64,
    /// Cooldown for a pair after a rescinded (or expired) invite.
    pub rescind_cooldown_ms: i64,
    /// A call at least this long is recorded in both users' history and metrics, and puts the
    /// pair on the call cooldown.
    pub history_min_seconds: u32,
    /// A call at least this long counts as a completed session (QR unlock progress).
    pub completion_min_seconds: u32,
    /// Sockets one user may hold at once; past it the oldest is closed.
    pub max_sockets_per_user: usize,
    /// Sockets the whole server accepts; past it new sockets are refused.
    pub max_connections: usize,
    /// Messages (chat and socials) kept per room for the history; later ones are still
    /// delivered but not recorded, so a chatty room cannot grow memory without bound.
    pub max_room_messages: usize,
}

impl Default for DomainConfig {
    fn default() -> Self {
        Self {
            invite_ttl_ms: 45_000,
            invite_extension_ms: 20_000,
            invite_max_extensions: 3,
            min_call_seconds: 60,
            max_call_seconds: 1800,
            call_grace_ms: 10_000,
            disconnect_grace_ms: 5_000,
            call_cooldown_ms: 24 * 60 * 60 * 1000,
            rescind_cooldown_ms: 60 * 60 * 1000,
            history_min_seconds: 5,
            completion_min_seconds: 30,
            max_sockets_per_user: 2,
            max_connections: 5000,
            max_room_messages: 1000,
        }
    }
}

impl DomainConfig {
    /// A client's `requestedSeconds`: an integer (JS `Number.isInteger`, so `300.0` counts) in
    /// `[min_call_seconds, max_call_seconds]`. Strings, fractions and anything else are `None`.
    pub fn call_seconds(&self, value: &Value) -> Option<u32> {
        let n = match value {
            Value::Number(n) => n,
            _ => return None,
        };
        let whole = if let Some(u) = n.as_u64() {
            u
        } else {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || f < 0.0 || f > f64::from(u32::MAX) {
                return None;
            }
            // Exact: `f` is a whole number within u32 range.
            f as u64
        };
        let secs = u32::try_from(whole).ok()?;
        (self.min_call_seconds..=self.max_call_seconds)
            .contains(&secs)
            .then_some(secs)
    }

    /// The grace after the agreed length, in whole seconds (caps a recorded call duration).
    pub(crate) fn call_grace_seconds(&self) -> u32 {
        u32::try_from(self.call_grace_ms.max(0) / 1000).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn call_seconds_accepts_integers_in_range_only() {
        let c = DomainConfig::default();
        assert_eq!(c.call_seconds(&json!(60)), Some(60));
        assert_eq!(c.call_seconds(&json!(1800)), Some(1800));
        assert_eq!(c.call_seconds(&json!(300.0)), Some(300));
        assert_eq!(c.call_seconds(&json!(59)), None);
        assert_eq!(c.call_seconds(&json!(1801)), None);
        assert_eq!(c.call_seconds(&json!(90.5)), None);
        assert_eq!(c.call_seconds(&json!(-60)), None);
        assert_eq!(c.call_seconds(&json!("300")), None);
        assert_eq!(c.call_seconds(&Value::Null), None);
        assert_eq!(c.call_seconds(&json!(1e300)), None);
        assert_eq!(c.call_seconds(&json!(u64::MAX)), None);
    }

    #[test]
    fn defaults_match_the_original() {
        let c = DomainConfig::default();
        assert_eq!(c.invite_ttl_ms, 45_000, "past the client's 20 s dialog");
        assert_eq!(c.call_cooldown_ms, 86_400_000);
        assert_eq!(c.rescind_cooldown_ms, 3_600_000);
        assert_eq!((c.min_call_seconds, c.max_call_seconds), (60, 1800));
        assert_eq!((c.max_sockets_per_user, c.max_connections), (2, 5000));
        assert_eq!(c.call_grace_seconds(), 10);
    }
}
