//! napalmsky: the backend of Napalm Sky in one binary.
//!
//! Layers, in dependency order: `clock`/`config` (plain data) -> `store` (redb + rkyv,
//! group commit, outbox, caches) -> `accounts` (account rules on top of the store) -> `net`
//! (hyper: routes, limits, shutdown) -> `server` (wires it all together) -> `main`.

pub mod accounts;
pub mod app;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod config;
pub mod memory;
pub mod net;
pub mod server;
pub mod store;

// jemalloc: lower fragmentation under many small per-connection allocations, and real heap
// statistics for `/health` (see `memory.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
pub mod domain;
pub mod proto;
