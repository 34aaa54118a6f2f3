//! Micro-benchmark of the session-check read paths, to decide which caches pay for themselves.
//!
//! Fills a fresh store with N users and sessions, then times M random lookups of:
//! 1. `Reader::auth_context` (two redb gets + rkyv access, no cache);
//! 2. `Store::auth_context` (the verified-session cache in front of 1);
//! 3. the rendered `/user/me` body from the store vs from the users cache.
//!
//! Usage: `cargo run --release -p napalmsky-bench --bin store_reads -- [users] [lookups] [hot]`
//! (`hot` = how many distinct sessions the lookups touch; the cache holds that many).

use std::sync::Arc;
use std::time::{Duration, Instant};

use napalmsky::clock::{SharedClock, SystemClock};
use napalmsky::store::{Id, Store};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// A tiny deterministic generator: the same lookups every run.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
}

fn per_op(took: Duration, ops: usize) -> f64 {
    took.as_nanos() as f64 / ops as f64
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users = arg(1, 100_000);
    let lookups = arg(2, 1_000_000);
    let hot = arg(3, 1_000).min(users);
    let dir = tempfile::tempdir()?;
    let clock: SharedClock = Arc::new(SystemClock);
    let store = Arc::new(Store::open(
        dir.path(),
        hot as u64,
        hot as u64,
        Duration::from_secs(600),
        clock,
    )?);

    let started = Instant::now();
    let tokens: Vec<(Id, Id)> = napalmsky_bench::fill::fill(&store, 0, users, 0).await?;
    println!(
        "filled {users} users+sessions in {:.2?} (group commit)",
        started.elapsed()
    );

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let picks: Vec<usize> = (0..lookups).map(|_| rng.next() % hot).collect();

    let reader = store.read()?;
    let started = Instant::now();
    for &i in &picks {
        let found = reader.auth_context(&tokens[i].1)?;
        assert!(found.is_some());
    }
    let raw = per_op(started.elapsed(), lookups);

    let started = Instant::now();
    for &i in &picks {
        let found = store.auth_context(&tokens[i].1)?;
        assert!(found.is_some());
    }
    let cached = per_op(started.elapsed(), lookups);

    let render = |reader: &napalmsky::store::Reader, id: &Id| {
        reader
            .with_user(id, |u| u.name.len())
            .map(|n| n.unwrap_or(0))
    };
    let started = Instant::now();
    let mut sink = 0;
    for &i in &picks {
        sink += render(&store.read()?, &tokens[i].0)?;
    }
    let per_read_txn = per_op(started.elapsed(), lookups);

    println!("users={users} lookups={lookups} hot_sessions={hot} (sink {sink})");
    println!("| path | ns per lookup |");
    println!("|---|---|");
    println!("| verified session, redb (2 gets + rkyv access), shared read txn | {raw:.0} |");
    println!("| verified session, through the sessions cache | {cached:.0} |");
    println!("| user record, new read txn per lookup (what a request pays) | {per_read_txn:.0} |");
    store.close().await;
    Ok(())
}
