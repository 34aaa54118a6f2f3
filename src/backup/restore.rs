//! A verified backup copied into a data directory that holds nothing yet: built under a
//! hidden name next to it, verified there, then renamed into place, so a data directory is
//! never left half restored and never mixes a backup with existing data.

use std::path::Path;

use super::error::{BackupError, Doing};
use super::files::{
    absent_or_empty, copy_file, copy_tree, create_private_dir, discard, install, sync_dir,
    temporary_sibling,
};
use super::manifest::Manifest;
use super::verify::{verify, verify_contents};
use crate::media::UPLOADS_DIR;
use crate::store::DB_FILE;

/// Restores the backup in `from` into `data_dir` (absent or an empty directory).
pub fn restore(from: &Path, data_dir: &Path) -> Result<Manifest, BackupError> {
    let manifest = verify(from)?;
    if !absent_or_empty(data_dir)? {
        return Err(BackupError::Refused(format!(
            "{} already holds data; restore into a new or empty directory (move the old one \
             aside first)",
            data_dir.display()
        )));
    }
    if let Some(parent) = data_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).doing(|| format!("creating {}", parent.display()))?;
    }
    let building = temporary_sibling(data_dir, "restore")?;
    let built = build(from, &building, &manifest).and_then(|()| install(&building, data_dir));
    if built.is_err() {
        discard(&building);
    }
    built.map(|()| manifest)
}

fn build(from: &Path, building: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    create_private_dir(building)?;
    copy_file(&from.join(DB_FILE), &building.join(DB_FILE))?;
    let uploads = from.join(UPLOADS_DIR);
    if uploads.exists() {
        copy_tree(&uploads, &building.join(UPLOADS_DIR))?;
    } else {
        create_private_dir(&building.join(UPLOADS_DIR))?;
    }
    sync_dir(building)?;
    // What was copied is checked again: the backup's disk may have returned other bytes
    // than it verified a moment ago.
    verify_contents(building, manifest)
}
