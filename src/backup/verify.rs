//! A backup (or a restored data directory) checked against its manifest: the database file's
//! size and SHA-256, then each table's entry count and checksum recomputed from the file,
//! then each upload's size and SHA-256, with nothing missing and nothing extra.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::BackupError;
use super::manifest::{FileEntry, Manifest, TableEntry};
use super::uploads::{digest_all, is_upload_name};
use crate::media::UPLOADS_DIR;
use crate::store::{DB_FILE, digest_file};

/// Differences reported at most; past it the backup is plainly not the one described.
const MAX_REPORTED: usize = 20;

/// Reads the manifest of the backup in `dir` and verifies the backup against it.
pub fn verify(dir: &Path) -> Result<Manifest, BackupError> {
    let manifest = Manifest::read(dir)?;
    verify_contents(dir, &manifest)?;
    Ok(manifest)
}

/// Verifies the database and uploads in `dir` against `manifest`.
pub fn verify_contents(dir: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let mut problems = Vec::new();
    let db = dir.join(DB_FILE);
    if manifest.database.name != DB_FILE {
        problems.push(format!(
            "the manifest names database {:?}",
            manifest.database.name
        ));
    }
    match FileEntry::of(&db, DB_FILE.to_owned()) {
        Ok(found) if found == manifest.database => {
            // Only a file known to be the one written is opened: redb is not asked to make
            // sense of damaged bytes.
            compare_tables(&db, &manifest.tables, &mut problems)?;
        }
        Ok(found) => problems.push(format!(
            "{DB_FILE}: {} bytes with SHA-256 {}, the manifest says {} bytes with {}",
            found.bytes, found.sha256, manifest.database.bytes, manifest.database.sha256
        )),
        Err(e) => problems.push(e.to_string()),
    }
    compare_uploads(&dir.join(UPLOADS_DIR), &manifest.uploads, &mut problems)?;
    if problems.is_empty() {
        Ok(())
    } else {
        problems.truncate(MAX_REPORTED);
        Err(BackupError::Mismatch(problems))
    }
}

fn compare_tables(
    db: &Path,
    expected: &[TableEntry],
    problems: &mut Vec<String>,
) -> Result<(), BackupError> {
    let found: Vec<TableEntry> = digest_file(db)?.iter().map(TableEntry::from).collect();
    let found: BTreeMap<&str, &TableEntry> = found.iter().map(|t| (t.name.as_str(), t)).collect();
    let expected: BTreeMap<&str, &TableEntry> =
        expected.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, want) in &expected {
        match found.get(name) {
            None => problems.push(format!("table {name} is missing")),
            Some(got) if got.entries != want.entries => problems.push(format!(
                "table {name} holds {} entries, the manifest says {}",
                got.entries, want.entries
            )),
            Some(got) if *got != *want => {
                problems.push(format!("table {name}: checksum differs from the manifest"));
            }
            Some(_) => {}
        }
    }
    for name in found.keys().filter(|name| !expected.contains_key(*name)) {
        problems.push(format!("table {name} is not in the manifest"));
    }
    Ok(())
}

fn compare_uploads(
    dir: &Path,
    expected: &[FileEntry],
    problems: &mut Vec<String>,
) -> Result<(), BackupError> {
    for entry in expected.iter().filter(|e| !is_upload_name(&e.name)) {
        problems.push(format!(
            "the manifest names an invalid upload {:?}",
            entry.name
        ));
    }
    let found = digest_all(dir)?;
    let found: BTreeMap<&str, &FileEntry> = found.iter().map(|f| (f.name.as_str(), f)).collect();
    let expected: BTreeMap<&str, &FileEntry> =
        expected.iter().map(|f| (f.name.as_str(), f)).collect();
    for (name, want) in &expected {
        match found.get(name) {
            None => problems.push(format!("upload {name} is missing")),
            Some(got) if *got != *want => {
                problems.push(format!("upload {name}: size or checksum differs"));
            }
            Some(_) => {}
        }
    }
    for name in found.keys().filter(|name| !expected.contains_key(*name)) {
        problems.push(format!("upload {name} is not in the manifest"));
    }
    Ok(())
}
