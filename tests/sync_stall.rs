//! A Postgres that stops answering (a paused proxy: connections stay open, nothing comes
//! back): the sync shows it as stalled in `/health` and `/metrics` within `--sync-timeout`,
//! requests never wait for it, the mirror converges once it answers again, and SIGTERM stops
//! the server within `--shutdown-timeout` while it is silent, leaving the outbox on disk.
//! Skipped with a printed reason where no Postgres is reachable; mandatory in CI.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::load::signup;
use common::mirror::{assert_mirror_equals_store, synced};
use common::pg::fresh_database;
use common::process::{serve_with, terminate, wait_for_mirror};
use common::proxy::Proxy;
use common::{TestServer, open_store, wait_until};

async fn proxied_database() -> Option<(String, Proxy, String)> {
    let url = fresh_database().await?;
    let proxy = Proxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let through_proxy = url.replacen("127.0.0.1:5432", &proxy.addr.to_string(), 1);
    assert_ne!(
        through_proxy, url,
        "the test database goes through the proxy"
    );
    Some((url, proxy, through_proxy))
}

async fn signups(server: &TestServer, tag: &str, count: usize) {
    for i in 0..count {
        server.guest(&format!("{tag}{i}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_postgres_shows_as_stalled_and_the_mirror_converges_after() {
    let Some((url, proxy, through_proxy)) = proxied_database().await else {
        return;
    };
    let server = TestServer::start_with(|c| {
        c.sync.postgres_url = Some(through_proxy.clone());
        c.sync.sync_interval = Duration::from_millis(20);
        c.sync.sync_timeout = Duration::from_secs(3);
    })
    .await;
    signups(&server, "before", 5).await;
    wait_until(30, "the first drain", || synced(&server)).await;
    let health = server.get("/health", None).await;
    assert_eq!(health.body["sync"]["connected"], true);
    assert_eq!(health.body["sync"]["stalled"], false);

    // Silent with nothing to write: the liveness check finds out.
    proxy.pause();
    wait_until(30, "the idle sync to notice the silence", || async {
        server.get("/health", None).await.body["sync"]["stalled"] == true
    })
    .await;
    let sync = server.get("/health", None).await.body["sync"].clone();
    assert_eq!(sync["connected"], false, "{sync}");
    let error = sync["lastError"].as_str().unwrap();
    assert!(
        error.contains("did not answer") || error.contains("timed out"),
        "{error}"
    );
    assert!(
        server
            .metrics_text()
            .await
            .lines()
            .any(|line| line == "napalmsky_sync_stalled 1")
    );

    // Requests never wait for the silent mirror.
    let started = Instant::now();
    signups(&server, "during", 10).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(server.get("/health", None).await.body["sync"]["outboxDepth"].as_u64() > Some(0));

    proxy.resume();
    wait_until(60, "the mirror to catch up", || synced(&server)).await;
    let health = server.get("/health", None).await;
    assert_eq!(health.body["sync"]["stalled"], false);
    assert_eq!(health.body["sync"]["connected"], true);
    assert!(
        server
            .metrics_text()
            .await
            .lines()
            .any(|line| line == "napalmsky_sync_stalled 0")
    );
    assert_mirror_equals_store(server.running().internals().store(), &url).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_black_hole_stops_in_time_and_the_outbox_waits_on_disk() {
    let Some((url, proxy, through_proxy)) = proxied_database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A long sync timeout: only the shutdown deadline can end the wait.
    let flags = [
        "--postgres-url",
        through_proxy.as_str(),
        "--sync-timeout",
        "120s",
        "--shutdown-timeout",
        "2s",
        "--signup-rate-limit",
        "100000",
    ];
    let http = reqwest::Client::new();
    let served = serve_with(dir.path(), &flags);
    let base = served.base.clone();
    signup(&http, &base, "early").await.unwrap();
    wait_for_mirror(&base).await;

    proxy.pause();
    for i in 0..5 {
        signup(&http, &base, &format!("silent{i}")).await.unwrap();
    }
    let stopped = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let log = terminate(served);
        (started.elapsed(), log)
    });
    let (took, log) = stopped.await.unwrap();
    assert!(
        took < Duration::from_secs(8),
        "SIGTERM took {took:?} with --shutdown-timeout 2s"
    );
    assert!(
        log.iter().any(|line| line.contains("stays on disk")),
        "the unflushed outbox is reported: {log:?}"
    );

    let store = open_store(dir.path());
    assert!(store.health().unwrap().outbox_depth > 0, "the outbox waits");
    store.close().await;
    drop(store);

    // The next start, with Postgres answering again, writes each change exactly once.
    proxy.resume();
    let served = serve_with(dir.path(), &flags);
    let base = served.base.clone();
    wait_for_mirror(&base).await;
    tokio::task::spawn_blocking(move || terminate(served))
        .await
        .unwrap();
    let store = open_store(dir.path());
    assert_eq!(store.health().unwrap().users, 6);
    assert_mirror_equals_store(&store, &url).await;
    store.close().await;
}
