//! The one error type of the codec.
//!
//! Every variant is a unit or carries a `char`, so building an error never allocates: a
//! hostile client sending garbage in a loop costs us no heap traffic on the rejection path.
//! The variants are deliberately coarse (one per kind of mistake) because the transport's
//! reaction is the same for all of them (drop the packet or close the socket); the detail is
//! for logs and tests.

use thiserror::Error;

/// Why a frame could not be decoded (or, for [`ProtoError::Encode`], encoded).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum ProtoError {
    /// The frame (or one record of a polling payload) was the empty string.
    #[error("empty packet")]
    Empty,
    /// The first character is not an Engine.IO packet type ('0'..='6').
    #[error("unknown Engine.IO packet type {0:?}")]
    UnknownEngineType(char),
    /// CLOSE, UPGRADE or NOOP followed by data; socket.io-client always sends them bare.
    #[error("Engine.IO packet type {0:?} takes no payload")]
    UnexpectedEnginePayload(char),
    /// A binary Engine.IO message (WebSocket binary frame, or 'b'-prefixed base64 in polling).
    /// napalmsky's events are all JSON, so binary is refused instead of half-supported.
    #[error("binary Engine.IO packets are not supported")]
    EngineBinary,
    /// The first character of a Socket.IO packet is not a known type ('0'..='6').
    #[error("unknown Socket.IO packet type {0:?}")]
    UnknownSioType(char),
    /// BINARY_EVENT ('5') or BINARY_ACK ('6'): their attachments would arrive as binary
    /// Engine.IO frames, which we refuse, so the packet could never be completed.
    #[error("binary Socket.IO packets are not supported")]
    SioBinary,
    /// A namespace ('/...') that is not followed by ','.
    #[error("namespace is not terminated by ','")]
    UnterminatedNamespace,
    /// An ack id with more digits than a `u64` can hold.
    #[error("ack id does not fit in 64 bits")]
    AckIdOverflow,
    /// An ack id on a packet type that cannot carry one (CONNECT, DISCONNECT, CONNECT_ERROR).
    #[error("ack id not allowed on this packet type")]
    UnexpectedAckId,
    /// An ACK packet without the id it acknowledges.
    #[error("ACK packet without an id")]
    MissingAckId,
    /// The data part is not valid JSON (syntax, trailing junk, nesting too deep, ...).
    #[error("invalid JSON")]
    InvalidJson,
    /// Valid JSON of a shape this packet type does not allow (e.g. CONNECT with an array).
    #[error("payload shape not allowed for this packet type")]
    InvalidPayload,
    /// `decode_event` was given a packet that is not an EVENT.
    #[error("not an EVENT packet")]
    NotAnEvent,
    /// EVENT data that is not a non-empty array starting with the event name (a string).
    #[error("event data must be a non-empty array starting with the event name")]
    InvalidEvent,
    /// An event named like one of Socket.IO's own (`connect`, `disconnect`, ...): the
    /// reference server refuses them so that clients cannot fake lifecycle events.
    #[error("reserved event name")]
    ReservedEventName,
    /// A payload failed to serialize (only maps with non-string keys or a failing custom
    /// `Serialize` impl can do that).
    #[error("payload could not be serialized to JSON")]
    Encode,
}
