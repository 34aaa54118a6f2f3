//! Load shedding: with memory at the critical level (here a 1 MiB level any process is above),
//! new realtime connections get "Server at capacity" and heavy routes 503 with Retry-After,
//! while connected users' light routes keep working.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestServer, wait_until};
use napalmsky::accounts::{self, NewSession};
use napalmsky::store::records::{Gender, User};
use serde_json::json;

/// A guest made directly in the store: `/auth/guest` is one of the refused routes.
async fn guest_token(server: &TestServer) -> String {
    let user = User::new_guest(accounts::new_user_id(), "Ann".into(), Gender::Female, 0);
    let token = accounts::new_token();
    let session = NewSession {
        token,
        ip_address: "127.0.0.1".into(),
        device_info: "test".into(),
        now: 0,
        ttl_ms: i64::MAX / 4,
    };
    server
        .running()
        .internals()
        .store()
        .write(move |tx| accounts::create_guest(tx, user, session))
        .await
        .unwrap();
    accounts::id_string(&token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn critical_memory_refuses_new_connections_and_heavy_routes() {
    let server = TestServer::start_with(|c| {
        c.operations.memory_warning_mb = 1;
        c.operations.memory_critical_mb = 2;
        c.operations.monitor_interval = Duration::from_millis(20);
    })
    .await;
    wait_until(10, "the monitor to start shedding", || async {
        server.get("/health", None).await.body["memory"]["sheddingLoad"] == true
    })
    .await;
    let token = guest_token(&server).await;

    for (refused, body) in [
        (server.get("/room/queue", Some(&token)).await, "queue"),
        (
            server
                .post("/auth/guest", json!({"name": "Bo", "gender": "male"}), None)
                .await,
            "signup",
        ),
    ] {
        assert_eq!(refused.status, 503, "{body}");
        assert_eq!(
            refused.body["error"], "Server busy, please try again shortly",
            "{body}"
        );
        assert_eq!(refused.headers["retry-after"], "15", "{body}");
    }
    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.status, 200, "light routes still served");

    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket",
        server.running().addr()
    );
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!(
            "a new socket was accepted while shedding: {:?}",
            other.is_ok()
        ),
    }
    let polling = server
        .get("/socket.io/?EIO=4&transport=polling", None)
        .await;
    assert_eq!(polling.status, 503);
    assert_eq!(
        polling.body["error"],
        "Server at capacity, please try again shortly"
    );

    let metrics = server.metrics_text().await;
    assert!(metrics.contains("napalmsky_shedding_load 1"), "{metrics}");
}
