//! The uploads directory (`<data-dir>/uploads/`): files arrive in a temporary file of the same
//! directory, are synced, then renamed to their served name, so a crash never leaves half a
//! file under a name a URL points at. All file I/O runs on tokio's blocking pool
//! (`tokio::fs`), never on the async threads.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::{OwnedRwLockWriteGuard, RwLock};

use super::format::{Format, SNIFF_BYTES};
use super::name::StoredName;

/// The uploads' folder inside the data directory.
pub const UPLOADS_DIR: &str = "uploads";
/// Temporary files start with this; no served name does (they are hex), so a temporary file
/// can never be requested.
const TEMP_PREFIX: &str = ".upload-";
/// Writes are gathered into blocks of this size: one blocking-pool hop per block rather than
/// per network chunk, and the memory an upload holds stays this small.
const WRITE_BUFFER: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct Uploads {
    dir: PathBuf,
    /// Held shared by each deletion and exclusively by a backup while it links the files
    /// its store snapshot refers to: a file replaced right after the snapshot is still
    /// there to link (files are never modified, only added and deleted).
    removals: Arc<RwLock<()>>,
}

/// A served file, opened.
pub struct StoredFile {
    pub file: tokio::fs::File,
    pub len: u64,
    pub modified: SystemTime,
}

