//! Wiring: the shared state, the accept loop with graceful shutdown, periodic maintenance,
//! and the process entry point used by `napalmsky serve`.

#[cfg(test)]
mod admin_guard_tests;
mod internals;
mod maintenance;
mod run;
mod state;
mod systemd;

pub use internals::Internals;
pub use run::{RunningServer, init_tracing, serve_blocking, start};
pub(crate) use state::AppState;
