//! Runtime glue of the realtime flow: the socket registry, the domain behind a lock, applying
//! its effects (frames to sockets, presence coalescing, store writes), and the periodic tasks.

mod auth;
mod events;
mod hub;
mod outlet;
mod persist;
mod presence;
mod reel;
mod ticker;

pub use auth::{SocketAuth, authenticate_token};
pub use events::event_command;
pub use hub::Realtime;
pub use outlet::{Out, Outlet};
pub use reel::ReelCursors;
pub use ticker::spawn_tickers;

use std::sync::Arc;

use crate::domain::Command;
use crate::server::AppState;

/// Runs one command through the domain and applies its effects.
pub fn dispatch(state: &Arc<AppState>, command: Command) {
    let now = state.clock.now_ms();
    let effects = state.realtime.handle(now, command);
    hub::apply(state, effects);
}
