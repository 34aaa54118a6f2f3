//! Socket.IO protocol v5 packets, carried in Engine.IO MESSAGE packets.
//!
//! Text form: `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]` with types
//! CONNECT '0', DISCONNECT '1', EVENT '2', ACK '3', CONNECT_ERROR '4', BINARY_EVENT '5',
//! BINARY_ACK '6'. The namespace appears only when it is not the default "/".
//!
//! [`decode`] takes the Engine.IO message payload (the text after the '4'). The encoders
//! return the whole Engine.IO frame (with the leading '4'), ready to put on a WebSocket or
//! into a polling body, because that is the only thing the server ever does with them.
//!
//! Decoding is stricter than the reference parser where socket.io-client never sends what it
//! tolerates (ids on CONNECT, events without data, a namespace without ','), and refuses
//! binary packets, which napalmsky does not use.

use std::fmt::Write as _;
use std::io::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::error::ProtoError;
use super::json;

/// The namespace a packet without one belongs to; napalmsky serves only this one.
pub const DEFAULT_NAMESPACE: &str = "/";

/// Event names the reference server refuses from clients (socket.io-parser's
/// `RESERVED_EVENTS`): they name Socket.IO's own lifecycle events.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The Socket.IO packet types napalmsky speaks (the binary ones are refused at decode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SioKind {
    /// '0': client asks to join a namespace (data: auth object); server answers with `{sid}`.
    Connect,
    /// '1': leave the namespace.
    Disconnect,
    /// '2': `["name", ...args]`, with an id when the sender wants an ACK.
    Event,
    /// '3': the answer to an event that carried an id: `<id>[...args]`.
    Ack,
    /// '4': the server refuses a CONNECT: `{"message": ...}`.
    ConnectError,
}

impl SioKind {
    /// The packet's type digit.
    pub const fn type_char(self) -> char {
        match self {
            Self::Connect => '0',
            Self::Disconnect => '1',
            Self::Event => '2',
            Self::Ack => '3',
            Self::ConnectError => '4',
        }
    }
}

/// One decoded Socket.IO packet. The namespace borrows from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct SioPacket<'a> {
    pub kind: SioKind,
    /// `"/"` unless the packet named another namespace.
    pub namespace: &'a str,
    /// The ack id: on an EVENT, the sender wants an ACK with it; on an ACK, the event answered.
    pub id: Option<u64>,
    pub data: Option<Value>,
}

impl SioPacket<'_> {
    /// Whether the packet is for the default namespace (the only one napalmsky serves).
    pub fn is_default_namespace(&self) -> bool {
        self.namespace == DEFAULT_NAMESPACE
    }

    /// The whole Engine.IO frame for this packet, e.g. `42["a",1]` or `40/admin,{}`.
    ///
    /// A namespace that is `"/"` or does not start with '/' is written as the default (none).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(16);
        out.push('4');
        out.push(self.kind.type_char());
        push_namespace(&mut out, self.namespace);
        // Writing to a String cannot fail, and `Value`'s Display is its compact JSON.
        if let Some(id) = self.id {
            let _ = write!(out, "{id}");
        }
        if let Some(data) = &self.data {
            let _ = write!(out, "{data}");
        }
        out
    }
}

/// A client event, ready for dispatch: `42["call:invite",{...}]` becomes
/// `name: "call:invite", args: [{...}]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub args: Vec<Value>,
    /// Present when the client passed a callback: answer with [`encode_ack`].
    pub ack: Option<u64>,
}

/// Decodes one Socket.IO packet from an Engine.IO message payload (the text after '4').
///
/// Per-type rules: CONNECT data is absent or an object; DISCONNECT has no data; EVENT data
/// is an array; ACK has an id and array data; CONNECT_ERROR data is absent, a string or an
/// object; only EVENT and ACK carry ids.
pub fn decode(text: &str) -> Result<SioPacket<'_>, ProtoError> {
    let mut chars = text.chars();
    let kind = match chars.next() {
        None => return Err(ProtoError::Empty),
        Some('0') => SioKind::Connect,
        Some('1') => SioKind::Disconnect,
        Some('2') => SioKind::Event,
        Some('3') => SioKind::Ack,
        Some('4') => SioKind::ConnectError,
        Some('5' | '6') => return Err(ProtoError::SioBinary),
        Some(other) => return Err(ProtoError::UnknownSioType(other)),
    };
    let rest = chars.as_str();

    let (namespace, rest) = if rest.starts_with('/') {
        rest.split_once(',')
            .ok_or(ProtoError::UnterminatedNamespace)?
    } else {
        (DEFAULT_NAMESPACE, rest)
    };

    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (id_text, rest) = rest.split_at(digits);
    let id = if id_text.is_empty() {
        None
    } else {
        Some(parse_id(id_text)?)
    };

    let data = if rest.is_empty() {
        None
    } else {
        Some(serde_json::from_str::<Value>(rest).map_err(|_| ProtoError::InvalidJson)?)
    };

    check_shape(kind, id, data.as_ref())?;
    Ok(SioPacket {
        kind,
        namespace,
        id,
        data,
    })
}

