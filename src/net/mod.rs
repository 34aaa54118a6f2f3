//! The HTTP edge: the only place that touches sockets and hyper types.

// Handlers return `Result<_, Response>` so an early error is one `?` away. A response is built
// once per request and moved, never copied in a loop: boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod auth;
mod body;
mod client_ip;
mod cors;
mod http;
mod listener;
mod load_shed;
mod rate_limit;
pub mod realtime;
mod respond;
mod router;
mod routes;
mod security_headers;

pub use client_ip::client_ip;
pub use http::{Http, HttpConfig, HttpParts};
pub use listener::bind;
pub use load_shed::LoadShedder;
pub use rate_limit::{RateLimiter, RateLimits};
pub use realtime::{Transports, TransportsConfig};
pub(crate) use router::handle;
