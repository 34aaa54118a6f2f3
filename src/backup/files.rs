//! Private files and directories (a backup holds password hashes and session tokens: files
//! 0600, directories 0700), durable writes, and directories that appear whole.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::error::{BackupError, Doing};

/// Deepest folder nesting `copy_tree` follows; a backup has two levels.
const MAX_DEPTH: usize = 4;

pub fn create_private_dir(path: &Path) -> Result<(), BackupError> {
    DirBuilder::new()
        .mode(0o700)
        .create(path)
        .doing(|| format!("creating {}", path.display()))
}

/// A new file (never an existing one) that only the owner can read.
pub fn create_private_file(path: &Path) -> Result<File, BackupError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .doing(|| format!("creating {}", path.display()))
}

/// Makes the directory's entries (new names, renames) durable.
pub fn sync_dir(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .doing(|| format!("syncing {}", path.display()))
}

/// Copies one regular file into a new private file and syncs it.
pub fn copy_file(from: &Path, to: &Path) -> Result<u64, BackupError> {
    let mut source = File::open(from).doing(|| format!("opening {}", from.display()))?;
    let mut target = create_private_file(to)?;
    let copied = io::copy(&mut source, &mut target)
        .doing(|| format!("copying {} to {}", from.display(), to.display()))?;
    target
        .sync_all()
        .doing(|| format!("syncing {}", to.display()))?;
    Ok(copied)
}

/// Copies a tree of regular files into a new private directory `to`; anything else (a
/// symbolic link, a device) is refused rather than followed.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), BackupError> {
    copy_tree_at(from, to, 0)
}

fn copy_tree_at(from: &Path, to: &Path, depth: usize) -> Result<(), BackupError> {
    if depth > MAX_DEPTH {
        return Err(BackupError::Refused(format!(
            "{} is nested deeper than a backup is",
            from.display()
        )));
    }
    create_private_dir(to)?;
    for entry in fs::read_dir(from).doing(|| format!("listing {}", from.display()))? {
        let entry = entry.doing(|| format!("listing {}", from.display()))?;
        let kind = entry
            .file_type()
            .doing(|| format!("reading {}", entry.path().display()))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree_at(&entry.path(), &target, depth + 1)?;
        } else if kind.is_file() {
            copy_file(&entry.path(), &target)?;
        } else {
            return Err(BackupError::Refused(format!(
                "{} is neither a file nor a directory",
                entry.path().display()
            )));
        }
    }
    sync_dir(to)
}

/// True if nothing is at `path`, or an empty directory is.
pub fn absent_or_empty(path: &Path) -> Result<bool, BackupError> {
    match fs::read_dir(path) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).doing(|| format!("looking into {}", path.display())),
    }
}

/// A hidden, unique name next to `target`, for building it before it appears under its name.
pub fn temporary_sibling(target: &Path, purpose: &str) -> Result<PathBuf, BackupError> {
    let name = target.file_name().ok_or_else(|| {
        BackupError::Refused(format!("{} does not name a directory", target.display()))
    })?;
    let unique = uuid::Uuid::new_v4().simple();
    let hidden = format!(".{}.{purpose}-{unique}", name.to_string_lossy());
    Ok(target.with_file_name(hidden))
}

/// Renames the finished `built` onto `target`, which must be absent or an empty directory
/// (rename refuses a non-empty one, so data that appeared meanwhile is never replaced), and
/// makes the rename durable.
pub fn install(built: &Path, target: &Path) -> Result<(), BackupError> {
    fs::rename(built, target).doing(|| format!("moving the result to {}", target.display()))?;
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => sync_dir(Path::new(".")),
    }
}

/// Removes a half-built directory after a failure; a failure to remove is only logged, the
/// first error is the one that matters.
pub fn discard(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a partial backup");
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_copied_tree_is_private_and_refuses_links() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let from = dir.path().join("from");
        fs::create_dir_all(from.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        fs::write(from.join("sub/a"), b"abc").unwrap_or_else(|e| panic!("{e}"));
        let to = dir.path().join("to");
        copy_tree(&from, &to).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fs::read(to.join("sub/a")).ok(), Some(b"abc".to_vec()));
        assert_eq!(mode(&to), 0o700);
        assert_eq!(mode(&to.join("sub/a")), 0o600);

        std::os::unix::fs::symlink("/etc/passwd", from.join("link"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(copy_tree(&from, &dir.path().join("again")).is_err());
    }

    #[test]
    fn install_never_replaces_a_directory_holding_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let built = dir.path().join("built");
        create_private_dir(&built).unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("target");
        fs::create_dir(&target).unwrap_or_else(|e| panic!("{e}"));
        fs::write(target.join("keep"), b"x").unwrap_or_else(|e| panic!("{e}"));
        assert!(!absent_or_empty(&target).unwrap_or(true));
        assert!(install(&built, &target).is_err());
        assert!(target.join("keep").exists());
        fs::remove_file(target.join("keep")).unwrap_or_else(|e| panic!("{e}"));
        install(&built, &target).unwrap_or_else(|e| panic!("{e}"));
        assert!(!built.exists());
    }
}
