//! Runtime glue of the realtime flow: the socket registry, the domain behind a lock, applying
//! its effects (frames to sockets, presence coalescing, store writes), and the periodic tasks.
//!
//! Inside: `realtime` (the handle) -> `hub` (domain) -> `registry`, `outlet`, `presence`;
//! `realtime` -> `persist` (the durable-effects worker, which reports back through a callback)
//! and `auth`; `ticker` -> `realtime`.

mod auth;
mod events;
mod hub;
mod outlet;
mod persist;
mod presence;
mod realtime;
mod reel;
mod registry;
mod ticker;

pub use auth::SocketAuth;
pub use events::event_command;
pub use hub::{Hub, PresenceDelivery};
pub use outlet::{Out, Outlet, QueueLimits, TextBatch};
pub use presence::{DeliveryRule, Shown};
pub use realtime::Realtime;
pub use reel::ReelCursors;
pub use registry::{OpenLimits, OpenRefused};
pub use ticker::spawn_tickers;
