//! Wiring: the shared state, the accept loop with graceful shutdown, periodic maintenance,
//! and the process entry point used by `napalmsky serve`.

mod load_shed;
mod maintenance;
mod run;
mod state;
mod systemd;

pub use load_shed::LoadShedder;
pub use maintenance::run_cleanup;
pub use run::{RunningServer, init_tracing, serve_blocking, start};
pub use state::AppState;