impl Uploads {
    /// Creates the directory if needed and removes temporary files a crash left behind.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let dir = data_dir.join(UPLOADS_DIR);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Self {
            dir,
            removals: Arc::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &StoredName) -> PathBuf {
        self.dir.join(name.to_string())
    }

    /// Starts receiving a file.
    pub async fn begin(&self) -> io::Result<PendingUpload> {
        let temp_name = StoredName::random(Format::Png).map_err(io::Error::other)?;
        let temp = self.dir.join(format!("{TEMP_PREFIX}{}", temp_name.stem()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await?;
        Ok(PendingUpload {
            file: Some(BufWriter::with_capacity(WRITE_BUFFER, file)),
            temp,
            dir: self.dir.clone(),
            head: Vec::new(),
            written: 0,
        })
    }

    /// Opens a stored file for serving; `None` if there is none by that name.
    pub async fn open_file(&self, name: &StoredName) -> io::Result<Option<StoredFile>> {
        let file = match tokio::fs::File::open(self.path(name)).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let metadata = file.metadata().await?;
        if !metadata.is_file() {
            return Ok(None);
        }
        Ok(Some(StoredFile {
            file,
            len: metadata.len(),
            modified: metadata.modified()?,
        }))
    }

    /// Waits for running deletions, then holds new ones back until the guard is dropped.
    pub async fn pause_removals(&self) -> OwnedRwLockWriteGuard<()> {
        self.removals.clone().write_owned().await
    }

    /// Deletes a stored file; one already gone is fine.
    pub async fn remove(&self, name: &StoredName) -> io::Result<()> {
        let _not_paused = self.removals.read().await;
        match tokio::fs::remove_file(self.path(name)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A file being received. Dropped before `commit` (an error, a refused type, the client gone,
/// the request's future cancelled), it deletes its temporary file.
pub struct PendingUpload {
    file: Option<BufWriter<tokio::fs::File>>,
    temp: PathBuf,
    dir: PathBuf,
    /// The first `SNIFF_BYTES` bytes, to decide the type.
    head: Vec<u8>,
    written: u64,
}

impl PendingUpload {
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.head.len() < SNIFF_BYTES {
            let take = chunk.len().min(SNIFF_BYTES - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        let file = self.file.as_mut().ok_or_else(closed)?;
        file.write_all(chunk).await?;
        self.written += chunk.len() as u64;
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Enough of the file to sniff its type (all of it if it is shorter).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    pub fn head_is_full(&self) -> bool {
        self.head.len() >= SNIFF_BYTES
    }

    /// Syncs the file and renames it to a new random name of `format`; then syncs the
    /// directory so the rename itself survives a crash.
    pub async fn commit(mut self, format: Format) -> io::Result<StoredName> {
        let mut file = self.file.take().ok_or_else(closed)?;
        file.flush().await?;
        let file = file.into_inner();
        file.sync_all().await?;
        drop(file);
        let name = StoredName::random(format).map_err(io::Error::other)?;
        let renamed = tokio::fs::rename(&self.temp, self.dir.join(name.to_string())).await;
        if let Err(e) = renamed {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Err(e);
        }
        // Renamed: nothing left to delete on drop.
        self.temp = PathBuf::new();
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
            .await
            .map_err(io::Error::other)??;
        Ok(name)
    }

    /// Deletes the temporary file now (off the async threads), rather than on drop.
    pub async fn discard(mut self) {
        self.file = None;
        let temp = std::mem::take(&mut self.temp);
        if let Err(e) = tokio::fs::remove_file(&temp).await {
            tracing::warn!(error = %e, "could not delete a refused upload");
        }
    }
}

impl Drop for PendingUpload {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            // The rare path (a cancelled request): one unlink, fast enough to do inline.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn closed() -> io::Error {
    io::Error::other("upload already finished")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_committed_upload_is_renamed_and_a_dropped_one_leaves_nothing() {
        let data = tempfile::tempdir().expect("tempdir");
        let uploads = Uploads::open(data.path()).expect("open");
        let mut upload = uploads.begin().await.expect("begin");
        upload.write(b"\x89PNG").await.expect("write");
        upload.write(b"rest").await.expect("write");
        assert_eq!(upload.written(), 8);
        assert_eq!(upload.head(), b"\x89PNGrest");
        let name = upload.commit(Format::Png).await.expect("commit");
        assert_eq!(names_in(uploads.dir()), vec![name.to_string()]);
        let stored = uploads
            .open_file(&name)
            .await
            .expect("open")
            .expect("found");
        assert_eq!(stored.len, 8);

        let mut dropped = uploads.begin().await.expect("begin");
        dropped.write(b"half").await.expect("write");
        assert_eq!(
            names_in(uploads.dir()).len(),
            2,
            "the temporary file exists"
        );
        drop(dropped);
        let discarded = uploads.begin().await.expect("begin");
        discarded.discard().await;
        assert_eq!(names_in(uploads.dir()), vec![name.to_string()]);

        uploads.remove(&name).await.expect("remove");
        uploads
            .remove(&name)
            .await
            .expect("a second remove is fine");
        assert!(uploads.open_file(&name).await.expect("open").is_none());
    }

    #[tokio::test]
    async fn opening_removes_temporary_files_a_crash_left() {
        let data = tempfile::tempdir().expect("tempdir");
        let uploads = Uploads::open(data.path()).expect("open");
        let upload = uploads.begin().await.expect("begin");
        std::mem::forget(upload);
        assert_eq!(names_in(uploads.dir()).len(), 1);
        Uploads::open(data.path()).expect("reopen");
        assert!(names_in(uploads.dir()).is_empty());
    }

    #[tokio::test]
    async fn a_deletion_waits_while_removals_are_paused() {
        let data = tempfile::tempdir().expect("tempdir");
        let uploads = Uploads::open(data.path()).expect("open");
        let mut upload = uploads.begin().await.expect("begin");
        upload.write(b"\x89PNG").await.expect("write");
        let name = upload.commit(Format::Png).await.expect("commit");

        let paused = uploads.pause_removals().await;
        let remover = uploads.clone();
        let mut removing = tokio::spawn(async move { remover.remove(&name).await });
        // Held back while paused (an unpaused deletion takes well under this)...
        let waited = tokio::time::timeout(std::time::Duration::from_millis(300), &mut removing);
        assert!(waited.await.is_err(), "the deletion ran while paused");
        assert_eq!(names_in(uploads.dir()).len(), 1);
        // ...and done once the pause ends.
        drop(paused);
        removing.await.expect("join").expect("remove");
        assert!(names_in(uploads.dir()).is_empty());
    }
}
