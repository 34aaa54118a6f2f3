//! What the store tests share: a store in a temporary directory or on a simulated disk, users
//! to write, waits.

use std::sync::Arc;
use std::time::Duration;

use super::sim_disk::SimDisk;
use crate::clock::{ManualClock, Millis};
use crate::store::records::{Gender, User};
use crate::store::{Id, Store, StoreError};

pub const NOW: Millis = 1_767_225_600_000;

pub fn open(dir: &std::path::Path) -> Result<Store, StoreError> {
    Store::open(
        dir,
        10,
        10,
        Duration::from_secs(60),
        ManualClock::starting_at(NOW),
    )
}

/// The store on a simulated disk, with a redb cache of `cache` bytes (a small one sends reads
/// to the disk).
pub fn open_on_disk(disk: &Arc<SimDisk>, cache: usize) -> Result<Store, StoreError> {
    let db = redb::Builder::new()
        .set_cache_size(cache)
        .create_with_backend(disk.backend())?;
    Store::on_database(
        db,
        "(simulated disk)",
        10,
        10,
        Duration::from_secs(60),
        ManualClock::starting_at(NOW),
    )
}

pub fn fresh_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path()).expect("store opens");
    (store, dir)
}

pub fn id(n: u8) -> Id {
    [n; 16]
}

pub fn guest(n: u8) -> User {
    User::new_guest(id(n), format!("user{n}"), Gender::Female, NOW)
}

/// Writes guest `n` in its own job; answers with the version it was given.
pub async fn put_guest(store: &Store, n: u8) -> Result<u64, StoreError> {
    store
        .write(move |tx| {
            let mut user = guest(n);
            tx.put_user(&mut user)?;
            Ok(user.version)
        })
        .await
}

/// Which of the guests `ns` the store holds now.
pub fn stored_guests(store: &Store, ns: &[u8]) -> Vec<u8> {
    let reader = store.read().expect("reader");
    ns.iter()
        .copied()
        .filter(|n| reader.user(&id(*n)).expect("user read").is_some())
        .collect()
}

/// Waits (polling, bounded) until `check` holds; panics naming `what` after 5 s.
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
