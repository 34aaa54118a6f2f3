//! What can go wrong in a backup or a restore. Every case reaches the operator as a message
//! and a non-zero exit, or a control-socket client as `{"ok":false,"error":...}`.

use thiserror::Error;

use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum BackupError {
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The command would overwrite or mix with existing data.
    #[error("refused: {0}")]
    Refused(String),
    #[error("the manifest is unreadable: {0}")]
    Manifest(String),
    /// Verification found differences between the files and the manifest.
    #[error("the backup does not match its manifest: {}", .0.join("; "))]
    Mismatch(Vec<String>),
    #[error("the server could not write the backup: {0}")]
    Server(String),
    #[error("control socket: {0}")]
    Protocol(String),
}

/// Adds what was being done to an I/O error (the path is the useful part).
pub(crate) trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, BackupError>;
}

impl<T> Doing<T> for std::io::Result<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, BackupError> {
        self.map_err(|source| BackupError::Io {
            doing: what(),
            source,
        })
    }
}
