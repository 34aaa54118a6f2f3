//! Per-socket event rate limit: a token bucket (`--socket-event-rate` per second, bursts up to
//! `--socket-event-burst`).

pub struct TokenBucket {
    tokens: f64,
    rate_per_ms: f64,
    burst: f64,
    last_ms: i64,
}

impl TokenBucket {
    pub fn new(rate_per_second: u32, burst: u32, now_ms: i64) -> Self {
        Self {
            tokens: f64::from(burst),
            rate_per_ms: f64::from(rate_per_second) / 1000.0,
            burst: f64::from(burst),
            last_ms: now_ms,
        }
    }

    /// Takes one token; false when the socket is over its rate.
    pub fn take(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.last_ms).max(0) as f64;
        self.last_ms = now_ms.max(self.last_ms);
        self.tokens = (self.tokens + elapsed * self.rate_per_ms).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let mut bucket = TokenBucket::new(10, 3, 0);
        assert!(bucket.take(0) && bucket.take(0) && bucket.take(0));
        assert!(!bucket.take(0));
        assert!(!bucket.take(50), "half a token after 50 ms");
        assert!(bucket.take(100));
        assert!(bucket.take(10_000));
        assert!(bucket.take(10_000) && bucket.take(10_000));
        assert!(!bucket.take(10_000), "refill never exceeds the burst");
    }
}
