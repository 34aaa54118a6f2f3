//! Fixed-window rate limits per client IP (or per user, for `/turn`), with the original's semantics (express-rate-limit 7,
//! in-memory store): a window starts at a client's first counted request; past `limit` hits
//! the answer is 429 with the limiter's body; `RateLimit-*` headers (IETF draft 6) on every
//! answer. A limiter that skips successful requests counts only answers with status >= 400.
//!
//! Hand-written rather than `governor`: GCRA has no fixed window, so it could not reproduce the
//! original's counts, reset times and headers that clients and tests observe.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use super::respond::{Resp, json};
use crate::clock::{Millis, SharedClock, duration_ms};
use crate::config::LimitsConfig;
use crate::store::Id;

const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Counts per key: the client IP for the router's limiters, the user id for TURN (a
/// per-user limit spares everyone behind one NAT).
pub struct RateLimiter<K = IpAddr> {
    limit: u32,
    /// `<limit>;w=<window seconds>`.
    policy: HeaderValue,
    window_ms: Millis,
    skip_successful: bool,
    body: Value,
    clock: SharedClock,
    /// Read-locked on the hot path: an existing client's window is updated with atomics, so
    /// concurrent requests do not serialize on one lock. Written only for new clients and
    /// the purge.
    windows: RwLock<HashMap<K, Arc<Window>>>,
}

#[derive(Debug)]
struct Window {
    hits: AtomicU32,
    reset_at: AtomicI64,
}

/// What one request got from a limiter: attach its headers, and undo it if skipped.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub limited: bool,
    remaining: u32,
    reset_seconds: i64,
    reset_ms: Millis,
}

impl Decision {
    /// Requests left in the window.
    pub fn remaining(&self) -> u32 {
        self.remaining
    }

    /// Milliseconds until the window ends.
    pub fn reset_ms(&self) -> Millis {
        self.reset_ms
    }
}

impl<K: Copy + Eq + Hash> RateLimiter<K> {
    pub fn new(
        limit: u32,
        window: Duration,
        skip_successful: bool,
        body: Value,
        clock: SharedClock,
    ) -> Self {
        let window_ms = duration_ms(window).max(1);
        let policy = HeaderValue::from_str(&format!("{limit};w={}", window_ms / 1000))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        Self {
            limit,
            policy,
            window_ms,
            skip_successful,
            body,
            clock,
            windows: RwLock::new(HashMap::new()),
        }
    }

    /// Counts one request from `key`.
    pub fn hit(&self, key: K) -> Decision {
        let now = self.clock.now_ms();
        let window = self.window_of(key, now);
        let reset_at = window.reset_at.load(Ordering::Acquire);
        if reset_at <= now
            && window
                .reset_at
                .compare_exchange(
                    reset_at,
                    now + self.window_ms,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            // This request opened the new window; concurrent ones count into it.
            window.hits.store(0, Ordering::Release);
        }
        let hits = window.hits.fetch_add(1, Ordering::AcqRel).saturating_add(1);
        let reset_at = window.reset_at.load(Ordering::Acquire);
        let reset_ms = (reset_at - now).max(0);
        Decision {
            limited: hits > self.limit,
            remaining: self.limit.saturating_sub(hits),
            reset_seconds: (reset_ms + 999) / 1000,
            reset_ms,
        }
    }

    /// Whether `key` has no request left in its current window, without counting one.
    pub fn exhausted(&self, key: K) -> bool {
        let now = self.clock.now_ms();
        self.read().get(&key).is_some_and(|window| {
            window.reset_at.load(Ordering::Acquire) > now
                && window.hits.load(Ordering::Acquire) >= self.limit
        })
    }

