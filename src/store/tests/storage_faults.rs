//! README, "Storage faults": the store on a simulated disk (`sim_disk.rs`) that fails one
//! read, write, resize or sync, or loses power there, running the workload of
//! `fault_workload.rs` against a model of what the store acknowledged (`fault_model.rs`).
//! Checked in every case: no acknowledged write is lost, no read shows a value that was
//! neither acknowledged nor possibly committed, a failed commit leaves the store refusing
//! writes and reporting itself failed (what `/health` shows), the store never keeps answering
//! writes with errors without failing, and the next open of what the disk kept (torn or not)
//! succeeds and takes writes again.
//!
//! Each case is a seed: its workload, its open options and how it ends follow from it. It
//! runs once without a fault (counting the disk operations), then again with the fault at an
//! operation drawn from those counts. `NAPALMSKY_FAULT_CASES` sets the number of seeds,
//! `NAPALMSKY_FAULT_SEED` replays one.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::fault_model::Fate;
use super::fault_workload::{
    BASE_USERS, MAX_USER, Write, Written, record, session_key, session_token, user_key,
};
use super::sim_disk::{Effect, Fault, Op, SimDisk};
use super::support::{NOW, id, open_on_disk};
use crate::store::records::{Gender, User};
use crate::store::unfinished;
use crate::store::{Store, StoreError};
use crate::test_rng::Rng;

/// Seeds run by `cargo test`; well under a minute in a debug build.
const CI_CASES: u64 = 1000;
const CASES_VAR: &str = "NAPALMSKY_FAULT_CASES";
const SEED_VAR: &str = "NAPALMSKY_FAULT_SEED";
/// A redb cache this small sends most reads to the disk, where read faults happen.
const SMALL_CACHE: usize = 16 * 1024;
const DEFAULT_CACHE: usize = 64 * 1024 * 1024;

/// The image most cases start from (a store that ran before, so the open reads from disk),
/// with what it holds. Built once, without faults.
fn base() -> &'static (Vec<u8>, Vec<Write>) {
    static BASE: OnceLock<(Vec<u8>, Vec<Write>)> = OnceLock::new();
    BASE.get_or_init(|| {
        let writes: Vec<Write> = (1..=BASE_USERS)
            .map(|n| Write::NewUserWithSession(n, format!("{n}.base")))
            .collect();
        let disk = SimDisk::holding(Vec::new(), None);
        let jobs = writes.clone();
        let build = async move {
            let store = open_on_disk(&disk, DEFAULT_CACHE).expect("base store opens");
            store
                .write(move |tx| jobs.iter().try_for_each(|w| w.apply(tx)))
                .await
                .expect("base written");
            store.close().await;
            disk.image_after_restart(None)
        };
        // Its own thread: the caller may be inside a runtime already.
        let image = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime")
                .block_on(build)
        })
        .join()
        .expect("base image built");
        (image, writes)
    })
}

/// A case's result: the disk operations it made and whether its fault fired, or what went
/// wrong.
type CaseResult = Result<([u64; 4], bool), String>;

async fn run_case(seed: u64, fault: Option<Fault>) -> CaseResult {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut written = Written::empty();
    let image = if rng.chance(4) {
        Vec::new()
    } else {
        let (image, writes) = base();
        for write in writes {
            for (key, value) in write.changes() {
                written.model.submitted(&key, &value);
            }
            record(&mut written, write, Fate::Durable);
        }
        written.next_user = BASE_USERS + 1;
        image.clone()
    };
    let cache = if rng.chance(3) {
        SMALL_CACHE
    } else {
        DEFAULT_CACHE
    };
    let disk = SimDisk::holding(image, fault);
    match open_on_disk(&disk, cache) {
        Ok(store) => {
            let store = Arc::new(store);
            let result = workload(&store, &mut rng, &mut written).await;
            // How the process ends: a clean shutdown, or the power goes now.
            if rng.chance(4) {
                store.close().await;
            } else {
                disk.cut_power();
                store.close().await;
            }
            drop(store);
            result?;
        }
        Err(error) if fault.is_none() => {
            return Err(format!("open failed without a fault: {error}"));
        }
        Err(_) => {}
    }
    let torn = rng.chance(2);
    let image = disk.image_after_restart(torn.then_some(&mut rng));
    check_after_restart(image, &written).await.map_err(|e| {
        format!(
            "after the restart{}: {e}",
            if torn { " (torn)" } else { "" }
        )
    })?;
    Ok((disk.counts(), disk.fault_fired()))
}

/// Rounds of writes with reads between them, until the rounds run out or the store failed.
async fn workload(store: &Arc<Store>, rng: &mut Rng, written: &mut Written) -> Result<(), String> {
    for _ in 0..1 + rng.below(6) {
        let writes = written.plan_round(rng);
        if writes.is_empty() {
            break;
        }
        let fates = run_round(store, writes, written).await?;
        check_reads(store, written)?;
        if fates.contains(&Fate::Unknown) {
            return check_refusing(store, written).await;
        }
    }
    check_still_writable_or_failed(store, written).await
}

