//! A data file whose creation never finished. redb writes its magic number last, once the new
//! file's structure is synced, and refuses to open a non-empty file without one. A power cut
//! during the very first start can leave such a file (sized, maybe partly written, magic still
//! zero); it cannot hold a commit, since none happens before the magic is on disk. The store
//! moves it aside and creates the database again, rather than refusing every later start.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Length of redb's magic number at the start of the file.
const MAGIC_LEN: usize = 9;

/// Whether the file starts as redb's header does before its magic number is written: bytes,
/// but zeros where the magic number goes.
pub(super) fn is_unfinished(head: &[u8]) -> bool {
    !head.is_empty() && head.iter().take(MAGIC_LEN).all(|b| *b == 0)
}

/// Moves an unfinished file at `path` aside (kept, not deleted: the test above cannot tell a
/// foreign file starting with zeros from it). Returns where it went, or `None` if the file is
/// not one.
pub(super) fn set_aside(path: &Path) -> std::io::Result<Option<PathBuf>> {
    let mut head = Vec::with_capacity(MAGIC_LEN);
    std::fs::File::open(path)?
        .take(MAGIC_LEN as u64)
        .read_to_end(&mut head)?;
    if !is_unfinished(&head) {
        return Ok(None);
    }
    let mut aside = path.as_os_str().to_owned();
    aside.push(".unfinished");
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside)?;
    Ok(Some(aside))
}
