//! Online backup and restore of a data directory.
//!
//! `napalmsky backup` asks the running server over its control socket (redb lets one process
//! hold the database) or, on a stopped directory, does the same work itself: one store read
//! transaction copied into a new redb file plus the uploads, staged inside the data
//! directory with `MANIFEST.json` written last; then the command copies it to `--to` and
//! verifies it there. `napalmsky restore` verifies a backup and copies it into an empty data
//! directory.
//!
//! Module order: each file uses only those on the lines above it.
//!   error                  `BackupError`
//!   files                  private (0600/0700) files, durable writes, whole-directory renames
//!   manifest               `MANIFEST.json`: counts and SHA-256 of every part
//!   uploads                linking and digesting the uploads
//!   stage                  a backup written inside the data directory
//!   verify                 a directory checked against its manifest
//!   deliver, restore       staged -> target; backup -> data directory
//!   protocol               the control socket's one-line JSON request and answer
//!   control, client        the server's and the command's side of the socket
//!   command                the entry points `main` calls

mod client;
mod command;
mod control;
mod deliver;
mod error;
mod files;
mod manifest;
mod protocol;
mod restore;
mod stage;
mod uploads;
mod verify;

pub use command::{run_backup_blocking, run_restore_blocking};
pub use control::serve_control;
pub use error::BackupError;
pub use manifest::{MANIFEST_FILE, Manifest};
pub use protocol::SOCKET_FILE;
pub use stage::STAGING_DIR;
pub use verify::verify;
