//! The run's one JSON document (and a plain-text summary and the SVG plot built from it).
//!
//! Built from the measurements of one or more processes plus, in a `--processes` run, the
//! parent's samples of the server. Histograms are merged before percentiles are taken, so the
//! percentiles of a multi-process run are exact, not averages of percentiles.

pub mod svg;
pub mod traffic;

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use self::traffic::{Traffic, traffic};
use super::args::Settings;
use super::metrics::{Collected, Counter, Step};
use super::proc_sampler::Sample;

/// Users of the run, summed over processes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UserCounts {
    pub requested: u64,
    pub signed_up: u64,
    /// Most users authenticated at the same time (sum of the processes' peaks).
    pub connected_peak: u64,
    /// Users authenticated when the steady phase ended.
    pub connected_end: u64,
}

impl UserCounts {
    pub fn add(&mut self, other: &UserCounts) {
        self.requested += other.requested;
        self.signed_up += other.signed_up;
        self.connected_peak += other.connected_peak;
        self.connected_end += other.connected_end;
    }
}

/// What one generator process hands to the report.
#[derive(Debug, Clone, Default)]
pub struct ProcessResult {
    pub collected: Collected,
    pub samples: Vec<Sample>,
    pub users: UserCounts,
    pub ramp_s: f64,
    pub elapsed_s: f64,
}

/// Percentiles of one step, in milliseconds (`None` without samples).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StepSummary {
    pub count: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
}

/// Microseconds to milliseconds, rounded to the microsecond.
fn ms(us: f64) -> f64 {
    us.round() / 1000.0
}

