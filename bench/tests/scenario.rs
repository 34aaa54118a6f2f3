//! The load generator against a real napalmsky started in this process: a small, fast
//! "speed-dating evening" must complete with zero errors, and calls must really happen
//! (every measured step has samples), and with `--check-presence` no presence change may be
//! missed. This is the generator's own correctness test: it fails
//! if the generator misreads the server, and it fails if the server misbehaves.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use clap::Parser as _;
use napalmsky::clock::SystemClock;
use napalmsky::config::{Config, Paywall};
use napalmsky_bench::loadgen::args::Args;
use napalmsky_bench::loadgen::runner::run_local;
use napalmsky_bench::loadgen::{report, wall_ms_u64};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_evening_completes_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::defaults();
    config.net.listen = "127.0.0.1:0".parse().unwrap();
    config.store.data_dir = dir.path().to_path_buf();
    config.rules.paywall = Paywall::Off;
    config.limits.api_rate_limit = 1_000_000;
    config.limits.auth_rate_limit = 1_000_000;
    config.limits.signup_rate_limit = 1_000_000;
    config.accounts.argon2_memory_kib = 64;
    config.accounts.argon2_iterations = 1;
    // Short ticks, so the presence check (`--check-presence`) judges many changes in 8 s.
    config.realtime.presence_interval = std::time::Duration::from_millis(250);
    let server = napalmsky::server::start(config, Arc::new(SystemClock))
        .await
        .unwrap();
    let target = format!("http://{}", server.addr());

    let settings = Args::parse_from([
        "loadgen",
        "--target",
        &target,
        "--users",
        "20",
        "--ramp-rate",
        "20",
        "--duration",
        "8",
        "--call-length",
        "2",
        "--invite-rate",
        "2",
        "--accept-probability",
        "0.7",
        "--poll-interval",
        "0.5",
        "--server-pid",
        &std::process::id().to_string(),
        "--check-presence",
        "--presence-interval",
        "0.25",
    ])
    .settings()
    .unwrap();
    let started = Instant::now();
    let epoch = wall_ms_u64();
    let result = run_local(settings.clone(), epoch).await.unwrap();
    let took = started.elapsed();
    server.shutdown().await;

    let report = report::build(&settings, &[result], None, epoch);
    let summary = report::summary_text(&report);
    eprintln!("{summary}");
    assert_eq!(report.errors.total, 0, "errors: {summary}");
    assert!(report.ok);
    assert_eq!(report.users.signed_up, 20);
    assert_eq!(report.users.connected_peak, 20);
    for step in [
        "signup",
        "ws_open",
        "connect",
        "auth",
        "queue_get",
        "invite_notify",
        "accept_start",
        "rtc_relay",
        "chat_relay",
    ] {
        assert!(report.steps[step].count > 0, "no {step} samples: {summary}");
    }
    // Twenty users are far within the presence budget: every change reached every socket.
    assert_eq!(report.presence_missed, Some(0), "{summary}");
    assert!(report.presence_checked.unwrap_or(0) > 100, "{summary}");
    assert!(report.outcomes.get("calls_completed").copied().unwrap_or(0) > 0);
    assert!(report.outcomes.get("declines_sent").copied().unwrap_or(0) > 0);
    // The server ran in this process, so its samples are this process's.
    assert!(report.series.iter().any(|p| p.server_rss_mb.is_some()));
    assert!(
        report
            .series
            .iter()
            .any(|p| p.invite_notify_p99_ms.is_some())
    );
    assert!(took.as_secs() < 20, "took {took:?}");
}
