//! The store's side of a backup: every table of one read transaction copied into a new redb
//! file, and per-table digests (entry count, SHA-256 of the entries) that a backup's manifest
//! records and its verification recomputes from the copy.
//!
//! The copy reads one redb snapshot, so it is consistent without stopping the writer: redb
//! keeps the pages of a live read transaction while later commits go elsewhere.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use redb::{
    Database, Key, MultimapTableDefinition, MultimapTableHandle, ReadTransaction, ReadableDatabase,
    ReadableMultimapTable, ReadableTable, TableDefinition, TableHandle, Value, WriteTransaction,
};
use sha2::{Digest, Sha256};

use super::change::OUTBOX;
use super::error::StoreError;
use super::read::Reader;
use super::records;
use super::tables::{META, TableVisitor};

/// redb's page cache for the copy and for digesting it. redb's default (1 GiB) would let a
/// backup of a large store grow the server's memory by that much; the copy reads each page
/// once, so a small cache costs little time.
const COPY_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// One table's content, as a backup manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub name: String,
    /// A multimap table counts each (key, value) pair as one entry.
    pub multimap: bool,
    pub entries: u64,
    /// SHA-256 over the entries in key order, each as key length (u64 LE), key bytes, value
    /// length, value bytes: the lengths keep entry boundaries unambiguous.
    pub sha256: [u8; 32],
}

impl Reader {
    /// Copies every table of this snapshot into a new database file at `path` (created with
    /// mode 0600: it holds password hashes and tokens) and returns what was copied. Fails on a
    /// table this build does not know rather than leave it out of the copy.
    pub fn copy_into_new_file(&self, path: &Path) -> Result<Vec<TableDigest>, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        let backend = redb::backends::FileBackend::new(file)?;
        let target = Database::builder()
            .set_cache_size(COPY_CACHE_BYTES)
            .create_with_backend(backend)?;
        let txn = target.begin_write()?;
        let digests = walk(self.txn(), Some(&txn))?;
        txn.commit()?;
        Ok(digests)
    }
}

/// The digests of every table in the database file at `path`, opened read-only.
pub fn digest_file(path: &Path) -> Result<Vec<TableDigest>, StoreError> {
    let db = Database::builder()
        .set_cache_size(COPY_CACHE_BYTES)
        .open_read_only(path)?;
    walk(&db.begin_read()?, None)
}

/// Digests every known table of `from`, copying each into `into` when given; then refuses
/// tables present in the file but unknown to the walk.
fn walk(
    from: &ReadTransaction,
    into: Option<&WriteTransaction>,
) -> Result<Vec<TableDigest>, StoreError> {
    let mut walk = Walk {
        from,
        into,
        digests: Vec::new(),
    };
    walk.table(META)?;
    walk.table(OUTBOX)?;
    records::visit_tables(&mut walk)?;
    let known: BTreeSet<&str> = walk.digests.iter().map(|d| d.name.as_str()).collect();
    let present = from.list_tables()?.map(|t| t.name().to_owned());
    let present = present.chain(from.list_multimap_tables()?.map(|t| t.name().to_owned()));
    for name in present {
        if !known.contains(name.as_str()) {
            return Err(StoreError::Incompatible(format!(
                "table {name} is not one this build knows; refusing a backup without it"
            )));
        }
    }
    Ok(walk.digests)
}

struct Walk<'a> {
    from: &'a ReadTransaction,
    into: Option<&'a WriteTransaction>,
    digests: Vec<TableDigest>,
}

impl TableVisitor for Walk<'_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let source = self.from.open_table(table)?;
        let mut target = self.into.map(|txn| txn.open_table(table)).transpose()?;
        let mut hasher = EntryHasher::default();
        for entry in source.iter()? {
            let (key, value) = entry?;
            let (key, value) = (key.value(), value.value());
            hasher.add(K::as_bytes(&key).as_ref(), V::as_bytes(&value).as_ref());
            if let Some(target) = target.as_mut() {
                target.insert(&key, &value)?;
            }
        }
        self.digests.push(hasher.finish(table.name(), false));
        Ok(())
    }

    fn multimap<K: Key + 'static, V: Key + 'static>(
        &mut self,
        table: MultimapTableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let source = self.from.open_multimap_table(table)?;
        let mut target = self
            .into
            .map(|txn| txn.open_multimap_table(table))
            .transpose()?;
        let mut hasher = EntryHasher::default();
        for entry in source.iter()? {
            let (key, values) = entry?;
            let key = key.value();
            for value in values {
                let value = value?;
                let value = value.value();
                hasher.add(K::as_bytes(&key).as_ref(), V::as_bytes(&value).as_ref());
                if let Some(target) = target.as_mut() {
                    target.insert(&key, &value)?;
                }
            }
        }
        self.digests.push(hasher.finish(table.name(), true));
        Ok(())
    }
}

#[derive(Default)]
struct EntryHasher {
    sha: Sha256,
    entries: u64,
}

impl EntryHasher {
    fn add(&mut self, key: &[u8], value: &[u8]) {
        for part in [key, value] {
            self.sha.update((part.len() as u64).to_le_bytes());
            self.sha.update(part);
        }
        self.entries += 1;
    }

    fn finish(self, name: &str, multimap: bool) -> TableDigest {
        TableDigest {
            name: name.to_owned(),
            multimap,
            entries: self.entries,
            sha256: self.sha.finalize().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::Store;

    #[test]
    fn a_copy_holds_every_table_with_the_same_digests() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let clock = ManualClock::starting_at(1_000);
        let store = Store::open(dir.path(), 1, 1, Duration::from_secs(1), clock)
            .unwrap_or_else(|e| panic!("{e}"));
        let reader = store.read().unwrap_or_else(|e| panic!("{e}"));
        let copy = dir.path().join("copy.redb");
        let copied = reader
            .copy_into_new_file(&copy)
            .unwrap_or_else(|e| panic!("{e}"));
        // Every table of the file is in the walk (none left out of a backup)...
        let names: BTreeSet<String> = reader
            .txn()
            .list_tables()
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|t| t.name().to_owned())
            .collect();
        assert!(names.iter().all(|n| copied.iter().any(|d| &d.name == n)));
        assert!(copied.iter().any(|d| d.name == "users"));
        assert!(copied.iter().any(|d| d.multimap));
        // ...and the copy digests the same.
        assert_eq!(digest_file(&copy).unwrap_or_else(|e| panic!("{e}")), copied);
        let meta = copied.iter().find(|d| d.name == "meta");
        assert!(meta.is_some_and(|m| m.entries >= 1), "{meta:?}");
        // A second copy to the same path is refused, never overwritten.
        assert!(reader.copy_into_new_file(&copy).is_err());
    }
}
