//! A backup written inside the data directory, in `.backups/<name>/`: the one place the
//! server may write under its systemd sandbox. The command then copies it to its target.
//!
//! Consistency: the store is copied from one read transaction (writes go on meanwhile), and
//! the uploads are linked while deletions are paused and that transaction is already open.
//! An upload is on disk before the commit that names it and deleted only after the commit
//! that stops naming it, so every file the snapshot names is linked.

use std::path::{Path, PathBuf};

use super::error::{BackupError, Doing};
use super::files::{create_private_dir, discard, sync_dir};
use super::manifest::{FileEntry, Manifest};
use super::uploads::{digest_all, link_all};
use crate::media::UPLOADS_DIR;
use crate::store::{DB_FILE, Store};

/// The staging folder inside the data directory.
pub const STAGING_DIR: &str = ".backups";

/// Writes a complete backup (manifest last) into a new folder of `data_dir/.backups` and
/// returns its path. `removals_paused` is dropped once the uploads are linked.
pub fn stage<G>(
    data_dir: &Path,
    store: &Store,
    removals_paused: G,
    now_ms: u64,
) -> Result<PathBuf, BackupError> {
    let staging = data_dir.join(STAGING_DIR);
    if !staging.exists() {
        create_private_dir(&staging)?;
    }
    let dir = staging.join(format!("{now_ms}-{}", uuid::Uuid::new_v4().simple()));
    create_private_dir(&dir)?;
    match write_into(&dir, data_dir, store, removals_paused, now_ms) {
        Ok(()) => Ok(dir),
        Err(e) => {
            discard(&dir);
            Err(e)
        }
    }
}

fn write_into<G>(
    dir: &Path,
    data_dir: &Path,
    store: &Store,
    removals_paused: G,
    now_ms: u64,
) -> Result<(), BackupError> {
    let snapshot = store.read()?;
    let uploads = dir.join(UPLOADS_DIR);
    let linked = link_all(&data_dir.join(UPLOADS_DIR), &uploads)?;
    drop(removals_paused);
    let db = dir.join(DB_FILE);
    let tables = snapshot.copy_into_new_file(&db)?;
    drop(snapshot);
    std::fs::File::open(&db)
        .and_then(|file| file.sync_all())
        .doing(|| format!("syncing {}", db.display()))?;
    let database = FileEntry::of(&db, DB_FILE.to_owned())?;
    let manifest = Manifest::new(now_ms, database, &tables, digest_all(&uploads)?);
    sync_dir(dir)?;
    manifest.write(dir)?;
    tracing::info!(
        tables = tables.len(),
        entries = manifest.total_entries(),
        uploads = linked,
        "backup staged"
    );
    Ok(())
}

/// Wall-clock time for a backup's name and manifest (a fact about the files, so not the
/// server's injectable clock).
pub fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Removes what earlier backups left in the staging folder (a crash, a client that never
/// collected its copy). Only called by the one process that holds the data directory.
pub fn clear_staging(data_dir: &Path) {
    discard(&data_dir.join(STAGING_DIR));
}

/// The staged backup a server named, or a refusal if the name is anything but one plain
/// folder name (the answer must not point the command elsewhere on the disk).
pub fn staged_path(data_dir: &Path, name: &str) -> Result<PathBuf, BackupError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !plain {
        return Err(BackupError::Protocol(format!(
            "the server named an unexpected staging folder {name:?}"
        )));
    }
    Ok(data_dir.join(STAGING_DIR).join(name))
}