/// Parses the decimal ack id; `text` is non-empty ASCII digits.
fn parse_id(text: &str) -> Result<u64, ProtoError> {
    text.bytes().try_fold(0u64, |acc, digit| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(digit - b'0')))
            .ok_or(ProtoError::AckIdOverflow)
    })
}

/// The per-type rules of [`decode`].
fn check_shape(kind: SioKind, id: Option<u64>, data: Option<&Value>) -> Result<(), ProtoError> {
    let takes_id = matches!(kind, SioKind::Event | SioKind::Ack);
    if id.is_some() && !takes_id {
        return Err(ProtoError::UnexpectedAckId);
    }
    if kind == SioKind::Ack && id.is_none() {
        return Err(ProtoError::MissingAckId);
    }
    let ok = match kind {
        SioKind::Connect => matches!(data, None | Some(Value::Object(_))),
        SioKind::Disconnect => data.is_none(),
        SioKind::Event | SioKind::Ack => matches!(data, Some(Value::Array(_))),
        SioKind::ConnectError => {
            matches!(data, None | Some(Value::String(_) | Value::Object(_)))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(ProtoError::InvalidPayload)
    }
}

/// Turns an EVENT packet into an [`Event`]; consumes it so the arguments move, not copy.
///
/// The namespace is not checked here: the caller decides what a non-default one means.
pub fn decode_event(packet: SioPacket<'_>) -> Result<Event, ProtoError> {
    if packet.kind != SioKind::Event {
        return Err(ProtoError::NotAnEvent);
    }
    let Some(Value::Array(mut args)) = packet.data else {
        return Err(ProtoError::InvalidEvent);
    };
    let name = match args.first_mut() {
        Some(Value::String(name)) => std::mem::take(name),
        _ => return Err(ProtoError::InvalidEvent),
    };
    if RESERVED_EVENTS.contains(&name.as_str()) {
        return Err(ProtoError::ReservedEventName);
    }
    args.remove(0);
    Ok(Event {
        name,
        args,
        ack: packet.id,
    })
}

/// `42["name",payload]`; fails only if `payload` cannot be serialized.
pub fn try_encode_event<T: Serialize + ?Sized>(
    name: &str,
    payload: &T,
) -> Result<String, ProtoError> {
    let mut buf = Vec::with_capacity(name.len() + 64);
    buf.extend_from_slice(b"42[");
    serde_json::to_writer(&mut buf, name).map_err(|_| ProtoError::Encode)?;
    buf.push(b',');
    serde_json::to_writer(&mut buf, payload).map_err(|_| ProtoError::Encode)?;
    buf.push(b']');
    String::from_utf8(buf).map_err(|_| ProtoError::Encode)
}

/// `42["name",payload]`, the server's emit with one argument.
///
/// Infallible for the plain `#[derive(Serialize)]` structs the server sends. If `payload`
/// cannot be serialized (a map with non-string keys), it is sent as `null` rather than
/// panicking; use [`try_encode_event`] to see that error.
pub fn encode_event<T: Serialize + ?Sized>(name: &str, payload: &T) -> String {
    try_encode_event(name, payload).unwrap_or_else(|_| {
        let mut out = event_head(name);
        out.push_str(",null]");
        out
    })
}

/// `42["name"]`, an emit without arguments (e.g. `auth:success`).
pub fn encode_event_no_payload(name: &str) -> String {
    let mut out = event_head(name);
    out.push(']');
    out
}

/// `42["name"` without the closing bracket.
fn event_head(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    out.push_str("42[");
    json::push_str(&mut out, name);
    out
}

/// `43<id>[args...]`; fails only if an argument cannot be serialized.
pub fn try_encode_ack<T: Serialize>(id: u64, args: &[T]) -> Result<String, ProtoError> {
    let mut buf = Vec::with_capacity(32);
    buf.extend_from_slice(b"43");
    write!(buf, "{id}").map_err(|_| ProtoError::Encode)?;
    serde_json::to_writer(&mut buf, args).map_err(|_| ProtoError::Encode)?;
    String::from_utf8(buf).map_err(|_| ProtoError::Encode)
}

/// `43<id>[args...]`, the answer to an event that carried ack id `id`. Taking a slice
/// guarantees the JSON array the client's callback is applied to.
///
/// If an argument cannot be serialized the ack is sent with no arguments (`43<id>[]`), so the
/// client's callback still fires; use [`try_encode_ack`] to see that error.
pub fn encode_ack<T: Serialize>(id: u64, args: &[T]) -> String {
    try_encode_ack(id, args).unwrap_or_else(|_| format!("43{id}[]"))
}

/// `40{"sid":"..."}`: accepts the client's CONNECT to the default namespace.
pub fn connect_ok(sid: &str) -> String {
    let mut out = String::with_capacity(sid.len() + 12);
    out.push_str("40{\"sid\":");
    json::push_str(&mut out, sid);
    out.push('}');
    out
}

/// `44{"message":"..."}`: refuses the CONNECT; the client emits `connect_error` with an
/// `Error` whose message is `message` (e.g. "Account suspended").
pub fn connect_error(message: &str) -> String {
    connect_error_ns(DEFAULT_NAMESPACE, message)
}

/// `44/ns,{"message":"..."}`: refuses a CONNECT to another namespace (napalmsky serves
/// only "/"). A namespace that is "/" or does not start with '/' gives [`connect_error`]'s
/// frame.
pub fn connect_error_ns(namespace: &str, message: &str) -> String {
    let mut out = String::with_capacity(namespace.len() + message.len() + 16);
    out.push_str("44");
    push_namespace(&mut out, namespace);
    out.push_str("{\"message\":");
    json::push_str(&mut out, message);
    out.push('}');
    out
}

/// `41`: the server closes the client's default-namespace socket (the client does not
/// reconnect on its own after this).
pub const fn disconnect() -> &'static str {
    "41"
}

