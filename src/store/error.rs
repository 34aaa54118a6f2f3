use thiserror::Error;

/// Failures of the store itself. Business outcomes (email taken, wrong password) are values
/// returned by the operations, never these.
#[derive(Debug, Error, Clone)]
pub enum StoreError {
    #[error("storage: {0}")]
    Storage(String),
    #[error("record could not be encoded: {0}")]
    Encode(String),
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
    /// A table of the data file holds another record version than this build reads.
    #[error("the data file holds another record version: {0}")]
    Incompatible(String),
    #[error("the store is shutting down")]
    Closed,
    #[error("the store failed earlier and refuses writes until restarted")]
    Failed,
    #[error("another process holds the data directory {0}")]
    Locked(String),
}

macro_rules! storage_from {
    ($($ty:ty),+) => {$(
        impl From<$ty> for StoreError {
            fn from(e: $ty) -> Self {
                StoreError::Storage(e.to_string())
            }
        }
    )+};
}

storage_from!(
    redb::Error,
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError,
    redb::SetDurabilityError,
    std::io::Error
);
