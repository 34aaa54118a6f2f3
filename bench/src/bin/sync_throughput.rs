//! Postgres sync benchmark: how fast the outbox drains into a real Postgres, and the sync lag
//! while signups keep arriving.
//!
//! Usage: `cargo run --release -p napalmsky-bench --bin sync_throughput -- <admin-url> [users] [rate]`
//! `admin-url`: any database of the server (a fresh `napalmsky_bench_*` database is created
//! and dropped); `users`: records to preload (each user plus its session = 2 changed rows);
//! `rate`: signups per second during the lag phase.

use std::sync::Arc;
use std::time::{Duration, Instant};

use napalmsky::clock::{SharedClock, SystemClock};
use napalmsky::store::Store;
use napalmsky::sync::{connect, drain_once, migrate};
use napalmsky_bench::fill::{fill, signup};
use tokio_postgres::NoTls;

fn arg(n: usize) -> Option<String> {
    std::env::args().nth(n)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let admin = arg(1).ok_or("usage: sync_throughput <admin-url> [users] [rate]")?;
    let users: usize = arg(2).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let rate: u64 = arg(3).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let (admin_client, connection) = tokio_postgres::connect(&admin, NoTls).await?;
    tokio::spawn(connection);
    let name = format!("napalmsky_bench_{}", uuid::Uuid::new_v4().simple());
    admin_client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");

    let dir = tempfile::tempdir()?;
    let clock: SharedClock = Arc::new(SystemClock);
    let store = Arc::new(Store::open(
        dir.path(),
        10,
        10,
        Duration::from_secs(60),
        clock.clone(),
    )?);
    let mut client = connect(&url).await?;
    migrate(&mut client).await?;

    // Phase 1: drain a preloaded outbox.
    fill(&store, 0, users, clock.now_ms()).await?;
    for batch in [1_000usize, 5_000] {
        if batch == 5_000 {
            // A second preload of as many new users, drained with bigger batches.
            fill(&store, 0, users, clock.now_ms()).await?;
        }
        let depth = store.health()?.outbox_depth;
        let started = Instant::now();
        let mut rows = 0;
        loop {
            let report = drain_once(&store, &mut client, batch).await?;
            if report.entries == 0 {
                break;
            }
            rows += report.rows;
        }
        let took = started.elapsed();
        println!(
            "drain batch={batch}: {depth} outbox entries, {rows} rows in {took:.2?} = {:.0} rows/s",
            rows as f64 / took.as_secs_f64()
        );
    }

    // Phase 2: lag while signups arrive at `rate` per second for 10 s.
    let writer = {
        let (store, clock) = (store.clone(), clock.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let per_tick = (rate / 100).max(1) as usize;
            let until = Instant::now() + Duration::from_secs(10);
            let mut i = 0;
            while Instant::now() < until {
                tick.tick().await;
                let mut writes = Vec::new();
                for _ in 0..per_tick {
                    let store = store.clone();
                    let now = clock.now_ms();
                    i += 1;
                    writes.push(tokio::spawn(async move {
                        signup(&store, format!("lag {i}"), now).await
                    }));
                }
                for write in writes {
                    let _ = write.await;
                }
            }
            i
        })
    };
    let mut lags = Vec::new();
    let mut rows = 0;
    while !writer.is_finished() {
        let health = store.health()?;
        if let Some(oldest) = health.outbox_oldest_at {
            lags.push((clock.now_ms() - oldest).max(0));
        } else {
            lags.push(0);
        }
        let report = drain_once(&store, &mut client, 1_000).await?;
        rows += report.rows;
        if report.entries == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let signups = writer.await?;
    lags.sort_unstable();
    println!(
        "lag under {signups} signups in 10 s ({} rows synced): p50 {} ms, p99 {} ms, max {} ms ({} samples)",
        rows,
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        lags.last().copied().unwrap_or(0),
        lags.len()
    );
    store.close().await;
    drop(client);
    admin_client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await?;
    Ok(())
}
