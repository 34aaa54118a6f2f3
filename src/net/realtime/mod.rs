//! Engine.IO v4 / Socket.IO v5 at `/socket.io/`: the WebSocket and long-polling transports,
//! and the per-connection session both feed.

mod bucket;
mod outgoing;
mod polling;
mod polling_sessions;
mod query;
mod session;
mod transports;
mod websocket;
pub(crate) mod ws_frames;

pub use transports::Transports;

use std::net::IpAddr;
use std::sync::Arc;

use hyper::body::Incoming;

use crate::app::{OpenLimits, OpenRefused, Outlet};
use crate::domain::SocketId;
use hyper::{Method, Request, StatusCode};

use super::respond::{Resp, error};
use query::{EngineQuery, Transport};

/// `ip` is the client's address as the HTTP layer resolved it (`client_ip`): an
/// authenticated socket records it for the user, as signup and login do.
pub async fn handle(state: &Arc<Transports>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    let query = match EngineQuery::parse(request.uri().query()) {
        Ok(query) => query,
        Err(message) => return engine_error(0, message),
    };
    match (query.transport, request.method(), &query.sid) {
        (Transport::WebSocket, &Method::GET, None) => websocket::upgrade(state, ip, request).await,
        (Transport::WebSocket, _, Some(_)) => engine_error(3, "Bad request"),
        (Transport::Polling, &Method::GET, None) => polling::handshake(state, ip),
        (Transport::Polling, &Method::GET, Some(sid)) => polling::poll(state, sid).await,
        (Transport::Polling, &Method::POST, Some(sid)) => {
            polling::post(state, sid, request.into_body()).await
        }
        _ => engine_error(2, "Bad handshake method"),
    }
}

/// Engine.IO's own error body (`{code, message}`), which its clients understand.
fn engine_error(code: u8, message: &str) -> Resp {
    super::respond::json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({"code": code, "message": message}),
    )
}

/// A new transport's place in the registry, or the refusal: memory at the critical level, too
/// many new sessions or open sockets from this address, or too many connections in all. The
/// place is taken atomically (see `Hub::open_socket_within`); a transport that then fails to
/// start gives it back with `forget_socket`.
fn open_within_capacity(state: &Transports, ip: IpAddr) -> Result<(SocketId, Arc<Outlet>), Resp> {
    let at_capacity = || {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Server at capacity, please try again shortly",
        )
    };
    if state.shedder.is_active() {
        return Err(at_capacity());
    }
    let decision = state.handshakes.hit(ip);
    if decision.limited {
        return Err(state.handshakes.limited_response(&decision));
    }
    let config = state.realtime.config();
    let limits = OpenLimits {
        total: config.max_connections as usize,
        per_address: config.max_connections_per_ip as usize,
    };
    state
        .realtime
        .open_socket_within(ip, limits)
        .map_err(|refused| match refused {
            OpenRefused::Full => at_capacity(),
            OpenRefused::AddressFull => error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many connections from this address",
            ),
        })
}
