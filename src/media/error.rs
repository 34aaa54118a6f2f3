//! Why an upload was not stored.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file is larger than `--upload-limit`.
    #[error("file too large")]
    TooLarge,
    /// Its first bytes are not one of the kind's accepted formats.
    #[error("unsupported file type")]
    Unsupported,
    /// No field of the kind's name.
    #[error("no file uploaded")]
    NoFile,
    /// Not a multipart body, or a broken one (the detail is for debug logs only).
    #[error("malformed multipart body: {0}")]
    Malformed(String),
    /// Not received within `--upload-read-timeout`.
    #[error("upload not received in time")]
    TimedOut,
    /// Writing the file failed.
    #[error("storing the upload failed: {0}")]
    Storage(#[from] io::Error),
}
