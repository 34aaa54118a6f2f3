//! Invariants checked on arbitrary input, shared by the cargo-fuzz targets (`fuzz/`, run for
//! a short smoke time in CI) and their seeded runs on stable (`tests/fuzz_smoke.rs`). Each
//! `check` returns `Err` describing the first broken invariant; a panic is a finding too.
//! (The Engine.IO / Socket.IO decoders' invariants are `proto::roundtrip`.)

pub mod http_bodies;
pub mod records;
pub mod ws_frames;
