//! Opening a data directory for an offline command (`replay`, `import`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::clock::SystemClock;
use crate::store::{Store, StoreError};

/// Opens `dir` with minimal caches. A directory a running server holds is refused with
/// `why` (what the command needs instead) in the message.
pub fn open_offline(dir: &Path, why: &str) -> anyhow::Result<Store> {
    match Store::open(dir, 1, 1, Duration::from_secs(1), Arc::new(SystemClock)) {
        Ok(store) => Ok(store),
        Err(StoreError::Locked(dir)) => bail!("{dir} is in use by a running napalmsky; {why}"),
        Err(e) => Err(e).with_context(|| format!("opening {}", dir.display())),
    }
}

/// Runs `command` on `dir` opened offline (see [`open_offline`]), then closes the store
/// whatever the command's outcome, so its last writes are committed.
pub async fn with_offline_store<T>(
    dir: &Path,
    why: &str,
    command: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = open_offline(dir, why)?;
    let result = command(&store).await;
    store.close().await;
    result
}