    fn window_of(&self, key: K, now: Millis) -> Arc<Window> {
        if let Some(window) = self.read().get(&key) {
            return window.clone();
        }
        let mut windows = self.windows.write().unwrap_or_else(|p| p.into_inner());
        windows
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Window {
                    hits: AtomicU32::new(0),
                    reset_at: AtomicI64::new(now + self.window_ms),
                })
            })
            .clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<K, Arc<Window>>> {
        self.windows.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Called with the final status; takes back the hit of a successful request if this
    /// limiter only counts failures.
    pub fn finish(&self, key: K, status: StatusCode) {
        if !self.skip_successful || status.as_u16() >= 400 {
            return;
        }
        if let Some(window) = self.read().get(&key) {
            let _ = window
                .hits
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| {
                    Some(h.saturating_sub(1))
                });
        }
    }

    pub fn limited_response(&self, decision: &Decision) -> Resp {
        let mut response = json(StatusCode::TOO_MANY_REQUESTS, &self.body);
        if let Ok(value) = HeaderValue::from_str(&decision.reset_seconds.to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }

    /// The `RateLimit-*` headers (draft 6). Numbers convert to header values without a
    /// formatted string; the policy is fixed per limiter and built once.
    pub fn decorate(&self, response: &mut Resp, decision: &Decision) {
        let headers = response.headers_mut();
        headers.insert(RATELIMIT_POLICY, self.policy.clone());
        headers.insert(RATELIMIT_LIMIT, HeaderValue::from(self.limit));
        headers.insert(RATELIMIT_REMAINING, HeaderValue::from(decision.remaining));
        headers.insert(RATELIMIT_RESET, HeaderValue::from(decision.reset_seconds));
    }

    /// Forgets windows that have ended; run periodically so the map stays bounded by the
    /// number of clients (or users) seen within one window.
    pub fn purge_expired(&self) -> usize {
        let now = self.clock.now_ms();
        let mut windows = self.windows.write().unwrap_or_else(|p| p.into_inner());
        let before = windows.len();
        windows.retain(|_, w| w.reset_at.load(Ordering::Acquire) > now);
        before - windows.len()
    }
}

/// New realtime sessions per IP (`--handshake-rate-limit`); held by the transports.
pub fn handshake_limiter(config: &LimitsConfig, clock: &SharedClock) -> RateLimiter {
    RateLimiter::new(
        config.handshake_rate_limit,
        config.handshake_rate_window,
        false,
        serde_json::json!({
            "error": "Too many connections",
            "message": "Too many new connections from this address, please retry shortly",
            "retryAfter": config.handshake_rate_window.as_secs(),
        }),
        clock.clone(),
    )
}

/// The limiters of the original's table (§4.7) that the current routes use.
pub struct RateLimits {
    pub auth: RateLimiter,
    pub api: RateLimiter,
    /// Every `POST /auth/guest`, successful or not: account creation is the costly abuse.
    pub signup: RateLimiter,
    /// Every `/report` request.
    pub report: RateLimiter,
    /// Every `POST /payment/validate-code`, and QR requests for unknown codes (its 429 body
    /// is the route's own, with the time left).
    pub validate_code: RateLimiter,
    /// `GET /turn/credentials` per authenticated user, not per IP: the original's 10 per
    /// hour per IP cut off a user's eleventh call of an evening and everyone behind one NAT.
    pub turn: RateLimiter<Id>,
}

impl RateLimits {
    pub fn new(config: &LimitsConfig, clock: &SharedClock) -> Self {
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
            signup: RateLimiter::new(
                config.signup_rate_limit,
                auth_window,
                false,
                serde_json::json!({
                    "error": "Too many signups",
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
            validate_code: RateLimiter::new(
                config.validate_code_rate_limit,
                config.validate_code_rate_window,
                false,
                Value::Null,
                clock.clone(),
            ),
            report: RateLimiter::new(
                config.report_rate_limit,
                config.report_rate_window,
                false,
                serde_json::json!({
                    "error": "Too many reports",
                    "message": "Please wait before submitting another report",
                    "retryAfter": config.report_rate_window.as_secs(),
                }),
                clock.clone(),
            ),
            turn: RateLimiter::new(
                config.turn_rate_limit,
                config.turn_rate_window,
                false,
                serde_json::json!({
                    "error": "Too many TURN credential requests",
                    "message": "Please wait before requesting new credentials",
                    "retryAfter": config.turn_rate_window.as_secs(),
                }),
                clock.clone(),
            ),
        }
    }

    pub fn purge_expired(&self) -> usize {
        self.auth.purge_expired()
            + self.api.purge_expired()
            + self.signup.purge_expired()
            + self.report.purge_expired()
            + self.validate_code.purge_expired()
            + self.turn.purge_expired()
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
    fn any_key_type_counts_apart() {
        let clock = ManualClock::starting_at(1_000_000);
        let shared: SharedClock = clock.clone();
        let per_user: RateLimiter<Id> =
            RateLimiter::new(1, Duration::from_secs(60), false, Value::Null, shared);
        assert!(!per_user.hit([1; 16]).limited);
        assert!(per_user.hit([1; 16]).limited);
        assert!(!per_user.hit([2; 16]).limited, "another user, same address");
        clock.advance(Duration::from_secs(61));
        assert_eq!(per_user.purge_expired(), 2);
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
