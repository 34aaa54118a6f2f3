//! Latency histograms, counters and per-second histograms of one generator process, and
//! their portable form ([`Dump`]) that a parent process merges.
//!
//! Values are recorded in microseconds in HDR histograms (3 significant digits, 1 µs to one
//! hour) so percentiles stay exact to 0.1 % whatever the spread, and histograms from several
//! processes add up losslessly. One mutex guards everything: recording happens a few thousand
//! times per second at most (the flood of `presence:update` frames is counted per user and
//! added once at the end), far below what an uncontended mutex costs.

mod counter;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};

pub use self::counter::Counter;

/// What a latency sample measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// `POST /auth/guest` round trip.
    Signup,
    /// TCP connect + WebSocket upgrade + Engine.IO open packet.
    WsOpen,
    /// WebSocket open started -> first `auth:success`.
    Connect,
    /// Socket.IO CONNECT with `auth.token` sent -> first `auth:success`.
    Auth,
    /// `call:invite` sent by the caller -> `call:notify` received by the callee.
    InviteNotify,
    /// `call:accept` sent by the callee -> `call:start` received by the caller.
    AcceptStart,
    /// `rtc:offer` / `rtc:answer` / `rtc:ice` sent -> received by the peer.
    RtcRelay,
    /// `room:chat` sent -> received by the peer.
    ChatRelay,
    /// `GET /room/queue` round trip, polls and reactive fetches alike.
    QueueGet,
    /// `GET /stats/live` round trip (web model).
    StatsLive,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::Signup,
        Step::WsOpen,
        Step::Connect,
        Step::Auth,
        Step::InviteNotify,
        Step::AcceptStart,
        Step::RtcRelay,
        Step::ChatRelay,
        Step::QueueGet,
        Step::StatsLive,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Step::Signup => "signup",
            Step::WsOpen => "ws_open",
            Step::Connect => "connect",
            Step::Auth => "auth",
            Step::InviteNotify => "invite_notify",
            Step::AcceptStart => "accept_start",
            Step::RtcRelay => "rtc_relay",
            Step::ChatRelay => "chat_relay",
            Step::QueueGet => "queue_get",
            Step::StatsLive => "stats_live_get",
        }
    }

    /// The steps whose per-second p99 goes into the time series (the PRODUCT.md targets).
    pub const fn per_second(self) -> bool {
        matches!(self, Step::InviteNotify | Step::RtcRelay)
    }
}

/// A histogram of microseconds from 1 µs to one hour, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    // Constant, valid bounds: this cannot fail.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Everything a process measured, decoded (histograms are live objects).
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub steps: BTreeMap<String, Histogram<u64>>,
    /// Step name -> second index (since the run's epoch) -> histogram.
    pub per_second: BTreeMap<String, BTreeMap<u64, Histogram<u64>>>,
    /// Error kind -> count. Any entry fails the run (unless `--allow-errors`).
    pub errors: BTreeMap<String, u64>,
    /// Normal results of the evening (declines, cooldowns, races) -> count.
    pub outcomes: BTreeMap<String, u64>,
    /// `error {message}` events from the server, by message, tolerated or not.
    pub server_errors: BTreeMap<String, u64>,
    /// Events received, by name.
    pub events: BTreeMap<String, u64>,
    /// [`Counter`] name -> total.
    pub counters: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    if let Some(count) = map.get_mut(key) {
        *count += n;
    } else {
        map.insert(key.to_owned(), n);
    }
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        bump(into, k, *v);
    }
}

fn add_hist(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    // Same bounds everywhere; a failure would only mean values beyond an hour.
    let _ = into.add(from);
}

impl Collected {
    pub fn error_total(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn counter(&self, counter: Counter) -> u64 {
        self.counters.get(counter.name()).copied().unwrap_or(0)
    }

    /// Adds another process's measurements to these.
    pub fn merge(&mut self, other: &Collected) {
        for (name, h) in &other.steps {
            add_hist(
                self.steps.entry(name.clone()).or_insert_with(new_histogram),
                h,
            );
        }
        for (name, seconds) in &other.per_second {
            let mine = self.per_second.entry(name.clone()).or_default();
            for (second, h) in seconds {
                add_hist(mine.entry(*second).or_insert_with(new_histogram), h);
            }
        }
        add_counts(&mut self.errors, &other.errors);
        add_counts(&mut self.outcomes, &other.outcomes);
        add_counts(&mut self.server_errors, &other.server_errors);
        add_counts(&mut self.events, &other.events);
        add_counts(&mut self.counters, &other.counters);
    }

    /// The portable form (histograms as base64 of HdrHistogram's V2 encoding).
    pub fn to_dump(&self) -> Result<Dump, String> {
        let steps = self
            .steps
            .iter()
            .map(|(k, h)| Ok((k.clone(), encode(h)?)))
            .collect::<Result<_, String>>()?;
        let per_second = self
            .per_second
            .iter()
            .map(|(k, seconds)| {
                let enc = seconds
                    .iter()
                    .map(|(s, h)| Ok((*s, encode(h)?)))
                    .collect::<Result<_, String>>()?;
                Ok((k.clone(), enc))
            })
            .collect::<Result<_, String>>()?;
        Ok(Dump {
            steps,
            per_second,
            errors: self.errors.clone(),
            outcomes: self.outcomes.clone(),
            server_errors: self.server_errors.clone(),
            events: self.events.clone(),
            counters: self.counters.clone(),
        })
    }

    pub fn from_dump(dump: &Dump) -> Result<Self, String> {
        let steps = dump
            .steps
            .iter()
            .map(|(k, s)| Ok((k.clone(), decode(s)?)))
            .collect::<Result<_, String>>()?;
        let per_second = dump
            .per_second
            .iter()
            .map(|(k, seconds)| {
                let dec = seconds
                    .iter()
                    .map(|(s, h)| Ok((*s, decode(h)?)))
                    .collect::<Result<_, String>>()?;
                Ok((k.clone(), dec))
            })
            .collect::<Result<_, String>>()?;
        Ok(Collected {
            steps,
            per_second,
            errors: dump.errors.clone(),
            outcomes: dump.outcomes.clone(),
            server_errors: dump.server_errors.clone(),
            events: dump.events.clone(),
            counters: dump.counters.clone(),
        })
    }
}

/// [`Collected`] as JSON-friendly data, for a child process's stdout.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Dump {
    pub steps: BTreeMap<String, String>,
    pub per_second: BTreeMap<String, BTreeMap<u64, String>>,
    pub errors: BTreeMap<String, u64>,
    pub outcomes: BTreeMap<String, u64>,
    pub server_errors: BTreeMap<String, u64>,
    pub events: BTreeMap<String, u64>,
    #[serde(default)]
    pub counters: BTreeMap<String, u64>,
}

