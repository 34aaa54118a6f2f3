//! `MANIFEST.json`: what a backup holds, with a count and a SHA-256 for each part, written
//! last so that a backup without one is known to be incomplete.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{BackupError, Doing};
use super::files::{create_private_file, sync_dir};
use crate::store::TableDigest;

pub const MANIFEST_FILE: &str = "MANIFEST.json";
const FORMAT: &str = "napalmsky-backup";
const VERSION: u32 = 1;
/// A manifest lists one line per table and per upload; far below this even for millions of
/// files. Bounds what reading a hostile or damaged one can cost.
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at_ms: u64,
    /// The build that wrote it (restoring into an older build may meet newer record types,
    /// which the store refuses at open).
    pub napalmsky_version: String,
    pub database: FileEntry,
    pub tables: Vec<TableEntry>,
    pub uploads: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableEntry {
    pub name: String,
    pub multimap: bool,
    pub entries: u64,
    pub sha256: String,
}

impl From<&TableDigest> for TableEntry {
    fn from(digest: &TableDigest) -> Self {
        Self {
            name: digest.name.clone(),
            multimap: digest.multimap,
            entries: digest.entries,
            sha256: hex(&digest.sha256),
        }
    }
}

impl Manifest {
    pub fn new(
        created_at_ms: u64,
        database: FileEntry,
        tables: &[TableDigest],
        uploads: Vec<FileEntry>,
    ) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            created_at_ms,
            napalmsky_version: env!("CARGO_PKG_VERSION").to_owned(),
            database,
            tables: tables.iter().map(TableEntry::from).collect(),
            uploads,
        }
    }

    /// Entries of the named table, 0 if it has none or is not listed.
    pub fn entries_of(&self, table: &str) -> u64 {
        let found = self.tables.iter().find(|t| t.name == table);
        found.map_or(0, |t| t.entries)
    }

    pub fn total_entries(&self) -> u64 {
        self.tables.iter().map(|t| t.entries).sum()
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.bytes).sum()
    }

    /// Writes `dir/MANIFEST.json` (new, private) durably, and syncs `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), BackupError> {
        let path = dir.join(MANIFEST_FILE);
        let text =
            serde_json::to_vec_pretty(self).map_err(|e| BackupError::Manifest(e.to_string()))?;
        let mut file = create_private_file(&path)?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .doing(|| format!("writing {}", path.display()))?;
        sync_dir(dir)
    }

    /// Reads and checks `dir/MANIFEST.json`.
    pub fn read(dir: &Path) -> Result<Self, BackupError> {
        let path = dir.join(MANIFEST_FILE);
        let file = File::open(&path).map_err(|e| {
            BackupError::Manifest(format!(
                "{}: {e} (a backup without a manifest is incomplete)",
                path.display()
            ))
        })?;
        let mut text = Vec::new();
        file.take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut text)
            .doing(|| format!("reading {}", path.display()))?;
        if text.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(BackupError::Manifest(format!(
                "{} is larger than {MAX_MANIFEST_BYTES} bytes",
                path.display()
            )));
        }
        let manifest: Self =
            serde_json::from_slice(&text).map_err(|e| BackupError::Manifest(e.to_string()))?;
        if manifest.format != FORMAT || manifest.version != VERSION {
            return Err(BackupError::Manifest(format!(
                "format {} version {}; this build reads {FORMAT} version {VERSION}",
                manifest.format, manifest.version
            )));
        }
        Ok(manifest)
    }
}

impl FileEntry {
    /// Size and SHA-256 of the file at `path`, read in blocks (media files can be large).
    pub fn of(path: &Path, name: String) -> Result<Self, BackupError> {
        let mut file = File::open(path).doing(|| format!("opening {}", path.display()))?;
        let mut sha = Sha256::new();
        let mut block = vec![0u8; 256 * 1024];
        let mut bytes = 0u64;
        loop {
            let read = file
                .read(&mut block)
                .doing(|| format!("reading {}", path.display()))?;
            if read == 0 {
                break;
            }
            sha.update(&block[..read]);
            bytes += read as u64;
        }
        Ok(Self {
            name,
            bytes,
            sha256: hex(&sha.finalize()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("f"), b"abc").unwrap_or_else(|e| panic!("{e}"));
        let file =
            FileEntry::of(&dir.path().join("f"), "f".into()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let manifest = Manifest::new(5, file, &[], Vec::new());
        manifest.write(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Manifest::read(dir.path()).ok(), Some(manifest.clone()));
        assert!(manifest.write(dir.path()).is_err(), "never overwritten");

        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap_or_else(|e| panic!("{e}"));
        let mut changed = manifest;
        changed.version = 99;
        changed.write(&other).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Manifest::read(&other),
            Err(BackupError::Manifest(_))
        ));
    }
}
