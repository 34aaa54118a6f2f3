//! rkyv records inside redb values.
//!
//! redb does not align stored values, so rkyv is built with its `unaligned` format and
//! `rkyv::access` validates the archive in place (see STACK.md). Each record type has a redb
//! type name carrying its schema version and the format (its `Record` impl, next to the struct
//! in `records/`): opening a table written with another layout fails loudly instead of
//! misreading bytes (see `tables::create`).

use std::fmt;
use std::marker::PhantomData;

use rkyv::api::high::{HighDeserializer, HighSerializer, HighValidator};
use rkyv::rancor;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::util::AlignedVec;

use super::error::StoreError;

/// A record type that can live in a redb table as an rkyv archive.
pub trait Record:
    rkyv::Archive<
        Archived: for<'a> rkyv::bytecheck::CheckBytes<HighValidator<'a, rancor::Error>>
                      + rkyv::Deserialize<Self, HighDeserializer<rancor::Error>>,
    > + for<'a> rkyv::Serialize<HighSerializer<AlignedVec, ArenaHandle<'a>, rancor::Error>>
    + Sized
    + 'static
{
    /// `napalmsky.<record>.v<schema>.rkyv08-unaligned-le`; part of the on-disk format: a
    /// layout change is a new version and a migration, never an edit in place.
    const TYPE_NAME: &'static str;
}

/// Serializes a record for `Table::insert`.
pub fn encode<T: Record>(record: &T) -> Result<AlignedVec, StoreError> {
    rkyv::to_bytes::<rancor::Error>(record).map_err(|e| StoreError::Encode(e.to_string()))
}

/// The redb value type of a record table.
pub struct Rkyv<T>(PhantomData<T>);

impl<T> fmt::Debug for Rkyv<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rkyv")
    }
}

/// The stored bytes of one record, validated on access.
pub struct Stored<'a, T> {
    bytes: &'a [u8],
    record: PhantomData<T>,
}

impl<'a, T: Record> Stored<'a, T> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            record: PhantomData,
        }
    }

    /// Zero-copy, validated view of the archive.
    pub fn archived(&self) -> Result<&'a T::Archived, StoreError> {
        rkyv::access::<T::Archived, rancor::Error>(self.bytes)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", T::TYPE_NAME)))
    }

    /// An owned copy, for records about to be modified.
    pub fn to_record(&self) -> Result<T, StoreError> {
        let archived = self.archived()?;
        rkyv::deserialize::<T, rancor::Error>(archived)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", T::TYPE_NAME)))
    }
}

impl<T> fmt::Debug for Stored<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stored({} bytes)", self.bytes.len())
    }
}

impl<T: Record> redb::Value for Rkyv<T> {
    type SelfType<'a>
        = Stored<'a, T>
    where
        Self: 'a;
    type AsBytes<'a>
        = &'a [u8]
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        None
    }

    fn from_bytes<'a>(data: &'a [u8]) -> Stored<'a, T>
    where
        Self: 'a,
    {
        Stored::new(data)
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a Stored<'b, T>) -> &'a [u8]
    where
        Self: 'b,
    {
        value.bytes
    }

    fn type_name() -> redb::TypeName {
        redb::TypeName::new(T::TYPE_NAME)
    }
}
