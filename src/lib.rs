//! napalmsky: the backend of Napalm Sky in one binary.
//!
//! Layers, in dependency order: `clock`/`config` (plain data) -> `store` (redb + rkyv, group
//! commit, outbox, caches) -> `accounts`, `calls` (rules as store transactions) and `sync`
//! (the Postgres mirror); `domain` (pure realtime rules) and `proto` (pure Engine.IO/Socket.IO
//! codec) -> `app` (realtime glue) -> `net` (hyper: routes, transports, limits) -> `server`
//! (wires it all together) -> `main`.

pub mod accounts;
pub mod app;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod memory;
pub mod net;
pub mod proto;
pub mod server;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_rng;

// jemalloc: lower fragmentation under many small per-connection allocations, and real heap
// statistics for `/health` (see `memory.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
