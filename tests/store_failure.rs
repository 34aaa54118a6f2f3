//! A failed commit: the request that hit it is refused, later writes are refused too, and
//! `/health` says the server is degraded (systemd restarts a `serve` whose store failed).
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_refuses_further_writes_and_marks_health_degraded() {
    let server = TestServer::start().await;
    let health = server.get("/health", None).await;
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["store"]["failed"], false);

    server
        .running()
        .internals()
        .store()
        .fail_next_commit_for_tests();
    let signup = json!({"name": "Ann", "gender": "female"});
    let first = server.post("/auth/guest", signup.clone(), None).await;
    // The failing commit may be this request's or the startup cleanup's; either way the
    // store is failed and the request refused as unavailable.
    assert_eq!(first.status, 503, "{:?}", first.body);
    let second = server.post("/auth/guest", signup, None).await;
    assert_eq!(
        second.status, 503,
        "a failed store takes no writes: {:?}",
        second.body
    );
    assert_eq!(second.body["error"], "Service temporarily unavailable");

    let health = server.get("/health", None).await;
    assert_eq!(health.body["status"], "degraded");
    assert_eq!(health.body["store"]["failed"], true);
    assert_eq!(health.body["store"]["users"], 0, "nothing was written");
}
