//! napalmsky: the backend of Napalm Sky in one binary.
//!
//! Layers, in dependency order from the top: `server` (builds the handles and wires them) ->
//! `net` (hyper: the route table, routes, transports, limits; the `Http` and `Transports`
//! handles) -> `app` (the `Realtime` handle: hub, effects, persistence worker, tickers) ->
//! `accounts`, `admin`, `calls`, `turn` (services: rules as store transactions; `turn` signs
//! TURN credentials and touches no store) -> `store` (redb +
//! rkyv, group commit, outbox, caches) -> `clock`. `domain` (pure realtime rules) and `proto` (pure
//! Engine.IO/Socket.IO codec) sit below `app`; `config` (the flag groups, plain data) below
//! `app`, `net` and `server`; `sync` (the Postgres mirror) below `net` and `server`.
//! `backup` (snapshots, restore, the control socket) sits on `store` and `media`, below
//! `server`. `tests/layering.rs` keeps it one way.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod backup;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod code_text;
pub mod config;
pub mod domain;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod media;
pub mod memory;
pub mod moderation;
pub mod net;
pub mod paywall;
pub mod proto;
pub mod referrals;
pub mod server;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_rng;
pub mod turn;

// jemalloc: lower fragmentation under many small per-connection allocations, and real heap
// statistics for `/health` (see `memory.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
