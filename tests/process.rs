//! The real binary: starts with flags, answers, stops cleanly on SIGTERM (exit 0, store
//! closed), and a restart on the same data directory still knows the session.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::process::{serve, terminate};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_and_data_survives() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    let served = serve(dir.path());
    let reply: Value = http
        .post(format!("{}/auth/guest", served.base))
        .json(&json!({"name": "Ann", "gender": "female"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = reply["sessionToken"].as_str().unwrap().to_owned();
    let lines = terminate(served);
    assert!(lines.iter().any(|l| l.contains("SIGTERM")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("store closed")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(&token)),
        "the session token never reaches the log"
    );

    let served = serve(dir.path());
    let me = http
        .get(format!("{}/user/me", served.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    terminate(served);
}

#[test]
fn invalid_configuration_is_refused_with_the_flag_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_napalmsky"))
        .args([
            "serve",
            "--max-connections",
            "10",
            "--connections-warning",
            "20",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--connections-warning"), "{stderr}");
}
