//! README, "Storage faults", at chosen points: a sync, a write or a read of the simulated disk
//! fails once. The write that needed it is refused, the store then refuses every write and
//! says it failed (`/health` `degraded`), and a restart on what the disk kept has every
//! acknowledged write and takes writes again. The seeded cases (`storage_faults.rs`) check the
//! same at random points; these name the three kinds.

use std::sync::Arc;
use std::time::Duration;

use super::sim_disk::{Effect, Op, SimDisk};
use super::support::{open_on_disk, put_guest, stored_guests};
use crate::store::{Store, StoreError};

const DEFAULT_CACHE: usize = 64 * 1024 * 1024;
/// Small enough that a fresh open reads records from the disk.
const SMALL_CACHE: usize = 16 * 1024;

async fn assert_refusing(store: &Store, n: u8) {
    let health = store.health().expect("a failed store still answers health");
    assert!(health.failed, "health says failed");
    tokio::time::timeout(Duration::from_secs(5), store.failed())
        .await
        .expect("`failed()` resolves, so `serve` shuts down");
    let later = put_guest(store, n).await;
    assert!(
        matches!(later, Err(StoreError::Failed)),
        "later writes are refused: {later:?}"
    );
}

/// Restarts on what the disk kept and checks which of the guests `1..=last` are there.
async fn restart(disk: &SimDisk, last: u8) -> Vec<u8> {
    let image = disk.image_after_restart(None);
    let disk = SimDisk::holding(image, None);
    let store = open_on_disk(&disk, DEFAULT_CACHE).expect("the restart opens");
    assert!(!store.health().expect("health").failed);
    let all: Vec<u8> = (1..=last).collect();
    let found = stored_guests(&store, &all);
    put_guest(&store, last + 1)
        .await
        .expect("the restarted store takes writes");
    store.close().await;
    found
}

async fn fail_a_commit_on(op: Op) {
    let disk = SimDisk::holding(Vec::new(), None);
    let store = open_on_disk(&disk, DEFAULT_CACHE).expect("opens");
    put_guest(&store, 1).await.expect("a healthy commit");

    disk.arm(op, Effect::Error);
    let answer = put_guest(&store, 2).await;
    assert!(disk.fault_fired(), "the commit used the disk");
    assert!(
        matches!(answer, Err(StoreError::Failed)),
        "the write whose commit failed is refused: {answer:?}"
    );
    assert_refusing(&store, 3).await;
    store.close().await;
    drop(store);

    // Guest 2 may or may not be on disk (a commit can fail after its bytes landed); guest 3
    // was refused before it was queued.
    let found = restart(&disk, 3).await;
    assert!(
        found == [1] || found == [1, 2],
        "after the restart: {found:?}"
    );
}

#[tokio::test]
async fn a_failed_sync_fails_the_commit_and_the_restart_keeps_the_acknowledged() {
    fail_a_commit_on(Op::Sync).await;
}

#[tokio::test]
async fn a_failed_write_fails_the_commit_and_the_restart_keeps_the_acknowledged() {
    fail_a_commit_on(Op::Write).await;
}

#[tokio::test]
async fn a_failed_read_is_an_error_and_the_store_then_fails_its_next_write() {
    let disk = SimDisk::holding(Vec::new(), None);
    let store = open_on_disk(&disk, SMALL_CACHE).expect("opens");
    for n in 1..=20 {
        put_guest(&store, n).await.expect("write");
    }
    store.close().await;
    drop(store);
    let disk = SimDisk::holding(disk.image_after_restart(None), None);
    let store = Arc::new(open_on_disk(&disk, SMALL_CACHE).expect("reopens"));

    disk.arm(Op::Read, Effect::Error);
    let read = store.read().and_then(|reader| reader.user(&[7; 16]));
    assert!(disk.fault_fired(), "the read went to the disk");
    assert!(read.is_err(), "a failed read is an error: {read:?}");

    // redb refuses all I/O after an I/O error until reopened: the store must say so rather
    // than keep answering writes with errors.
    let answer = put_guest(&store, 21).await;
    assert!(
        matches!(answer, Err(StoreError::Failed)),
        "the next write is refused: {answer:?}"
    );
    assert_refusing(&store, 22).await;
    store.close().await;
    drop(store);
    let found = restart(&disk, 22).await;
    assert_eq!(found, (1..=20).collect::<Vec<u8>>(), "after the restart");
}
