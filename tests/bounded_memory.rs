//! Memory one attacker can make the server hold, read from `/proc/<pid>` of a real server
//! process: eight sockets that send megabyte pings and never read used to take it from 12 MB
//! to 2.5 GB in seconds (every ping echoed into a queue nobody drained) and stalled everyone.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::process::{serve, terminate};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

/// Resident memory of `pid`, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

const HOSTILE_SOCKETS: usize = 8;
const PINGS_PER_SOCKET: usize = 40;
/// What the eight may add, at most.
const MEMORY_BOUND: u64 = 32 * 1024 * 1024;
/// A victim's `/health` round trip while the attack runs, at most.
const VICTIM_BOUND: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_sockets_sending_megabyte_pings_and_never_reading_add_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let pid = served.child.id();
    let ws_url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        served.base.replace("http://", "ws://")
    );
    let client = reqwest::Client::new();
    let health = format!("{}/health", served.base);
    assert_eq!(client.get(&health).send().await.unwrap().status(), 200);
    let before = resident_bytes(pid);

    let ping = format!("2{}", "x".repeat(1_000_000 - 1));
    let attackers: Vec<_> = (0..HOSTILE_SOCKETS)
        .map(|_| {
            let (url, ping) = (ws_url.clone(), ping.clone());
            tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
                for _ in 0..PINGS_PER_SOCKET {
                    if ws.send(Message::text(ping.clone())).await.is_err() {
                        break;
                    }
                }
                ws // never read; held open until the test ends
            })
        })
        .collect();

    let mut slowest = Duration::ZERO;
    let mut peak = before;
    let mut sockets = Vec::new();
    let mut attackers = attackers.into_iter().peekable();
    while attackers.peek().is_some() {
        let started = Instant::now();
        assert_eq!(client.get(&health).send().await.unwrap().status(), 200);
        slowest = slowest.max(started.elapsed());
        peak = peak.max(resident_bytes(pid));
        if attackers.peek().is_some_and(|a| a.is_finished()) {
            sockets.push(attackers.next().unwrap().await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    peak = peak.max(resident_bytes(pid));
    let added = peak.saturating_sub(before);
    assert!(
        added < MEMORY_BOUND,
        "the attack added {} MiB",
        added / (1024 * 1024)
    );
    assert!(slowest < VICTIM_BOUND, "a victim waited {slowest:?}");
    drop(sockets);
    terminate(served);
}
