//! Fuzzes the Engine.IO / Socket.IO decoders with arbitrary bytes.
//!
//! Every layer a client's text reaches is driven: a WebSocket text frame (`engine::decode`),
//! a long-polling body (`split_payload` then `engine::decode` per record), the Socket.IO
//! packet inside a MESSAGE (`socketio::decode`, `decode_event`), and the handshake reader.
//! Besides "never panics", it checks that whatever decodes re-encodes to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use napalmsky::proto::engine::{self, EnginePacket};
use napalmsky::proto::socketio::{self, SioKind, SioPacket};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        // Non-UTF-8 can only arrive as a WebSocket binary frame, which is refused.
        assert!(engine::decode_binary(data).is_err());
        return;
    };
    for record in engine::split_payload(text) {
        check_engine(record);
    }
    check_engine(text);
    check_sio(text);
    let _ = engine::decode_open(text);
});

fn check_engine(text: &str) {
    match engine::decode(text) {
        Ok(EnginePacket::Open) | Err(_) => {}
        Ok(packet) => {
            assert_eq!(packet.encode(), text);
            if let EnginePacket::Message(sio) = packet {
                check_sio(sio);
            }
        }
    }
}

fn check_sio(text: &str) {
    let Ok(packet) = socketio::decode(text) else {
        return;
    };
    let frame = packet.encode();
    match engine::decode(&frame) {
        Ok(EnginePacket::Message(sio)) => {
            let back = socketio::decode(sio).unwrap_or_else(|e| panic!("{frame:?}: {e:?}"));
            assert!(same_packet(&back, &packet), "{text:?} -> {frame:?}");
        }
        other => panic!("{frame:?} decoded as {other:?}"),
    }
    if packet.kind == SioKind::Event {
        let _ = socketio::decode_event(packet);
    }
}

/// JSON equality where floats may differ in the last bits: serde_json's default float parser
/// (without the `float_roundtrip` feature) can land one ULP away from the value it printed.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn same_packet(a: &SioPacket<'_>, b: &SioPacket<'_>) -> bool {
    a.kind == b.kind
        && a.namespace == b.namespace
        && a.id == b.id
        && match (&a.data, &b.data) {
            (Some(x), Some(y)) => same_json(x, y),
            (x, y) => x.is_none() && y.is_none(),
        }
}
