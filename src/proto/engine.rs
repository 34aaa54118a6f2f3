//! Engine.IO protocol v4 packets, text form only.
//!
//! An Engine.IO text packet is one type digit followed by an optional payload:
//! open '0', close '1', ping '2', pong '3', message '4', upgrade '5', noop '6'. Over WebSocket
//! each text frame is one packet; over long-polling a body carries several packets joined by
//! the record separator `'\x1e'`. Socket.IO packets travel inside MESSAGE ('4') packets.
//!
//! Decoding borrows the payload from the input, so the hot path (a WebSocket text frame to a
//! `Message(&str)`) allocates nothing.

use std::fmt::Write as _;

use serde::Deserialize;

use super::error::ProtoError;
use super::json;

/// Separates packets inside one long-polling body (ASCII "record separator").
///
/// It cannot occur inside a packet we accept: JSON forbids raw control characters, so a
/// client that wants one in a string must send the `\u001e` escape.
pub const RECORD_SEPARATOR: char = '\x1e';

/// CLOSE: asks the peer to close the session.
pub const CLOSE: &str = "1";
/// PING: the server sends it every `pingInterval`; the client must answer PONG in time.
pub const PING: &str = "2";
/// PONG: the client's answer to PING.
pub const PONG: &str = "3";
/// The answer to the client's `2probe` while it tests a WebSocket before upgrading.
pub const PONG_PROBE: &str = "3probe";
/// NOOP: ends a pending long-poll GET when the session upgrades to WebSocket.
pub const NOOP: &str = "6";

/// One decoded Engine.IO packet; payloads borrow from the decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnginePacket<'a> {
    /// '0': the handshake. Only the server sends it; build it with [`open_packet`] and read it
    /// with [`decode_open`] ([`decode`] does not look at its JSON).
    Open,
    /// '1': close the session.
    Close,
    /// '2' + optional data (`"probe"` during the WebSocket upgrade).
    Ping(&'a str),
    /// '3' + optional data, echoing the ping's.
    Pong(&'a str),
    /// '4' + the application data: a Socket.IO packet (see `super::socketio`).
    Message(&'a str),
    /// '5': the client switches this session to the WebSocket it just probed.
    Upgrade,
    /// '6': does nothing; used to release a pending poll.
    Noop,
}

impl EnginePacket<'_> {
    /// The packet's type digit.
    pub const fn type_char(&self) -> char {
        match self {
            Self::Open => '0',
            Self::Close => '1',
            Self::Ping(_) => '2',
            Self::Pong(_) => '3',
            Self::Message(_) => '4',
            Self::Upgrade => '5',
            Self::Noop => '6',
        }
    }

    /// Appends the packet's text form to `out` (for building polling bodies in place).
    ///
    /// `Open` encodes as the bare "0": the handshake JSON is not part of this type, use
    /// [`open_packet`] to send a real handshake.
    pub fn encode_into(&self, out: &mut String) {
        out.push(self.type_char());
        match self {
            Self::Ping(data) | Self::Pong(data) | Self::Message(data) => out.push_str(data),
            Self::Open | Self::Close | Self::Upgrade | Self::Noop => {}
        }
    }

    /// The packet's text form.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }
}

/// Decodes one text packet (a WebSocket text frame, or one record of a polling body).
///
/// Strictness: CLOSE, UPGRADE and NOOP must be bare, as socket.io-client sends them; OPEN's
/// payload is ignored (clients never send OPEN). A 'b' prefix is a base64 binary message
/// in polling and is refused with [`ProtoError::EngineBinary`].
pub fn decode(text: &str) -> Result<EnginePacket<'_>, ProtoError> {
    let mut chars = text.chars();
    let Some(kind) = chars.next() else {
        return Err(ProtoError::Empty);
    };
    let rest = chars.as_str();
    let bare = |packet| {
        if rest.is_empty() {
            Ok(packet)
        } else {
            Err(ProtoError::UnexpectedEnginePayload(kind))
        }
    };
    match kind {
        '0' => Ok(EnginePacket::Open),
        '1' => bare(EnginePacket::Close),
        '2' => Ok(EnginePacket::Ping(rest)),
        '3' => Ok(EnginePacket::Pong(rest)),
        '4' => Ok(EnginePacket::Message(rest)),
        '5' => bare(EnginePacket::Upgrade),
        '6' => bare(EnginePacket::Noop),
        'b' => Err(ProtoError::EngineBinary),
        other => Err(ProtoError::UnknownEngineType(other)),
    }
}

/// Decodes a WebSocket binary frame: always refused.
///
/// In Engine.IO v4 a binary frame is a binary MESSAGE with no type byte. Having the refusal
/// here keeps the policy in the codec, and the transport needs one call per frame kind.
pub fn decode_binary(_frame: &[u8]) -> Result<EnginePacket<'static>, ProtoError> {
    Err(ProtoError::EngineBinary)
}

