//! The HTTP edge: the only place that touches sockets and hyper types.

// `ApiError::RateLimited` carries a limiter's whole response, built once per request and
// moved, never copied in a loop: boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub(crate) mod admin_guard;
mod auth;
mod body;
mod call;
mod client_ip;
mod connection_limits;
mod cors;
mod error;
mod http;
mod listener;
mod load_shed;
mod outcomes;
mod queue_extras;
mod rate_limit;
pub mod realtime;
mod respond;
mod route_table;
mod router;
mod routes;
mod security_headers;
mod upload_body;

pub use call::{Answer, Call, PathParams};
pub use error::ApiError;
pub use route_table::{RateClass, Route, Weight};

pub use client_ip::client_ip;
pub use connection_limits::{Admitted, ConnectionLimits, Refused, descriptor_limit};
pub use http::{Http, HttpConfig};
pub use listener::bind;
pub use load_shed::LoadShedder;
pub use queue_extras::QueueExtras;
pub use rate_limit::{RateLimiter, RateLimits, handshake_limiter};
pub use realtime::Transports;
pub(crate) use router::handle;