fn encode(h: &Histogram<u64>) -> Result<String, String> {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut bytes)
        .map_err(|e| format!("histogram encoding: {e:?}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("histogram base64: {e}"))?;
    let h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("histogram decoding: {e:?}"))?;
    // Re-home into the standard bounds so merging never fails on auto-resized ranges.
    let mut out = new_histogram();
    add_hist(&mut out, &h);
    Ok(out)
}

/// The live, shared recorder of one process.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Collected>,
}

impl Metrics {
    fn lock(&self) -> MutexGuard<'_, Collected> {
        // A panic elsewhere while holding the lock leaves plain counters: keep using them.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One latency sample; `second` indexes the per-second series.
    pub fn record(&self, step: Step, d: Duration, second: u64) {
        let us = micros(d);
        let mut inner = self.lock();
        inner
            .steps
            .entry(step.name().to_owned())
            .or_insert_with(new_histogram)
            .saturating_record(us);
        if step.per_second() {
            inner
                .per_second
                .entry(step.name().to_owned())
                .or_default()
                .entry(second)
                .or_insert_with(new_histogram)
                .saturating_record(us);
        }
    }

    pub fn error(&self, kind: &str) {
        bump(&mut self.lock().errors, kind, 1);
    }

    pub fn outcome(&self, kind: &str) {
        bump(&mut self.lock().outcomes, kind, 1);
    }

    pub fn server_error(&self, message: &str) {
        bump(&mut self.lock().server_errors, message, 1);
    }

    pub fn events(&self, name: &str, n: u64) {
        if n > 0 {
            bump(&mut self.lock().events, name, n);
        }
    }

    /// Adds `n` to a total (whether now counts is the caller's decision, see
    /// [`Counter::steady_phase_only`]).
    pub fn count(&self, counter: Counter, n: u64) {
        bump(&mut self.lock().counters, counter.name(), n);
    }

    pub fn error_total(&self) -> u64 {
        self.lock().error_total()
    }

    pub fn outcome_count(&self, kind: &str) -> u64 {
        self.lock().outcomes.get(kind).copied().unwrap_or(0)
    }

    pub fn snapshot(&self) -> Collected {
        self.lock().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn records_steps_and_per_second_series() {
        let m = Metrics::default();
        m.record(Step::InviteNotify, ms(5), 3);
        m.record(Step::InviteNotify, ms(7), 3);
        m.record(Step::QueueGet, ms(1), 3);
        m.error("timeout:call:start");
        m.error("timeout:call:start");
        m.outcome("declined:cooldown");
        let c = m.snapshot();
        assert_eq!(c.steps["invite_notify"].len(), 2);
        assert_eq!(c.per_second["invite_notify"][&3].len(), 2);
        assert!(!c.per_second.contains_key("queue_get"));
        assert_eq!(c.errors["timeout:call:start"], 2);
        assert_eq!(c.error_total(), 2);
        assert_eq!(m.outcome_count("declined:cooldown"), 1);
    }

    #[test]
    fn dumps_round_trip_and_merge_exactly() {
        let a = Metrics::default();
        let b = Metrics::default();
        for i in 1..=100 {
            a.record(Step::RtcRelay, ms(i), 1);
            b.record(Step::RtcRelay, ms(100 + i), 2);
        }
        a.error("ws:closed");
        b.error("ws:closed");
        b.events("call:start", 4);
        a.count(Counter::QueueBytes, 10);
        b.count(Counter::QueueBytes, 5);
        let json = serde_json::to_string(&b.snapshot().to_dump().unwrap()).unwrap();
        let b_back = Collected::from_dump(&serde_json::from_str(&json).unwrap()).unwrap();
        let mut merged = a.snapshot();
        merged.merge(&b_back);
        let h = &merged.steps["rtc_relay"];
        assert_eq!(h.len(), 200);
        // The median of 1..=200 ms is 100 ms (within HDR's 0.1 %).
        let p50 = h.value_at_quantile(0.5) as f64 / 1000.0;
        assert!((p50 - 100.0).abs() < 0.2, "{p50}");
        assert_eq!(merged.per_second["rtc_relay"].len(), 2);
        assert_eq!(merged.errors["ws:closed"], 2);
        assert_eq!(merged.events["call:start"], 4);
        assert_eq!(merged.counter(Counter::QueueBytes), 15);
        assert_eq!(merged.counter(Counter::StatsLive), 0);
    }

    #[test]
    fn corrupt_dumps_are_errors_not_panics() {
        let mut dump = Dump::default();
        dump.steps.insert("x".into(), "not base64!".into());
        assert!(Collected::from_dump(&dump).is_err());
        dump.steps.insert("x".into(), "AAAA".into());
        assert!(Collected::from_dump(&dump).is_err());
    }
}