/// Splits a long-polling body into its packets (decode each with [`decode`]).
///
/// An empty body yields one empty record, which [`decode`] rejects as [`ProtoError::Empty`]:
/// a POST without packets is a client error, not a no-op.
pub fn split_payload(body: &str) -> impl Iterator<Item = &str> {
    body.split(RECORD_SEPARATOR)
}

/// Joins encoded packets into one long-polling body.
///
/// The packets must not contain `'\x1e'` themselves; nothing this module encodes does.
pub fn join_payload(packets: &[impl AsRef<str>]) -> String {
    let len = packets.iter().map(|p| p.as_ref().len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len);
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(RECORD_SEPARATOR);
        }
        out.push_str(packet.as_ref());
    }
    out
}

/// The handshake (OPEN) packet: `0{"sid":..,"upgrades":[..],"pingInterval":..,
/// "pingTimeout":..,"maxPayload":..}`, field order as the reference server sends it.
///
/// `upgrades` lists the transports a polling session may upgrade to (`["websocket"]`, or
/// empty to keep a session on polling); a WebSocket session announces none.
pub fn open_packet(
    sid: &str,
    upgrades: &[&str],
    ping_interval_ms: u64,
    ping_timeout_ms: u64,
    max_payload: usize,
) -> String {
    let mut out = String::with_capacity(96 + sid.len());
    out.push_str("0{\"sid\":");
    json::push_str(&mut out, sid);
    out.push_str(",\"upgrades\":[");
    for (i, upgrade) in upgrades.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::push_str(&mut out, upgrade);
    }
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "],\"pingInterval\":{ping_interval_ms},\"pingTimeout\":{ping_timeout_ms},\
         \"maxPayload\":{max_payload}}}"
    );
    out
}

/// The handshake as a client reads it (see [`decode_open`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenHandshake {
    pub sid: String,
    pub upgrades: Vec<String>,
    pub ping_interval: u64,
    pub ping_timeout: u64,
    pub max_payload: usize,
}

