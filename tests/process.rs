//! The real binary: starts with flags, answers, stops cleanly on SIGTERM (exit 0, store
//! closed), and a restart on the same data directory still knows the session.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

struct Served {
    child: Child,
    base: String,
    log: std::sync::mpsc::Receiver<String>,
}

/// Starts `napalmsky serve` on an ephemeral port and reads the bound address from its log.
fn serve(data_dir: &std::path::Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_napalmsky"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("JOURNAL_STREAM", "1") // plain lines, no ANSI
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (sender, log) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let addr = loop {
        let line = log
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the server logs its address");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    Served {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

fn terminate(mut served: Served) -> Vec<String> {
    let status = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    served.log.try_iter().collect()
}

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
