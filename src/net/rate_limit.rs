//! Fixed-window rate limits per client IP, with the original's semantics (express-rate-limit 7,
//! in-memory store): a window starts at a client's first counted request; past `limit` hits
//! the answer is 429 with the limiter's body; `RateLimit-*` headers (IETF draft 6) on every
//! answer. A limiter that skips successful requests counts only answers with status >= 400.
//!
//! Hand-written rather than `governor`: GCRA has no fixed window, so it could not reproduce the
//! original's counts, reset times and headers that clients and tests observe.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use super::respond::{Resp, json};
use crate::clock::{Millis, SharedClock, duration_ms};
use crate::config::Config;

pub struct RateLimiter {
    limit: u32,
    window_ms: Millis,
    skip_successful: bool,
    body: Value,
    clock: SharedClock,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    hits: u32,
    reset_at: Millis,
}

/// What one request got from a limiter: attach its headers, and undo it if skipped.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub limited: bool,
    remaining: u32,
    reset_seconds: i64,
}

impl RateLimiter {
    pub fn new(
        limit: u32,
        window: Duration,
        skip_successful: bool,
        body: Value,
        clock: SharedClock,
    ) -> Self {
        Self {
            limit,
            window_ms: duration_ms(window).max(1),
            skip_successful,
            body,
            clock,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip`.
    pub fn hit(&self, ip: IpAddr) -> Decision {
        let now = self.clock.now_ms();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(ip).or_insert(Window {
            hits: 0,
            reset_at: now + self.window_ms,
        });
        if window.reset_at <= now {
            *window = Window {
                hits: 0,
                reset_at: now + self.window_ms,
            };
        }
        window.hits = window.hits.saturating_add(1);
        Decision {
            limited: window.hits > self.limit,
            remaining: self.limit.saturating_sub(window.hits),
            reset_seconds: ((window.reset_at - now) + 999) / 1000,
        }
    }

    /// Called with the final status; takes back the hit of a successful request if this
    /// limiter only counts failures.
    pub fn finish(&self, ip: IpAddr, status: StatusCode) {
        if !self.skip_successful || status.as_u16() >= 400 {
            return;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(window) = windows.get_mut(&ip) {
            window.hits = window.hits.saturating_sub(1);
        }
    }

    pub fn limited_response(&self, decision: &Decision) -> Resp {
        let mut response = json(StatusCode::TOO_MANY_REQUESTS, &self.body);
        if let Ok(value) = HeaderValue::from_str(&decision.reset_seconds.to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }

    pub fn decorate(&self, response: &mut Resp, decision: &Decision) {
        let window_seconds = self.window_ms / 1000;
        let values = [
            (
                "ratelimit-policy",
                format!("{};w={window_seconds}", self.limit),
            ),
            ("ratelimit-limit", self.limit.to_string()),
            ("ratelimit-remaining", decision.remaining.to_string()),
            ("ratelimit-reset", decision.reset_seconds.to_string()),
        ];
        for (name, value) in values {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
    }

    /// Forgets windows that have ended; run periodically so the map stays bounded by the
    /// number of clients seen within one window.
    pub fn purge_expired(&self) -> usize {
        let now = self.clock.now_ms();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let before = windows.len();
        windows.retain(|_, w| w.reset_at > now);
        before - windows.len()
    }
}

/// The limiters of the original's table (§4.7) that the current routes use.
pub struct RateLimits {
    pub auth: RateLimiter,
    pub api: RateLimiter,
}

impl RateLimits {
    pub fn new(config: &Config, clock: &SharedClock) -> Self {
        let minutes = |d: Duration| d.as_secs().div_ceil(60);
        let auth_window = config.auth_rate_window;
        let api_window = config.api_rate_window;
        Self {
            auth: RateLimiter::new(
                config.auth_rate_limit,
                auth_window,
                true,
                serde_json::json!({
                    "error": "Too many login attempts",
                    "message": format!("Please try again in {} minutes", minutes(auth_window)),
                    "retryAfter": auth_window.as_secs(),
                }),
                clock.clone(),
            ),
            api: RateLimiter::new(
                config.api_rate_limit,
                api_window,
                false,
                serde_json::json!({
                    "error": "Too many requests",
                    "message": format!("Rate limit exceeded. Please wait {} minute{}.", minutes(api_window), if minutes(api_window) == 1 { "" } else { "s" }),
                    "retryAfter": api_window.as_secs(),
                    "retryAfterMinutes": minutes(api_window),
                }),
                clock.clone(),
            ),
        }
    }

    pub fn purge_expired(&self) -> usize {
        self.auth.purge_expired() + self.api.purge_expired()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    fn limiter(skip_successful: bool) -> (RateLimiter, Arc<ManualClock>) {
        let clock = ManualClock::starting_at(1_000_000);
        let shared: SharedClock = clock.clone();
        let limiter = RateLimiter::new(
            3,
            Duration::from_secs(60),
            skip_successful,
            Value::Null,
            shared,
        );
        (limiter, clock)
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn limits_after_max_and_resets_after_the_window() {
        let (limiter, clock) = limiter(false);
        for expected_remaining in [2, 1, 0] {
            let d = limiter.hit(IP);
            assert!(!d.limited);
            assert_eq!(d.remaining, expected_remaining);
            assert_eq!(d.reset_seconds, 60);
        }
        assert!(limiter.hit(IP).limited);
        assert!(
            !limiter.hit(OTHER).limited,
            "other clients are counted apart"
        );
        clock.advance(Duration::from_secs(59));
        let d = limiter.hit(IP);
        assert!(d.limited);
        assert_eq!(d.reset_seconds, 1);
        clock.advance(Duration::from_secs(1));
        assert!(!limiter.hit(IP).limited, "a new window starts");
    }

    #[test]
    fn skip_successful_counts_only_failures() {
        let (limiter, _clock) = limiter(true);
        for _ in 0..10 {
            let _ = limiter.hit(IP);
            limiter.finish(IP, StatusCode::OK);
        }
        for _ in 0..3 {
            assert!(!limiter.hit(IP).limited);
            limiter.finish(IP, StatusCode::UNAUTHORIZED);
        }
        assert!(limiter.hit(IP).limited);
    }

    #[test]
    fn purge_forgets_ended_windows() {
        let (limiter, clock) = limiter(false);
        let _ = limiter.hit(IP);
        assert_eq!(limiter.purge_expired(), 0);
        clock.advance(Duration::from_secs(61));
        assert_eq!(limiter.purge_expired(), 1);
    }
}
