//! What every table shares: the meta table, creating tables at open, reading one record.
//!
//! Each record's own tables (and their indexes) are declared in its file under `records/`.
//! Indexes are separate tables written in the same transaction as the record they index, so
//! they can never disagree with it.

use std::borrow::Borrow;
use std::ops::RangeBounds;

use redb::{
    Key, MultimapTableDefinition, ReadableTable, TableDefinition, TableError, TypeName, Value,
    WriteTransaction,
};

use super::codec::{Record, Rkyv};
use super::error::StoreError;

/// Small counters: the next outbox sequence number, the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub const META_NEXT_SEQ: &str = "outbox_next_seq";
pub const META_SCHEMA_VERSION: &str = "schema_version";
pub const SCHEMA_VERSION: u64 = 1;

/// Something done to each table of the store, given its typed definition: creating it at
/// open, copying or digesting it for a backup. redb cannot iterate a table without its key
/// and value types, so the walk hands the definitions themselves to generic methods.
pub trait TableVisitor {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), StoreError>;

    fn multimap<K: Key + 'static, V: Key + 'static>(
        &mut self,
        table: MultimapTableDefinition<K, V>,
    ) -> Result<(), StoreError>;
}

/// Creates each table it visits (see `create`).
pub struct Creator<'a>(pub &'a WriteTransaction);

impl TableVisitor for Creator<'_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        create(self.0, table)
    }

    fn multimap<K: Key + 'static, V: Key + 'static>(
        &mut self,
        table: MultimapTableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        create_multimap(self.0, table)
    }
}

/// Creates a table if missing, so that readers never meet a missing one. A table written with
/// another key or value type (an older record version) is refused with its name and both types.
pub fn create<K: Key + 'static, V: Value + 'static>(
    txn: &WriteTransaction,
    table: TableDefinition<K, V>,
) -> Result<(), StoreError> {
    checked::<K, V>(txn.open_table(table).map(drop))
}

pub fn create_multimap<K: Key + 'static, V: Key + 'static>(
    txn: &WriteTransaction,
    table: MultimapTableDefinition<K, V>,
) -> Result<(), StoreError> {
    checked::<K, V>(txn.open_multimap_table(table).map(drop))
}

fn checked<K: Key, V: Value>(opened: Result<(), TableError>) -> Result<(), StoreError> {
    opened.map_err(|error| refuse_other_version(error, K::type_name(), V::type_name()))
}

fn refuse_other_version(error: TableError, key: TypeName, value: TypeName) -> StoreError {
    match error {
        TableError::TableTypeMismatch { .. } => StoreError::Incompatible(format!(
            "{error}; this build reads key type {} and value type {}: the file was written by \
             another version of this record and needs a migration (or the build that wrote it)",
            key.name(),
            value.name()
        )),
        other => other.into(),
    }
}

/// An owned copy of the record under `key`, from a read or a write transaction's table.
pub fn owned<'k, K: Key + 'static, T: Record>(
    table: &impl ReadableTable<K, Rkyv<T>>,
    key: impl Borrow<K::SelfType<'k>>,
) -> Result<Option<T>, StoreError> {
    let found = table.get(key)?;
    found.map(|guard| guard.value().to_record()).transpose()
}

/// Up to `limit` keys of `table` in `range`, in key order: the expiry and time indexes are
/// read this way, collected first so that the caller may then write to the same tables.
pub fn keys_in<K, V: Value + 'static>(
    table: &impl ReadableTable<K, V>,
    range: impl RangeBounds<K> + 'static,
    limit: usize,
) -> Result<Vec<K>, StoreError>
where
    K: Key + 'static + for<'a> Value<SelfType<'a> = K>,
{
    let mut keys = Vec::new();
    for entry in table.range::<K>(range)?.take(limit) {
        keys.push(entry?.0.value());
    }
    Ok(keys)
}
