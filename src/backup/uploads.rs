//! The uploads in a backup: linked from the data directory while deletions are paused, then
//! digested. Uploaded files are never modified, only added and deleted, so a hard link is a
//! snapshot of the file; it also costs no time or space while deletions wait.

use std::fs;
use std::io;
use std::path::Path;

use super::error::{BackupError, Doing};
use super::files::{copy_file, create_private_dir, sync_dir};
use super::manifest::FileEntry;

/// Links (or, where the file system refuses links, copies) every upload of `from` into the
/// new directory `into`. Names starting with a dot (an upload still being received) are
/// skipped; a file deleted meanwhile is too. Returns how many were taken.
pub fn link_all(from: &Path, into: &Path) -> Result<usize, BackupError> {
    create_private_dir(into)?;
    let mut taken = 0;
    for name in upload_names(from)? {
        let (source, target) = (from.join(&name), into.join(&name));
        match fs::hard_link(&source, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(_) => {
                copy_file(&source, &target)?;
            }
        }
        taken += 1;
    }
    sync_dir(into)?;
    Ok(taken)
}

/// Size and SHA-256 of each upload in `dir`, by name.
pub fn digest_all(dir: &Path) -> Result<Vec<FileEntry>, BackupError> {
    let mut entries = Vec::new();
    for name in upload_names(dir)? {
        entries.push(FileEntry::of(&dir.join(&name), name)?);
    }
    Ok(entries)
}

/// The regular files of `dir` that are uploads, sorted; none if `dir` does not exist.
pub fn upload_names(dir: &Path) -> Result<Vec<String>, BackupError> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).doing(|| format!("listing {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in listing {
        let entry = entry.doing(|| format!("listing {}", dir.display()))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_upload_name(&name) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// A plain file name that is not hidden: what the server stores, and all a manifest may
/// name (a manifest naming `../x` must never make a restore write outside its directory).
pub fn is_upload_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\0'])
}