/// Reads an OPEN packet's handshake: the client side of [`open_packet`], for tests and the
/// load generator.
pub fn decode_open(text: &str) -> Result<OpenHandshake, ProtoError> {
    let json = match decode(text)? {
        EnginePacket::Open => &text[1..],
        _ => return Err(ProtoError::InvalidPayload),
    };
    serde_json::from_str(json).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ProtoError::InvalidPayload,
        _ => ProtoError::InvalidJson,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_packet_type() {
        assert_eq!(decode("0"), Ok(EnginePacket::Open));
        assert_eq!(decode("0{\"sid\":\"x\"}"), Ok(EnginePacket::Open));
        assert_eq!(decode("1"), Ok(EnginePacket::Close));
        assert_eq!(decode("2"), Ok(EnginePacket::Ping("")));
        assert_eq!(decode("2probe"), Ok(EnginePacket::Ping("probe")));
        assert_eq!(decode("3"), Ok(EnginePacket::Pong("")));
        assert_eq!(decode("3probe"), Ok(EnginePacket::Pong("probe")));
        assert_eq!(decode("4"), Ok(EnginePacket::Message("")));
        assert_eq!(decode("4hello"), Ok(EnginePacket::Message("hello")));
        assert_eq!(
            decode("42[\"auth\",{}]"),
            Ok(EnginePacket::Message("2[\"auth\",{}]"))
        );
        assert_eq!(decode("5"), Ok(EnginePacket::Upgrade));
        assert_eq!(decode("6"), Ok(EnginePacket::Noop));
    }

    #[test]
    fn encode_decode_round_trip() {
        let packets = [
            EnginePacket::Close,
            EnginePacket::Ping(""),
            EnginePacket::Ping("probe"),
            EnginePacket::Pong(""),
            EnginePacket::Pong("probe"),
            EnginePacket::Message(""),
            EnginePacket::Message("0{\"token\":\"abc\"}"),
            EnginePacket::Message("é😀\u{1}"),
            EnginePacket::Upgrade,
            EnginePacket::Noop,
        ];
        for packet in packets {
            let text = packet.encode();
            assert_eq!(decode(&text), Ok(packet), "{text:?}");
        }
        assert_eq!(EnginePacket::Open.encode(), "0");
        assert_eq!(decode(&EnginePacket::Open.encode()), Ok(EnginePacket::Open));
    }

    #[test]
    fn constants_are_what_the_client_expects() {
        assert_eq!(decode(PING), Ok(EnginePacket::Ping("")));
        assert_eq!(decode(PONG), Ok(EnginePacket::Pong("")));
        assert_eq!(decode(PONG_PROBE), Ok(EnginePacket::Pong("probe")));
        assert_eq!(decode(CLOSE), Ok(EnginePacket::Close));
        assert_eq!(decode(NOOP), Ok(EnginePacket::Noop));
    }

    #[test]
    fn encode_into_appends() {
        let mut out = String::from("x");
        EnginePacket::Message("2[\"a\"]").encode_into(&mut out);
        EnginePacket::Ping("probe").encode_into(&mut out);
        assert_eq!(out, "x42[\"a\"]2probe");
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(decode(""), Err(ProtoError::Empty));
    }

    #[test]
    fn rejects_unknown_types() {
        assert_eq!(decode("7"), Err(ProtoError::UnknownEngineType('7')));
        assert_eq!(decode("x4"), Err(ProtoError::UnknownEngineType('x')));
        assert_eq!(decode("é"), Err(ProtoError::UnknownEngineType('é')));
        assert_eq!(decode(" 4"), Err(ProtoError::UnknownEngineType(' ')));
        assert_eq!(
            decode("\u{1e}"),
            Err(ProtoError::UnknownEngineType('\u{1e}'))
        );
    }

    #[test]
    fn rejects_payload_on_bare_packets() {
        assert_eq!(decode("1x"), Err(ProtoError::UnexpectedEnginePayload('1')));
        assert_eq!(
            decode("5probe"),
            Err(ProtoError::UnexpectedEnginePayload('5'))
        );
        assert_eq!(decode("6 "), Err(ProtoError::UnexpectedEnginePayload('6')));
    }

    #[test]
    fn refuses_binary() {
        assert_eq!(decode("bAQID"), Err(ProtoError::EngineBinary));
        assert_eq!(decode("b"), Err(ProtoError::EngineBinary));
        assert_eq!(decode_binary(&[4, 1, 2, 3]), Err(ProtoError::EngineBinary));
        assert_eq!(decode_binary(&[]), Err(ProtoError::EngineBinary));
    }

    #[test]
    fn splits_polling_payload() {
        let parts: Vec<&str> = split_payload("4hello\x1e2probe").collect();
        assert_eq!(parts, ["4hello", "2probe"]);
        let decoded: Vec<_> = split_payload("4hello\x1e2probe").map(decode).collect();
        assert_eq!(
            decoded,
            [
                Ok(EnginePacket::Message("hello")),
                Ok(EnginePacket::Ping("probe"))
            ]
        );
        let single: Vec<&str> = split_payload("40{\"token\":\"abc\"}").collect();
        assert_eq!(single, ["40{\"token\":\"abc\"}"]);
    }

    #[test]
    fn empty_records_in_polling_payload_are_errors() {
        let decoded: Vec<_> = split_payload("").map(decode).collect();
        assert_eq!(decoded, [Err(ProtoError::Empty)]);
        let decoded: Vec<_> = split_payload("2\x1e").map(decode).collect();
        assert_eq!(
            decoded,
            [Ok(EnginePacket::Ping("")), Err(ProtoError::Empty)]
        );
    }

    #[test]
    fn joins_polling_payload() {
        assert_eq!(join_payload(&["4hello", "2probe"]), "4hello\x1e2probe");
        assert_eq!(join_payload(&[String::from("6")]), "6");
        let none: [&str; 0] = [];
        assert_eq!(join_payload(&none), "");
        let body = join_payload(&["42[\"a\"]", "3", "1"]);
        let back: Vec<&str> = split_payload(&body).collect();
        assert_eq!(back, ["42[\"a\"]", "3", "1"]);
    }

    #[test]
    fn open_packet_exact_text() {
        assert_eq!(
            open_packet("abc123", &[], 25_000, 20_000, 1_000_000),
            "0{\"sid\":\"abc123\",\"upgrades\":[],\"pingInterval\":25000,\
             \"pingTimeout\":20000,\"maxPayload\":1000000}"
        );
        assert_eq!(
            open_packet("s", &["websocket"], 1, 2, 3),
            "0{\"sid\":\"s\",\"upgrades\":[\"websocket\"],\"pingInterval\":1,\
             \"pingTimeout\":2,\"maxPayload\":3}"
        );
    }

    #[test]
    fn open_packet_round_trips_through_decode_open() {
        let text = open_packet("q\"uo\\te", &["websocket", "x"], 25_000, 60_000, 1_000_000);
        assert_eq!(decode(&text), Ok(EnginePacket::Open));
        assert_eq!(
            decode_open(&text),
            Ok(OpenHandshake {
                sid: "q\"uo\\te".into(),
                upgrades: vec!["websocket".into(), "x".into()],
                ping_interval: 25_000,
                ping_timeout: 60_000,
                max_payload: 1_000_000,
            })
        );
    }

    #[test]
    fn decode_open_errors() {
        assert_eq!(decode_open(""), Err(ProtoError::Empty));
        assert_eq!(decode_open("4{}"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode_open("0"), Err(ProtoError::InvalidJson));
        assert_eq!(decode_open("0{\"sid\":"), Err(ProtoError::InvalidJson));
        assert_eq!(decode_open("0{\"sid\":1}"), Err(ProtoError::InvalidPayload));
    }
}