/// Writes `ns,` unless `namespace` is the default (or not a namespace at all).
fn push_namespace(out: &mut String, namespace: &str) {
    if namespace.starts_with('/') && namespace != DEFAULT_NAMESPACE {
        out.push_str(namespace);
        out.push(',');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::engine::{self, EnginePacket};
    use serde_json::json;

    fn packet(
        kind: SioKind,
        namespace: &str,
        id: Option<u64>,
        data: Option<Value>,
    ) -> SioPacket<'_> {
        SioPacket {
            kind,
            namespace,
            id,
            data,
        }
    }

    /// The Socket.IO part of a full engine frame produced by an encoder.
    fn sio_part(frame: &str) -> &str {
        match engine::decode(frame) {
            Ok(EnginePacket::Message(text)) => text,
            other => panic!("not an engine message: {other:?}"),
        }
    }

    /// The exact frames socket.io-client 4.x puts on the wire, through both layers.
    #[test]
    fn client_frames_through_both_layers() {
        let cases = [
            (
                "40{\"token\":\"abc\"}",
                packet(SioKind::Connect, "/", None, Some(json!({"token": "abc"}))),
            ),
            (
                "40/admin,{}",
                packet(SioKind::Connect, "/admin", None, Some(json!({}))),
            ),
            (
                "42[\"call:invite\",{\"toUserId\":\"x\",\"requestedSeconds\":60}]",
                packet(
                    SioKind::Event,
                    "/",
                    None,
                    Some(json!(["call:invite", {"toUserId": "x", "requestedSeconds": 60}])),
                ),
            ),
            (
                "421[\"auth\",{}]",
                packet(SioKind::Event, "/", Some(1), Some(json!(["auth", {}]))),
            ),
            ("41", packet(SioKind::Disconnect, "/", None, None)),
        ];
        for (frame, expected) in cases {
            assert_eq!(decode(sio_part(frame)), Ok(expected), "{frame}");
        }
        let event =
            decode_event(decode(sio_part("421[\"auth\",{}]")).expect("decode")).expect("event");
        assert_eq!((event.name.as_str(), event.ack), ("auth", Some(1)));
    }

    #[test]
    fn client_connect_with_auth() {
        let p = decode("0{\"token\":\"abc\"}").expect("decode");
        assert_eq!(
            p,
            packet(SioKind::Connect, "/", None, Some(json!({"token": "abc"})))
        );
        assert!(p.is_default_namespace());
    }

    #[test]
    fn client_connect_without_auth() {
        assert_eq!(
            decode("0").expect("decode"),
            packet(SioKind::Connect, "/", None, None)
        );
    }

    #[test]
    fn client_connect_to_namespace() {
        let p = decode("0/admin,{}").expect("decode");
        assert_eq!(p, packet(SioKind::Connect, "/admin", None, Some(json!({}))));
        assert!(!p.is_default_namespace());
        assert_eq!(
            decode("0/admin,").expect("decode"),
            packet(SioKind::Connect, "/admin", None, None)
        );
    }

    #[test]
    fn client_event() {
        let p = decode("2[\"call:invite\",{\"toUserId\":\"x\",\"requestedSeconds\":60}]")
            .expect("decode");
        assert_eq!(p.kind, SioKind::Event);
        assert_eq!(p.id, None);
        let event = decode_event(p).expect("event");
        assert_eq!(
            event,
            Event {
                name: "call:invite".into(),
                args: vec![json!({"toUserId": "x", "requestedSeconds": 60})],
                ack: None,
            }
        );
    }

    #[test]
    fn client_event_with_ack_id() {
        let event = decode_event(decode("21[\"auth\",{}]").expect("decode")).expect("event");
        assert_eq!(
            event,
            Event {
                name: "auth".into(),
                args: vec![json!({})],
                ack: Some(1),
            }
        );
    }

    #[test]
    fn client_event_without_args_and_with_many() {
        let event = decode_event(decode("2[\"presence:join\"]").expect("decode")).expect("event");
        assert_eq!(event.name, "presence:join");
        assert!(event.args.is_empty());
        let event =
            decode_event(decode("2/x,7[\"e\",1,\"two\",null]").expect("decode")).expect("event");
        assert_eq!(event.args, [json!(1), json!("two"), Value::Null]);
        assert_eq!(event.ack, Some(7));
    }

    #[test]
    fn other_packet_types() {
        assert_eq!(
            decode("1").expect("decode"),
            packet(SioKind::Disconnect, "/", None, None)
        );
        assert_eq!(
            decode("1/admin,").expect("decode"),
            packet(SioKind::Disconnect, "/admin", None, None)
        );
        assert_eq!(
            decode("312[\"ok\",{\"a\":1}]").expect("decode"),
            packet(SioKind::Ack, "/", Some(12), Some(json!(["ok", {"a": 1}])))
        );
        assert_eq!(
            decode("4{\"message\":\"Account suspended\"}").expect("decode"),
            packet(
                SioKind::ConnectError,
                "/",
                None,
                Some(json!({"message": "Account suspended"}))
            )
        );
        assert_eq!(
            decode("4\"legacy\"").expect("decode"),
            packet(SioKind::ConnectError, "/", None, Some(json!("legacy")))
        );
    }

    #[test]
    fn ack_ids_use_the_full_u64_range() {
        let p = decode("318446744073709551615[]").expect("decode");
        assert_eq!(p.id, Some(u64::MAX));
        let p = decode("2007[\"e\"]").expect("decode");
        assert_eq!(p.id, Some(7));
        assert_eq!(
            decode("318446744073709551616[]"),
            Err(ProtoError::AckIdOverflow)
        );
        assert_eq!(
            decode("2999999999999999999999999999[\"e\"]"),
            Err(ProtoError::AckIdOverflow)
        );
    }

    #[test]
    fn rejects_empty_and_unknown_types() {
        assert_eq!(decode(""), Err(ProtoError::Empty));
        assert_eq!(decode("7"), Err(ProtoError::UnknownSioType('7')));
        assert_eq!(decode("a[\"e\"]"), Err(ProtoError::UnknownSioType('a')));
        assert_eq!(decode("[\"e\"]"), Err(ProtoError::UnknownSioType('[')));
        assert_eq!(decode("ü"), Err(ProtoError::UnknownSioType('ü')));
    }

    #[test]
    fn refuses_binary_packets() {
        assert_eq!(
            decode("51-[\"up\",{\"_placeholder\":true,\"num\":0}]"),
            Err(ProtoError::SioBinary)
        );
        assert_eq!(
            decode("61-/admin,3[{\"_placeholder\":true,\"num\":0}]"),
            Err(ProtoError::SioBinary)
        );
    }

    #[test]
    fn rejects_namespace_without_comma() {
        assert_eq!(decode("0/admin"), Err(ProtoError::UnterminatedNamespace));
        assert_eq!(
            decode("2/admin[\"e\"]"),
            Err(ProtoError::UnterminatedNamespace)
        );
        assert_eq!(decode("1/"), Err(ProtoError::UnterminatedNamespace));
    }

    #[test]
    fn rejects_bad_json_and_trailing_junk() {
        assert_eq!(decode("2[\"e\""), Err(ProtoError::InvalidJson));
        assert_eq!(decode("2[\"e\"]x"), Err(ProtoError::InvalidJson));
        assert_eq!(decode("21x[\"e\"]"), Err(ProtoError::InvalidJson));
        assert_eq!(decode("21 "), Err(ProtoError::InvalidJson));
        assert_eq!(decode("0{'a':1}"), Err(ProtoError::InvalidJson));
        assert_eq!(decode("2[\"e\"][]"), Err(ProtoError::InvalidJson));
        let deep = format!("2{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(decode(&deep), Err(ProtoError::InvalidJson));
    }

    #[test]
    fn rejects_payload_of_the_wrong_shape() {
        assert_eq!(decode("0[]"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("0\"token\""), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("1{}"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("2"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("2{\"e\":1}"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("2/admin,"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("31{}"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("31"), Err(ProtoError::InvalidPayload));
        assert_eq!(decode("4[]"), Err(ProtoError::InvalidPayload));
    }

    #[test]
    fn ack_id_rules() {
        assert_eq!(decode("3[]"), Err(ProtoError::MissingAckId));
        assert_eq!(decode("01{}"), Err(ProtoError::UnexpectedAckId));
        assert_eq!(decode("15"), Err(ProtoError::UnexpectedAckId));
        assert_eq!(
            decode("42{\"message\":\"x\"}"),
            Err(ProtoError::UnexpectedAckId)
        );
    }

    #[test]
    fn decode_event_errors() {
        let not_event = decode("0{}").expect("decode");
        assert_eq!(decode_event(not_event), Err(ProtoError::NotAnEvent));
        let ack = decode("31[\"e\"]").expect("decode");
        assert_eq!(decode_event(ack), Err(ProtoError::NotAnEvent));
        for text in ["2[]", "2[1,2]", "2[null]", "2[{\"a\":1}]", "2[[\"e\"]]"] {
            let p = decode(text).expect("decode");
            assert_eq!(decode_event(p), Err(ProtoError::InvalidEvent), "{text}");
        }
        // A hand-built packet can skip decode's shape check.
        let no_data = packet(SioKind::Event, "/", None, None);
        assert_eq!(decode_event(no_data), Err(ProtoError::InvalidEvent));
        for name in RESERVED_EVENTS {
            let text = format!("2[\"{name}\",{{}}]");
            let p = decode(&text).expect("decode");
            assert_eq!(
                decode_event(p),
                Err(ProtoError::ReservedEventName),
                "{text}"
            );
        }
    }

    #[test]
    fn server_frames_exact_text() {
        assert_eq!(
            encode_event("call:notify", &json!({"inviteId": "i1", "ttlMs": 20000})),
            "42[\"call:notify\",{\"inviteId\":\"i1\",\"ttlMs\":20000}]"
        );
        assert_eq!(
            encode_event_no_payload("auth:success"),
            "42[\"auth:success\"]"
        );
        assert_eq!(encode_event("e", "text"), "42[\"e\",\"text\"]");
        assert_eq!(encode_ack(1, &[json!({"ok": true})]), "431[{\"ok\":true}]");
        assert_eq!(encode_ack::<Value>(0, &[]), "430[]");
        assert_eq!(encode_ack(u64::MAX, &[1, 2]), "4318446744073709551615[1,2]");
        assert_eq!(connect_ok("Gx7pQ"), "40{\"sid\":\"Gx7pQ\"}");
        assert_eq!(
            connect_error("Account suspended"),
            "44{\"message\":\"Account suspended\"}"
        );
        assert_eq!(
            connect_error_ns("/admin", "Invalid namespace"),
            "44/admin,{\"message\":\"Invalid namespace\"}"
        );
        assert_eq!(connect_error_ns("/", "m"), "44{\"message\":\"m\"}");
        assert_eq!(connect_error_ns("admin", "m"), "44{\"message\":\"m\"}");
        assert_eq!(disconnect(), "41");
    }

    #[test]
    fn encoders_escape_strings() {
        assert_eq!(
            encode_event_no_payload("a\"b\\c\n"),
            "42[\"a\\\"b\\\\c\\n\"]"
        );
        assert_eq!(connect_ok("\u{1e}"), "40{\"sid\":\"\\u001e\"}");
        let frame = connect_error("quote \" and é");
        let p = decode(sio_part(&frame)).expect("decode");
        assert_eq!(p.data, Some(json!({"message": "quote \" and é"})));
    }

    #[test]
    fn encoder_failures_are_reported_or_degraded() {
        use std::collections::BTreeMap;
        let bad: BTreeMap<(u8, u8), u8> = BTreeMap::from([((1, 2), 3)]);
        assert_eq!(try_encode_event("e", &bad), Err(ProtoError::Encode));
        assert_eq!(encode_event("e", &bad), "42[\"e\",null]");
        assert_eq!(try_encode_ack(5, &[&bad]), Err(ProtoError::Encode));
        assert_eq!(encode_ack(5, &[&bad]), "435[]");
    }

    #[test]
    fn server_frames_decode_back() {
        let frame = connect_ok("s1");
        let p = decode(sio_part(&frame)).expect("decode");
        assert_eq!(
            p,
            packet(SioKind::Connect, "/", None, Some(json!({"sid": "s1"})))
        );
        let p = decode(sio_part(disconnect())).expect("decode");
        assert_eq!(p, packet(SioKind::Disconnect, "/", None, None));
        let frame = connect_error_ns("/admin", "no");
        let p = decode(sio_part(&frame)).expect("decode");
        assert_eq!(
            p,
            packet(
                SioKind::ConnectError,
                "/admin",
                None,
                Some(json!({"message": "no"}))
            )
        );
        let frame = encode_ack(9, &["a", "b"]);
        let p = decode(sio_part(&frame)).expect("decode");
        assert_eq!(
            p,
            packet(SioKind::Ack, "/", Some(9), Some(json!(["a", "b"])))
        );
        let event = decode_event(
            decode(sio_part(&encode_event(
                "queue:update",
                &json!({"available": true}),
            )))
            .expect("decode"),
        )
        .expect("event");
        assert_eq!(event.name, "queue:update");
        assert_eq!(event.args, [json!({"available": true})]);
    }

    #[test]
    fn packet_encode_round_trips_every_kind() {
        let packets = [
            packet(SioKind::Connect, "/", None, None),
            packet(SioKind::Connect, "/", None, Some(json!({"token": "abc"}))),
            packet(SioKind::Connect, "/admin", None, Some(json!({}))),
            packet(SioKind::Disconnect, "/", None, None),
            packet(SioKind::Disconnect, "/chat", None, None),
            packet(SioKind::Event, "/", None, Some(json!(["a", 1]))),
            packet(SioKind::Event, "/n", Some(0), Some(json!(["a"]))),
            packet(SioKind::Ack, "/", Some(u64::MAX), Some(json!([]))),
            packet(
                SioKind::Ack,
                "/x",
                Some(3),
                Some(json!([null, {"k": [1.5]}])),
            ),
            packet(SioKind::ConnectError, "/", None, None),
            packet(SioKind::ConnectError, "/", None, Some(json!("m"))),
            packet(
                SioKind::ConnectError,
                "/a",
                None,
                Some(json!({"message": "m"})),
            ),
        ];
        for p in packets {
            let frame = p.encode();
            assert_eq!(decode(sio_part(&frame)).as_ref(), Ok(&p), "{frame}");
        }
        assert_eq!(
            packet(SioKind::Connect, "/admin", None, Some(json!({}))).encode(),
            "40/admin,{}"
        );
    }
}
