//! Store tests that need its internals or a real data file: what a failure inside the writer
//! does to its batch and to the store, how a file of an older record version is refused, and
//! the store on a simulated disk that fails (storage faults).

mod batch_failure;
mod chosen_faults;
mod commit_failure;
mod fault_model;
mod fault_workload;
mod older_version;
mod record_count;
mod sim_disk;
mod storage_faults;
mod support;
mod unfinished_creation;
