//! Wiring: the shared state, the accept loop with graceful shutdown, periodic maintenance,
//! and the process entry point used by `napalmsky serve`.

mod internals;
mod load_shed;
mod maintenance;
mod run;
mod state;
mod systemd;

pub use internals::Internals;
pub use load_shed::is_heavy;
pub use run::{RunningServer, init_tracing, serve_blocking, start};
pub(crate) use state::AppState;