/// Submits the writes of a round: the first in a batch of its own that waits until the others
/// are queued behind it, so that they form the next batch whatever the timing (a case then
/// runs the same way each time). Reads are checked while that batch waits.
async fn run_round(
    store: &Arc<Store>,
    writes: Vec<Write>,
    written: &mut Written,
) -> Result<Vec<Fate>, String> {
    for write in &writes {
        for (key, value) in write.changes() {
            written.model.submitted(&key, &value);
        }
    }
    let (running, is_running) = oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let gated = writes.len() > 1;
    let submit =
        |write: Write, gate: Option<(oneshot::Sender<()>, std::sync::mpsc::Receiver<()>)>| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |tx| {
                        if let Some((running, released)) = gate {
                            let _ = running.send(());
                            let _ = released.recv();
                        }
                        write.apply(tx)
                    })
                    .await
            })
        };
    let mut writes = writes.into_iter();
    let first = writes.next().expect("a round has a write");
    let mut handles = vec![(
        first.clone(),
        submit(first, gated.then_some((running, released))),
    )];
    if gated {
        let first_runs = is_running.await.is_ok();
        let rest: Vec<Write> = writes.collect();
        let behind = rest.len();
        for write in rest {
            handles.push((write.clone(), submit(write, None)));
        }
        // The writer waits inside the first job, so nothing else can refuse these writes.
        if first_runs {
            let mut yields = 0;
            while store.queued_writes() < behind {
                tokio::task::yield_now().await;
                yields += 1;
                if yields > 100_000 {
                    return Err("the round's writes were never queued".into());
                }
            }
            check_reads(store, written)?;
        }
        let _ = release.send(());
    }
    let mut fates = Vec::new();
    for (write, handle) in handles {
        let answer = handle.await.map_err(|e| format!("write task: {e}"))?;
        if matches!(answer, Err(StoreError::Closed)) {
            // Only `close()` (after the workload) or a dead writer answer that.
            return Err(format!("{write:?} was answered Closed by an open store"));
        }
        let fate = Fate::of(&answer);
        record(written, &write, fate);
        fates.push(fate);
    }
    Ok(fates)
}

/// Every read either fails or shows a value the model allows: never one that was rolled
/// back, never one nobody wrote, never half of a job.
fn check_reads(store: &Store, written: &Written) -> Result<(), String> {
    let Ok(reader) = store.read() else {
        return Ok(());
    };
    let last = written.next_user.min(MAX_USER);
    for n in 1..=last {
        if let Ok(user) = reader.user(&id(n)) {
            let found = user.map(|u| u.name);
            let key = user_key(n);
            if !written.model.allows(&key, found.as_deref()) {
                return Err(format!(
                    "read {key} = {found:?}; {}",
                    written.model.describe(&key)
                ));
            }
        }
        if let Ok(session) = reader.session(&session_token(n)) {
            let found = session.map(|s| s.device_info);
            let key = session_key(n);
            if !written.model.allows(&key, found.as_deref()) {
                return Err(format!(
                    "read {key} = {found:?}; {}",
                    written.model.describe(&key)
                ));
            }
        }
    }
    Ok(())
}

/// After a write was answered `Failed`: the store says it failed and refuses writes.
async fn check_refusing(store: &Store, written: &mut Written) -> Result<(), String> {
    tokio::time::timeout(Duration::from_secs(5), store.failed())
        .await
        .map_err(|_| "a write was answered Failed but `failed()` never resolved".to_owned())?;
    match store.health() {
        Ok(health) if !health.failed => return Err("health does not say failed".into()),
        Ok(_) => {}
        Err(error) => return Err(format!("health unreadable after the failure: {error}")),
    }
    // Refused before it is queued: it must never be found, so it is not in the model.
    let Some(n) = written.fresh() else {
        return Ok(());
    };
    let value = written.value(n);
    let refused = Write::NewUser(n, value);
    let answer = store.write(move |tx| refused.apply(tx)).await;
    match answer {
        Err(StoreError::Failed) => Ok(()),
        other => Err(format!("a failed store answered a write with {other:?}")),
    }
}

/// The store never goes on answering writes with errors while calling itself healthy: a
/// write fails at most once in a row (the fault), then writes commit or the store failed.
async fn check_still_writable_or_failed(
    store: &Arc<Store>,
    written: &mut Written,
) -> Result<(), String> {
    for attempt in 0..2 {
        let Some(n) = written.fresh() else {
            return Ok(());
        };
        let write = Write::NewUser(n, written.value(n));
        let fates = run_round(store, vec![write], written).await?;
        match fates[0] {
            Fate::Durable => return Ok(()),
            Fate::Unknown => return check_refusing(store, written).await,
            Fate::RolledBack if attempt == 0 => {}
            Fate::RolledBack => {
                return Err("writes keep failing but the store does not say it failed".to_owned());
            }
        }
    }
    Ok(())
}

