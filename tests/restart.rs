//! Durability across a restart on the same data directory.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, assert_error, test_config};
use napalmsky::clock::SharedClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_sessions_survive_a_restart() {
    let server = TestServer::start().await;
    let (guest_id, guest_token) = server.guest("Gus").await;
    let (ann_id, stale_token) = server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    let login = server.login("ann@example.com", "password1").await;
    let ann_token = login.body["sessionToken"].as_str().unwrap().to_owned();
    server
        .put(
            "/user/me",
            serde_json::json!({"socials": {"x": "@ann"}}),
            Some(&ann_token),
        )
        .await;

    // A second server cannot open a data directory that is in use.
    let clock: SharedClock = server.clock.clone();
    let second = napalmsky::server::start(test_config(server.dir.path()), clock).await;
    let error = format!("{:#}", second.err().unwrap());
    assert!(
        error.contains("another process holds the data directory"),
        "{error}"
    );

    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, |_| {}).await;

    let me = server.get("/user/me", Some(&guest_token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["userId"], guest_id);
    let me = server.get("/user/me", Some(&ann_token)).await;
    assert_eq!(me.body["userId"], ann_id);
    assert_eq!(me.body["email"], "ann@example.com");
    assert_eq!(me.body["socials"]["x"], "@ann");
    assert_error(
        &server.get("/user/me", Some(&stale_token)).await,
        401,
        "Session invalidated",
    );
    assert_eq!(
        server.login("ann@example.com", "password1").await.status,
        200
    );

    let health = server.get("/health", None).await;
    assert_eq!(health.body["store"]["users"], 2);
    // Outbox entries are durable too: nothing drained them.
    assert!(health.body["sync"]["outboxDepth"].as_u64().unwrap() >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_has_released_its_data_directory_even_with_clients_connected() {
    // A long shutdown timeout: stopping must not spend it waiting for clients that are gone.
    let server = TestServer::start_with(|config| {
        config.operations.shutdown_timeout = std::time::Duration::from_secs(120);
    })
    .await;
    let (_socket, _token) = common::ws::authenticated(&server).await;
    let handshake = server
        .http
        .get(format!(
            "{}/socket.io/?EIO=4&transport=polling",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    let health = server.get("/health", None).await;
    assert_eq!(health.body["realtime"]["pollingSessions"], 1);
    assert_eq!(health.body["realtime"]["onlineUsers"], 1);

    // Below the 10 s a closed polling session would wait for its client's last GET.
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), server.stop()).await;
    let (dir, clock) = stopped.expect("shutdown waited for clients that can no longer come");

    // Every task holding the store has ended: the directory opens again at once.
    let server = TestServer::start_in(dir, clock, |_| {}).await;
    assert_eq!(server.get("/health", None).await.body["store"]["users"], 1);
}
