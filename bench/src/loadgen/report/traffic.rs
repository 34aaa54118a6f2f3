//! The HTTP traffic of the clients' timers, as rates over the steady phase (the counters
//! cover only it, see [`Counter::steady_phase_only`]).

use serde::Serialize;

use crate::loadgen::metrics::{Collected, Counter};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Traffic {
    /// Seconds the counts cover: the steady phase (`--duration`).
    pub window_s: f64,
    /// Users connected at its end: the per-user rates' divisor.
    pub users: u64,
    /// `GET /room/queue` sent by the poll timer or an overlay opening.
    pub queue_polls: u64,
    /// `GET /room/queue` sent after a "became available" announcement.
    pub queue_reactive: u64,
    pub queue_polls_per_user_s: Option<f64>,
    pub queue_reactive_per_user_s: Option<f64>,
    /// Sum of the `/room/queue` body lengths.
    pub queue_bytes: u64,
    pub queue_bytes_per_s: Option<f64>,
    pub stats_live: u64,
    pub stats_live_per_s: Option<f64>,
}

/// `count / divisor` rounded to `places` decimals; `None` without a divisor.
fn rate(count: u64, divisor: f64, places: i32) -> Option<f64> {
    let scale = 10f64.powi(places);
    (divisor > 0.0).then(|| (count as f64 / divisor * scale).round() / scale)
}

pub fn traffic(all: &Collected, window_s: f64, users: u64) -> Traffic {
    let user_seconds = window_s * users as f64;
    let queue_polls = all.counter(Counter::QueuePolls);
    let queue_reactive = all.counter(Counter::QueueReactive);
    let queue_bytes = all.counter(Counter::QueueBytes);
    let stats_live = all.counter(Counter::StatsLive);
    Traffic {
        window_s,
        users,
        queue_polls,
        queue_reactive,
        queue_polls_per_user_s: rate(queue_polls, user_seconds, 4),
        queue_reactive_per_user_s: rate(queue_reactive, user_seconds, 4),
        queue_bytes,
        queue_bytes_per_s: rate(queue_bytes, window_s, 0),
        stats_live,
        stats_live_per_s: rate(stats_live, window_s, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loadgen::metrics::Metrics;

    #[test]
    fn rates_per_second_and_per_user_second() {
        let m = Metrics::default();
        m.count(Counter::QueuePolls, 200);
        m.count(Counter::QueueReactive, 50);
        m.count(Counter::QueueBytes, 1_000_000);
        m.count(Counter::StatsLive, 100);
        let t = traffic(&m.snapshot(), 10.0, 100);
        assert_eq!(t.queue_polls_per_user_s, Some(0.2));
        assert_eq!(t.queue_reactive_per_user_s, Some(0.05));
        assert_eq!(t.queue_bytes_per_s, Some(100_000.0));
        assert_eq!(t.stats_live_per_s, Some(10.0));
        let none = traffic(&m.snapshot(), 0.0, 100);
        assert_eq!(none.queue_polls, 200);
        assert_eq!(
            (none.queue_polls_per_user_s, none.stats_live_per_s),
            (None, None)
        );
        assert_eq!(traffic(&m.snapshot(), 10.0, 0).queue_polls_per_user_s, None);
    }
}