/// p50/p95/p99/max/mean of a microsecond histogram, as milliseconds rounded to 1 µs.
pub fn summarize(h: Option<&Histogram<u64>>) -> StepSummary {
    match h {
        Some(h) if !h.is_empty() => StepSummary {
            count: h.len(),
            p50_ms: Some(ms(h.value_at_quantile(0.50) as f64)),
            p95_ms: Some(ms(h.value_at_quantile(0.95) as f64)),
            p99_ms: Some(ms(h.value_at_quantile(0.99) as f64)),
            max_ms: Some(ms(h.max() as f64)),
            mean_ms: Some(ms(h.mean())),
        },
        _ => StepSummary::default(),
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Errors {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServerSummary {
    pub pid: Option<u32>,
    pub cpu_percent_mean: Option<f64>,
    pub cpu_percent_max: Option<f64>,
    /// RSS before the first user connected.
    pub rss_mb_start: Option<f64>,
    pub rss_mb_max: Option<f64>,
    /// RSS at the last sample with users connected (end of the steady phase).
    pub rss_mb_end: Option<f64>,
    /// `(rss_end - rss_start) / connected` at that sample: memory per connected user.
    pub rss_kb_per_connected_user: Option<f64>,
}

/// One second of the run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SeriesPoint {
    pub t: u64,
    pub connected: u64,
    pub loadgen_cpu_percent: Option<f64>,
    pub server_cpu_percent: Option<f64>,
    pub server_rss_mb: Option<f64>,
    pub invite_notify_p99_ms: Option<f64>,
    pub rtc_relay_p99_ms: Option<f64>,
}

/// The JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: String,
    /// No errors were counted.
    pub ok: bool,
    pub parameters: Settings,
    pub started_at_ms: u64,
    pub ramp_s: f64,
    pub elapsed_s: f64,
    pub users: UserCounts,
    /// Step name -> percentiles; every step is present, with `count: 0` when unmeasured.
    pub steps: BTreeMap<String, StepSummary>,
    pub outcomes: BTreeMap<String, u64>,
    pub errors: Errors,
    /// `error {message}` events received, tolerated races included.
    pub server_error_events: BTreeMap<String, u64>,
    pub events_received: BTreeMap<String, u64>,
    /// What the clients fetched over HTTP in the steady phase.
    pub traffic: Traffic,
    /// `--check-presence`: (observer, subject, change) triples compared, and of those the
    /// changes the observer missed (each also an error `presence:missed`); null without it.
    pub presence_checked: Option<u64>,
    pub presence_missed: Option<u64>,
    pub server: ServerSummary,
    pub series: Vec<SeriesPoint>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn add_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Merges the processes' samples second by second: connected users and generator CPU add up;
/// the server's figures come from `parent` when given (a `--processes` run), else from the
/// single process. Per-second p99s come from the merged per-second histograms.
pub fn merge_series(
    processes: &[&[Sample]],
    parent: Option<&[Sample]>,
    all: &Collected,
) -> Vec<SeriesPoint> {
    let mut by_t: BTreeMap<u64, SeriesPoint> = BTreeMap::new();
    for samples in processes {
        // One point per second per process (the last one wins if the timer jittered).
        let mut own: BTreeMap<u64, &Sample> = BTreeMap::new();
        for s in *samples {
            own.insert(s.t, s);
        }
        for (t, s) in own {
            let point = by_t.entry(t).or_default();
            point.t = t;
            point.connected += s.connected;
            point.loadgen_cpu_percent = add_opt(point.loadgen_cpu_percent, s.loadgen_cpu_percent);
            if parent.is_none() {
                point.server_cpu_percent = s.server_cpu_percent;
                point.server_rss_mb = s.server_rss_mb;
            }
        }
    }
    for s in parent.unwrap_or_default() {
        let point = by_t.entry(s.t).or_default();
        point.t = s.t;
        point.server_cpu_percent = s.server_cpu_percent;
        point.server_rss_mb = s.server_rss_mb;
    }
    let p99 = |step: Step, t: u64| {
        all.per_second
            .get(step.name())
            .and_then(|seconds| seconds.get(&t))
            .and_then(|h| summarize(Some(h)).p99_ms)
    };
    for point in by_t.values_mut() {
        point.invite_notify_p99_ms = p99(Step::InviteNotify, point.t);
        point.rtc_relay_p99_ms = p99(Step::RtcRelay, point.t);
        point.loadgen_cpu_percent = point.loadgen_cpu_percent.map(round2);
        point.server_cpu_percent = point.server_cpu_percent.map(round2);
        point.server_rss_mb = point.server_rss_mb.map(round2);
    }
    by_t.into_values().collect()
}

/// Server CPU and memory figures over the series.
pub fn server_summary(pid: Option<u32>, series: &[SeriesPoint]) -> ServerSummary {
    let cpu: Vec<f64> = series.iter().filter_map(|p| p.server_cpu_percent).collect();
    let rss = || series.iter().filter_map(|p| p.server_rss_mb);
    let start = rss().next();
    let end_point = series
        .iter()
        .rev()
        .find(|p| p.connected > 0 && p.server_rss_mb.is_some());
    let end = end_point.and_then(|p| p.server_rss_mb);
    let per_user = match (start, end_point) {
        (Some(start), Some(p)) => p
            .server_rss_mb
            .map(|end| round2((end - start) * 1024.0 / p.connected as f64)),
        _ => None,
    };
    ServerSummary {
        pid,
        cpu_percent_mean: (!cpu.is_empty())
            .then(|| round2(cpu.iter().sum::<f64>() / cpu.len() as f64)),
        cpu_percent_max: cpu.iter().copied().reduce(f64::max),
        rss_mb_start: start,
        rss_mb_max: rss().reduce(f64::max),
        rss_mb_end: end,
        rss_kb_per_connected_user: per_user,
    }
}

/// Builds the report. An empty run (nobody connected) is an error in itself.
pub fn build(
    settings: &Settings,
    results: &[ProcessResult],
    parent_samples: Option<&[Sample]>,
    started_at_ms: u64,
) -> Report {
    let mut all = Collected::default();
    let mut users = UserCounts::default();
    for r in results {
        all.merge(&r.collected);
        users.add(&r.users);
    }
    if users.connected_peak == 0 {
        *all.errors
            .entry("run:no_user_connected".into())
            .or_default() += 1;
    }
    let samples: Vec<&[Sample]> = results.iter().map(|r| r.samples.as_slice()).collect();
    let series = merge_series(&samples, parent_samples, &all);
    let steps = Step::ALL
        .iter()
        .map(|step| {
            (
                step.name().to_owned(),
                summarize(all.steps.get(step.name())),
            )
        })
        .collect();
    let total = all.error_total();
    let traffic = traffic(&all, settings.duration_s, users.connected_end);
    let max = |f: fn(&ProcessResult) -> f64| round2(results.iter().map(f).fold(0.0, f64::max));
    Report {
        tool: "napalmsky-loadgen".into(),
        ok: total == 0,
        parameters: settings.clone(),
        started_at_ms,
        ramp_s: max(|r| r.ramp_s),
        elapsed_s: max(|r| r.elapsed_s),
        users,
        steps,
        outcomes: all.outcomes.clone(),
        errors: Errors {
            total,
            by_kind: all.errors.clone(),
        },
        server_error_events: all.server_errors.clone(),
        events_received: all.events.clone(),
        traffic,
        presence_checked: settings
            .check_presence
            .then(|| all.counter(Counter::PresenceChecked)),
        presence_missed: settings
            .check_presence
            .then(|| all.counter(Counter::PresenceMissed)),
        server: server_summary(settings.server_pid, &series),
        series,
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// Per-user rates are a fraction of one per second: four decimals.
fn fmt_rate(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

/// A few lines for a human watching the terminal (the JSON has everything).
pub fn summary_text(report: &Report) -> String {
    let mut out = format!(
        "loadgen: {} users requested, {} signed up, peak {} connected; ramp {:.1} s, total {:.1} s\n\
         step            count      p50      p95      p99      max   (ms)\n",
        report.users.requested,
        report.users.signed_up,
        report.users.connected_peak,
        report.ramp_s,
        report.elapsed_s
    );
    for (name, s) in &report.steps {
        out.push_str(&format!(
            "{name:<14} {:>6} {:>8} {:>8} {:>8} {:>8}\n",
            s.count,
            fmt_opt(s.p50_ms),
            fmt_opt(s.p95_ms),
            fmt_opt(s.p99_ms),
            fmt_opt(s.max_ms)
        ));
    }
    let server = &report.server;
    if server.pid.is_some() {
        out.push_str(&format!(
            "server: cpu mean {}% max {}%, rss start {} MB max {} MB end {} MB ({} kB per connected user)\n",
            fmt_opt(server.cpu_percent_mean),
            fmt_opt(server.cpu_percent_max),
            fmt_opt(server.rss_mb_start),
            fmt_opt(server.rss_mb_max),
            fmt_opt(server.rss_mb_end),
            fmt_opt(server.rss_kb_per_connected_user)
        ));
    }
    let t = &report.traffic;
    out.push_str(&format!(
        "http ({} model, steady {:.0} s, {} users): /room/queue {} polls + {} reactive per user per s, {} bytes/s; /stats/live {}/s\n",
        report.parameters.client_model.name(),
        t.window_s,
        t.users,
        fmt_rate(t.queue_polls_per_user_s),
        fmt_rate(t.queue_reactive_per_user_s),
        fmt_opt(t.queue_bytes_per_s),
        fmt_opt(t.stats_live_per_s),
    ));
    if let (Some(checked), Some(missed)) = (report.presence_checked, report.presence_missed) {
        out.push_str(&format!(
            "presence check: {checked} changes checked, {missed} missed\n"
        ));
    }
    out.push_str(&format!("outcomes: {:?}\n", report.outcomes));
    out.push_str(&format!(
        "errors: {} {:?}\n",
        report.errors.total, report.errors.by_kind
    ));
    out
}

#[cfg(test)]
mod tests;
