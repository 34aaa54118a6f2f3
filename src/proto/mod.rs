//! Engine.IO v4 / Socket.IO v5 wire codec: pure functions from text to packets and back.
//!
//! No I/O, no async: the transports (WebSocket, long-polling) own the sockets and call into
//! this module, so the whole protocol surface can be unit-tested and fuzzed in isolation.
//! Only text packets are supported; binary frames are refused with a specific error.

pub mod engine;
mod error;
mod json;
#[cfg(test)]
mod robustness;
pub mod roundtrip;
pub mod socketio;

pub use engine::{EnginePacket, OpenHandshake};
pub use error::ProtoError;
pub use socketio::{Event, SioKind, SioPacket};
