//! Time to ready on a big data directory: fills a data directory with N users and sessions
//! (once), then starts the real `napalmsky serve` on it several times and measures the time
//! from spawn to the first `200` from `/health`.
//!
//! Usage: `startup <napalmsky-binary> <data-dir> [users] [runs]` (default 1,000,000 users, 3
//! runs). The data directory is kept, so later runs skip the fill.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use napalmsky::clock::{SharedClock, SystemClock};
use napalmsky::store::Store;

async fn fill(dir: &std::path::Path, users: usize) -> Result<(), Box<dyn std::error::Error>> {
    let clock: SharedClock = Arc::new(SystemClock);
    let store = Arc::new(Store::open(dir, 10, 10, Duration::from_secs(60), clock)?);
    let have = store.health()?.users as usize;
    let started = Instant::now();
    napalmsky_bench::fill::fill(&store, have, users, 0).await?;
    eprintln!(
        "store holds {} users (filled in {:.1?})",
        store.health()?.users,
        started.elapsed()
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(binary), Some(dir)) = (args.get(1), args.get(2)) else {
        return Err("usage: startup <napalmsky-binary> <data-dir> [users] [runs]".into());
    };
    let users: usize = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(3);
    let dir = std::path::PathBuf::from(dir);
    fill(&dir, users).await?;
    let http = reqwest::Client::new();
    let port = 3601;
    for run in 1..=runs {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let ready = loop {
            if let Ok(reply) = http
                .get(format!("http://127.0.0.1:{port}/health"))
                .send()
                .await
                && reply.status() == 200
            {
                break started.elapsed();
            }
            if started.elapsed() > Duration::from_secs(60) {
                break Duration::MAX;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        child.wait()?;
        println!(
            "run {run}: ready in {:.0} ms ({users} users)",
            ready.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
