//! Store tests that need its internals or a real data file: what a failure inside the writer
//! does to its batch and to the store, and how a file of an older record version is refused.

mod batch_failure;
mod commit_failure;
mod older_version;
mod record_count;
mod support;
