use std::time::Duration;

use clap::Parser as _;

use super::*;
use crate::loadgen::args::Args;
use crate::loadgen::metrics::{Counter, Metrics, new_histogram};

fn settings() -> Settings {
    Args::parse_from(["loadgen", "--users", "4", "--server-pid", "42"])
        .settings()
        .unwrap()
}

fn sample(t: u64, connected: u64, rss: Option<f64>) -> Sample {
    Sample {
        t,
        connected,
        loadgen_cpu_percent: Some(10.0),
        server_cpu_percent: rss.map(|_| 50.0),
        server_rss_mb: rss,
    }
}

#[test]
fn percentiles_of_a_known_distribution() {
    let mut h = new_histogram();
    for ms in 1..=1000u64 {
        h.record(ms * 1000).unwrap();
    }
    let s = summarize(Some(&h));
    assert_eq!(s.count, 1000);
    let close = |v: Option<f64>, want: f64| (v.unwrap() - want).abs() <= want * 0.002;
    assert!(close(s.p50_ms, 500.0), "{s:?}");
    assert!(close(s.p95_ms, 950.0), "{s:?}");
    assert!(close(s.p99_ms, 990.0), "{s:?}");
    assert!(close(s.max_ms, 1000.0), "{s:?}");
    assert!(close(s.mean_ms, 500.5), "{s:?}");
    assert_eq!(summarize(None), StepSummary::default());
    assert_eq!(summarize(Some(&new_histogram())).count, 0);
}

#[test]
fn series_add_processes_and_take_the_server_from_the_parent() {
    let m = Metrics::default();
    m.record(Step::InviteNotify, Duration::from_millis(4), 1);
    m.record(Step::RtcRelay, Duration::from_millis(2), 2);
    let all = m.snapshot();
    let a = [sample(0, 0, None), sample(1, 5, None), sample(1, 6, None)];
    let b = [sample(1, 4, None), sample(2, 4, None)];
    let parent = [sample(1, 0, Some(100.0)), sample(2, 0, Some(120.0))];
    let series = merge_series(&[&a, &b], Some(&parent), &all);
    assert_eq!(series.len(), 3);
    // Second 1: the last sample of process a (6) plus b's 4; CPU adds up too.
    assert_eq!(series[1].connected, 10);
    assert_eq!(series[1].loadgen_cpu_percent, Some(20.0));
    assert_eq!(series[1].server_rss_mb, Some(100.0));
    // HDR reports the highest value equivalent to the sample (3 significant digits).
    let near = |v: Option<f64>, want: f64| v.is_some_and(|v| (v - want).abs() <= want * 0.001);
    assert!(near(series[1].invite_notify_p99_ms, 4.0), "{series:?}");
    assert!(near(series[2].rtc_relay_p99_ms, 2.0), "{series:?}");
    assert_eq!(series[0].invite_notify_p99_ms, None);
}

#[test]
fn server_memory_per_connected_user() {
    let series = vec![
        SeriesPoint {
            t: 0,
            server_rss_mb: Some(10.0),
            server_cpu_percent: Some(0.0),
            ..Default::default()
        },
        SeriesPoint {
            t: 1,
            connected: 1024,
            server_rss_mb: Some(18.0),
            server_cpu_percent: Some(100.0),
            ..Default::default()
        },
        SeriesPoint {
            t: 2,
            connected: 0,
            server_rss_mb: Some(30.0),
            ..Default::default()
        },
    ];
    let s = server_summary(Some(7), &series);
    assert_eq!(s.rss_mb_start, Some(10.0));
    assert_eq!(s.rss_mb_end, Some(18.0));
    assert_eq!(s.rss_mb_max, Some(30.0));
    assert_eq!(s.rss_kb_per_connected_user, Some(8.0));
    assert_eq!(s.cpu_percent_mean, Some(50.0));
    assert_eq!(s.cpu_percent_max, Some(100.0));
}

fn result() -> ProcessResult {
    let m = Metrics::default();
    m.record(Step::Connect, Duration::from_millis(3), 0);
    m.record(Step::RtcRelay, Duration::from_millis(1), 1);
    m.outcome("calls_started");
    ProcessResult {
        collected: m.snapshot(),
        samples: vec![sample(0, 0, Some(5.0)), sample(1, 2, Some(6.0))],
        users: UserCounts {
            requested: 2,
            signed_up: 2,
            connected_peak: 2,
            connected_end: 2,
        },
        ramp_s: 0.1,
        elapsed_s: 2.0,
    }
}

