//! The read side's core: a redb snapshot with typed, zero-copy access.
//!
//! Each record's reads are `impl Reader` blocks in its file under `records/`.

use std::borrow::Borrow;

use redb::{Key, ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::codec::{Record, Rkyv};
use super::error::StoreError;
use super::tables;

/// A visitor of records, one at a time (`replay --full` streams them).
pub type Each<'a, T> = &'a mut dyn FnMut(T) -> Result<(), StoreError>;

pub struct Reader {
    txn: ReadTransaction,
}

impl Reader {
    pub(super) fn new(txn: ReadTransaction) -> Self {
        Self { txn }
    }

    pub(super) fn txn(&self) -> &ReadTransaction {
        &self.txn
    }

    /// Calls `view` with the archived record under `key`, read in place from the memory map.
    pub(super) fn view<'k, K: Key + 'static, T: Record, R>(
        &self,
        table: TableDefinition<K, Rkyv<T>>,
        key: impl Borrow<K::SelfType<'k>>,
        view: impl FnOnce(&T::Archived) -> R,
    ) -> Result<Option<R>, StoreError> {
        let table = self.txn.open_table(table)?;
        let Some(guard) = table.get(key)? else {
            return Ok(None);
        };
        let stored = guard.value();
        Ok(Some(view(stored.archived()?)))
    }

    /// An owned copy of the record under `key`.
    pub(super) fn owned<'k, K: Key + 'static, T: Record>(
        &self,
        table: TableDefinition<K, Rkyv<T>>,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<Option<T>, StoreError> {
        tables::owned(&self.txn.open_table(table)?, key)
    }

    /// Calls `each` with every record of `table`, in key order.
    pub(super) fn each_in<K: Key + 'static, T: Record>(
        &self,
        table: TableDefinition<K, Rkyv<T>>,
        each: Each<'_, T>,
    ) -> Result<(), StoreError> {
        for entry in self.txn.open_table(table)?.iter()? {
            each(entry?.1.value().to_record()?)?;
        }
        Ok(())
    }

    pub(super) fn count<K: Key + 'static, V: redb::Value + 'static>(
        &self,
        table: TableDefinition<K, V>,
    ) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(table)?.len()?)
    }
}
