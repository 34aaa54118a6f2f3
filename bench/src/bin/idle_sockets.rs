//! Server memory per idle authenticated socket.
//!
//! 1. Signs up N users over HTTP (their stored records are not socket memory).
//! 2. Reads the server's RSS once it settles: the baseline.
//! 3. Opens N WebSockets, authenticates each (CONNECT with `auth.token`), joins presence, and
//!    then keeps them idle (answering Engine.IO pings).
//! 4. Reads the RSS again: (after - baseline) / N is the cost of one idle socket. The
//!    server's own count of allocated heap bytes (`GET /metrics`) is read at the same two
//!    moments: the difference between the two figures is allocator overhead and
//!    fragmentation, which tells where to look next.
//!
//! Usage: `idle_sockets <http://127.0.0.1:PORT> <server-pid> <sockets>`; loopback only.
//! Prints one JSON line. Stay under the per-process fd limit (~19,000 sockets).

use std::time::Duration;

use napalmsky_bench::loadgen::args::check_loopback;
use napalmsky_bench::loadgen::wire::{Frame, Http, PONG, Socket, bare_event_frame, connect_frame};
use serde_json::json;
use tokio::sync::Semaphore;

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `napalmsky_heap_allocated_bytes` from the server's Prometheus text.
async fn heap_allocated_bytes(base: &str) -> Option<u64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let line = text
        .lines()
        .find(|l| l.starts_with("napalmsky_heap_allocated_bytes "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// RSS (KB) and allocated heap (bytes) after 15 s without new work: jemalloc returns freed
/// pages to the kernel over its 10 s decay time, so earlier readings would count memory the
/// server no longer uses.
async fn settled_memory(base: &str, pid: u32) -> Result<(u64, u64), String> {
    tokio::time::sleep(Duration::from_secs(15)).await;
    let rss = rss_kb(pid).ok_or("cannot read the server's RSS")?;
    let heap = heap_allocated_bytes(base)
        .await
        .ok_or("cannot read napalmsky_heap_allocated_bytes from /metrics")?;
    Ok((rss, heap))
}

async fn connect_one(url: String, token: String) -> Result<Socket, String> {
    let (mut socket, _) = Socket::open(&url, None).await.map_err(|e| e.kind())?;
    socket
        .send_all(vec![connect_frame(&token)])
        .await
        .map_err(|e| e.kind())?;
    loop {
        match socket.recv().await.map_err(|e| e.kind())? {
            Some(Frame::Event { name, .. }) if name == "auth:success" => break,
            Some(Frame::ConnectError(message)) => return Err(message),
            Some(Frame::Ping) => socket
                .send_all(vec![PONG.into()])
                .await
                .map_err(|e| e.kind())?,
            Some(_) => {}
            None => return Err("closed".into()),
        }
    }
    socket
        .send_all(vec![bare_event_frame("presence:join")])
        .await
        .map_err(|e| e.kind())?;
    Ok(socket)
}

/// Keeps a socket idle: answers pings, ignores everything else, until the server closes it.
async fn idle(mut socket: Socket) {
    while let Ok(Some(frame)) = socket.recv().await {
        if frame == Frame::Ping && socket.send_all(vec![PONG.into()]).await.is_err() {
            return;
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, pid, count] = args.as_slice() else {
        return Err("usage: idle_sockets <http://127.0.0.1:PORT> <server-pid> <sockets>".into());
    };
    check_loopback(base)?;
    let pid: u32 = pid.parse()?;
    let count: usize = count.parse()?;
    let http = Http::new(base, Duration::from_secs(30), None)?;
    let permits = std::sync::Arc::new(Semaphore::new(64));

    let mut signups = Vec::with_capacity(count);
    for i in 0..count {
        let (http, permits) = (http.clone(), permits.clone());
        signups.push(tokio::spawn(async move {
            let _permit = permits.acquire().await;
            http.signup(&format!("idle {i}"), "female").await
        }));
    }
    let mut tokens = Vec::with_capacity(count);
    for signup in signups {
        tokens.push(signup.await?.map_err(|e| e.kind())?.token);
    }
    let (before, heap_before) = settled_memory(base, pid).await?;

    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        base.replacen("http", "ws", 1)
    );
    let mut opens = Vec::with_capacity(count);
    for token in tokens {
        let (url, permits) = (url.clone(), permits.clone());
        opens.push(tokio::spawn(async move {
            let _permit = permits.acquire().await;
            connect_one(url, token).await
        }));
    }
    let mut connected = 0;
    let mut errors = 0;
    for open in opens {
        match open.await? {
            Ok(socket) => {
                connected += 1;
                tokio::spawn(idle(socket));
            }
            Err(_) => errors += 1,
        }
    }
    let (after, heap_after) = settled_memory(base, pid).await?;
    let per_socket = (after.saturating_sub(before)) as f64 / connected.max(1) as f64;
    let heap_per_socket =
        heap_after.saturating_sub(heap_before) as f64 / 1024.0 / connected.max(1) as f64;
    println!(
        "{}",
        json!({
            "sockets": connected,
            "errors": errors,
            "rss_kb_before": before,
            "rss_kb_after": after,
            "kb_per_idle_socket": (per_socket * 100.0).round() / 100.0,
            "heap_kb_per_idle_socket": (heap_per_socket * 100.0).round() / 100.0,
        })
    );
    Ok(())
}