#[test]
fn the_json_document_has_every_section() {
    let report = build(&settings(), &[result(), result()], None, 1000);
    assert!(report.ok);
    let v = serde_json::to_value(&report).unwrap();
    for key in [
        "tool",
        "ok",
        "parameters",
        "started_at_ms",
        "ramp_s",
        "elapsed_s",
        "users",
        "steps",
        "outcomes",
        "errors",
        "server_error_events",
        "events_received",
        "traffic",
        "presence_checked",
        "presence_missed",
        "server",
        "series",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["parameters"]["users"], 4);
    assert_eq!(v["parameters"]["target"], "http://127.0.0.1:3001");
    assert_eq!(v["users"]["signed_up"], 4);
    for step in Step::ALL {
        assert!(v["steps"].get(step.name()).is_some(), "{}", step.name());
    }
    assert_eq!(v["steps"]["connect"]["count"], 2);
    assert_eq!(v["steps"]["invite_notify"]["count"], 0);
    assert!(v["steps"]["invite_notify"]["p99_ms"].is_null());
    assert_eq!(v["outcomes"]["calls_started"], 2);
    assert_eq!(v["errors"]["total"], 0);
    assert_eq!(v["series"][1]["connected"], 4);
    assert_eq!(v["server"]["pid"], 42);
    assert!(v["presence_checked"].is_null(), "no check without the flag");
    assert_eq!(v["traffic"]["window_s"], 60.0);
    assert!(summary_text(&report).contains("connect"));
}

#[test]
fn traffic_and_the_presence_check_are_reported() {
    let settings = Args::parse_from([
        "loadgen",
        "--users",
        "2",
        "--duration",
        "10",
        "--check-presence",
    ])
    .settings()
    .unwrap();
    let mut r = result();
    let m = Metrics::default();
    m.count(Counter::QueuePolls, 4);
    m.count(Counter::QueueReactive, 2);
    m.count(Counter::PresenceChecked, 7);
    m.count(Counter::PresenceMissed, 1);
    m.error("presence:missed");
    r.collected.merge(&m.snapshot());
    let report = build(&settings, &[r], None, 0);
    assert!(!report.ok, "a missed change is an error");
    assert_eq!(report.traffic.queue_polls_per_user_s, Some(0.2));
    assert_eq!(report.traffic.queue_reactive_per_user_s, Some(0.1));
    assert_eq!(
        (report.presence_checked, report.presence_missed),
        (Some(7), Some(1))
    );
    let text = summary_text(&report);
    assert!(
        text.contains(
            "http (web model, steady 10 s, 2 users): /room/queue 0.2000 polls + 0.1000 reactive"
        ),
        "{text}"
    );
    assert!(
        text.contains("presence check: 7 changes checked, 1 missed"),
        "{text}"
    );
}

#[test]
fn a_run_where_nobody_connected_is_not_ok() {
    let report = build(&settings(), &[ProcessResult::default()], None, 0);
    assert!(!report.ok);
    assert_eq!(report.errors.by_kind["run:no_user_connected"], 1);
}

#[test]
fn the_plot_is_an_svg_with_one_chart_per_metric() {
    let report = build(&settings(), &[result()], None, 0);
    let svg = svg::render(&report);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for title in [
        "Latency p99 per second (ms)",
        "CPU (% of one core)",
        "Server RSS (MB)",
        "Connected users",
    ] {
        assert!(svg.contains(title), "{title}");
    }
    assert!(svg.contains("<polyline"));
    assert!(svg.contains("invite -&gt; notify"));
    // Balanced tags: every opened element is closed or self-closed.
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    let empty = build(&settings(), &[ProcessResult::default()], None, 0);
    assert!(svg::render(&empty).contains("</svg>"));
}

#[test]
fn axis_maxima_and_escaping() {
    assert_eq!(svg::nice_ceil(0.0), 1.0);
    assert_eq!(svg::nice_ceil(7.0), 10.0);
    assert_eq!(svg::nice_ceil(2.0), 2.0);
    assert_eq!(svg::nice_ceil(2.2), 2.5);
    assert_eq!(svg::nice_ceil(130.0), 200.0);
    assert_eq!(svg::nice_ceil(0.03), 0.05);
    assert_eq!(svg::escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}