/// The restart: the image opens (redb repairs what it must), holds every acknowledged write
/// and nothing else, keeps jobs whole, and the store takes writes again.
async fn check_after_restart(image: Vec<u8>, written: &Written) -> Result<(), String> {
    let mut disk = SimDisk::holding(image.clone(), None);
    let mut opened = open_on_disk(&disk, DEFAULT_CACHE);
    if opened.is_err() && unfinished::is_unfinished(&image) {
        // The power went while redb created the file: `Store::open` moves such a file aside
        // and starts again (`unfinished.rs`), which is right only if it held nothing.
        if written.model.any_acknowledged() {
            return Err("a file with acknowledged writes reads as unfinished".into());
        }
        disk = SimDisk::holding(Vec::new(), None);
        opened = open_on_disk(&disk, DEFAULT_CACHE);
    }
    let store = opened.map_err(|e| format!("reopen failed: {e}"))?;
    let reader = store.read().map_err(|e| format!("reader: {e}"))?;
    let mut newest = 0;
    for n in 1..=MAX_USER {
        let user = reader.user(&id(n)).map_err(|e| format!("user {n}: {e}"))?;
        let session = reader
            .session(&session_token(n))
            .map_err(|e| format!("session {n}: {e}"))?;
        newest = newest
            .max(user.as_ref().map_or(0, |u| u.version))
            .max(session.as_ref().map_or(0, |s| s.version));
        for (key, found) in [
            (user_key(n), user.as_ref().map(|u| u.name.as_str())),
            (
                session_key(n),
                session.as_ref().map(|s| s.device_info.as_str()),
            ),
        ] {
            if !written.model.allows(&key, found) {
                return Err(format!(
                    "{key} = {found:?}; {}",
                    written.model.describe(&key)
                ));
            }
        }
        let created_with = |v: &str| written.pairs.iter().any(|(m, c)| *m == n && c == v);
        let whole = match (&user, &session) {
            (None, Some(_)) => false,
            (Some(u), None) => !created_with(&u.name),
            _ => true,
        };
        if !whole {
            return Err(format!("user {n} and its session were committed apart"));
        }
    }
    drop(reader);
    let health = store.health().map_err(|e| format!("health: {e}"))?;
    if health.failed {
        return Err("the reopened store says it failed".into());
    }
    let version = store
        .write(|tx| {
            let mut user = User::new_guest(id(MAX_USER + 1), "after".into(), Gender::Male, NOW);
            tx.put_user(&mut user)?;
            Ok(user.version)
        })
        .await
        .map_err(|e| format!("the reopened store refused a write: {e}"))?;
    if version <= newest {
        return Err(format!(
            "sequence reused: new version {version}, stored up to {newest}"
        ));
    }
    store.close().await;
    Ok(())
}

/// The fault of a case: an operation kind it performed, at a position within its count.
fn fault_for(seed: u64, counts: [u64; 4]) -> Option<Fault> {
    let mut rng = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1);
    let used: Vec<Op> = Op::ALL
        .into_iter()
        .filter(|op| counts[*op as usize] > 0)
        .collect();
    if used.is_empty() {
        return None;
    }
    let op = *rng.pick(&used);
    let nth = rng.below(counts[op as usize] as usize) as u64;
    let effect = if rng.chance(2) {
        Effect::Error
    } else {
        Effect::PowerCut
    };
    Some(Fault { op, nth, effect })
}

/// Runs a seed without a fault, then with one; answers the fault and whether it fired (a
/// case runs the same way each time, so it should), or names the seed and the fault.
async fn run_seed(seed: u64) -> Result<(Fault, bool), String> {
    let failed = |fault: Option<Fault>, why: String| {
        format!("seed {seed} (replay: {SEED_VAR}={seed}), fault {fault:?}: {why}")
    };
    // Each run in its own task: a panic becomes a failure naming its seed.
    let (counts, _) = tokio::spawn(run_case(seed, None))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|why| failed(None, why))?;
    let fault = fault_for(seed, counts).ok_or_else(|| failed(None, "no disk operations".into()))?;
    let (_, fired) = tokio::spawn(run_case(seed, Some(fault)))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|why| failed(Some(fault), why))?;
    Ok((fault, fired))
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
    )
}

#[tokio::test]
async fn acknowledged_writes_survive_seeded_storage_faults() {
    let seeds: Vec<u64> = match env_number(SEED_VAR) {
        Some(seed) => vec![seed],
        None => (1..=env_number(CASES_VAR).unwrap_or(CI_CASES)).collect(),
    };
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut fired = [0usize; 4];
    for &seed in &seeds {
        match run_seed(seed).await {
            Ok((fault, true)) => fired[fault.op as usize] += 1,
            Ok((_, false)) => {}
            Err(failure) => failures.push(failure),
        }
    }
    eprintln!(
        "storage faults: {} seeds in {:.1?}; faults fired on read/write/set_len/sync: {fired:?}",
        seeds.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed; first ones:\n{}",
        failures.len(),
        seeds.len(),
        failures[..failures.len().min(5)].join("\n")
    );
    // The sweep tests something only if its faults fire: a case that stopped replaying the
    // same way would aim them past its end.
    let total: usize = fired.iter().sum();
    assert!(
        total * 10 >= seeds.len() * 9,
        "only {total} of {} faults fired",
        seeds.len()
    );
}
