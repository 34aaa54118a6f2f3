//! Media uploads (selfies and intro videos): what a file is (sniffed from its bytes), the
//! names files are stored under, the uploads directory with its atomic writes, the user
//! record's URL and the deletion of the file it replaced, and the rules of serving a stored
//! file (ranges, validators). No hyper: the HTTP edge is `net/routes/media.rs` and
//! `net/routes/uploads.rs`.

mod error;
mod format;
mod name;
mod range;
mod record;
mod storage;
mod validators;

pub use error::UploadError;
pub use format::{Format, MediaKind, SNIFF_BYTES, sniff};
pub use name::StoredName;
pub use range::{ByteRange, byte_range};
pub use record::{MediaChanged, delete_replaced, profile_of, set_url};
pub use storage::{PendingUpload, StoredFile, UPLOADS_DIR, Uploads};
pub use validators::{etag, http_date, not_modified, range_applies};
