//! A staged backup copied to the operator's target, appearing there whole (built under a
//! hidden name, then renamed), then verified where it landed. The staged copy is removed in
//! every case: the data directory does not keep backups.

use std::path::Path;

use super::error::BackupError;
use super::files::{absent_or_empty, copy_tree, discard, install, temporary_sibling};
use super::manifest::Manifest;
use super::verify::verify;

/// Copies `staged` to `to` (absent or an empty directory) and verifies the copy.
pub fn deliver(staged: &Path, to: &Path) -> Result<Manifest, BackupError> {
    let delivered = copy_and_install(staged, to);
    discard(staged);
    delivered?;
    verify(to)
}

fn copy_and_install(staged: &Path, to: &Path) -> Result<(), BackupError> {
    refuse_unless_empty(to)?;
    let building = temporary_sibling(to, "partial")?;
    let built = copy_tree(staged, &building).and_then(|()| install(&building, to));
    if built.is_err() {
        discard(&building);
    }
    built
}

pub fn refuse_unless_empty(to: &Path) -> Result<(), BackupError> {
    if absent_or_empty(to)? {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "{} exists and is not empty; a backup goes into a new or empty directory",
            to.display()
        )))
    }
}
