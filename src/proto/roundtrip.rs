//! The codec's round-trip invariants, checked on any input: whatever decodes re-encodes to
//! something that decodes the same, and event decoding only fails with its own errors.
//! Shared by the property tests (`robustness`) and the cargo-fuzz target (`fuzz/`).

use serde_json::Value;

use super::ProtoError;
use super::engine::{self, EnginePacket};
use super::socketio::{self, RESERVED_EVENTS, SioKind, SioPacket};

/// Runs `input` through every decoder a client's text reaches: a WebSocket text frame, each
/// record of a long-polling body, the Socket.IO packet inside, the handshake reader. `Err`
/// describes the first broken invariant.
pub fn check(input: &str) -> Result<(), String> {
    for record in engine::split_payload(input) {
        check_engine(record)?;
    }
    check_engine(input)?;
    check_sio(input)?;
    let _ = engine::decode_open(input);
    Ok(())
}

fn check_engine(text: &str) -> Result<(), String> {
    match engine::decode(text) {
        Ok(EnginePacket::Open) | Err(_) => Ok(()),
        Ok(packet) => {
            // Non-OPEN packets keep their payload verbatim, so the text round-trips exactly.
            let encoded = packet.encode();
            if encoded != text {
                return Err(format!("{text:?} re-encoded as {encoded:?}"));
            }
            match packet {
                EnginePacket::Message(sio) => check_sio(sio),
                _ => Ok(()),
            }
        }
    }
}

fn check_sio(text: &str) -> Result<(), String> {
    let Ok(packet) = socketio::decode(text) else {
        return Ok(());
    };
    let frame = packet.encode();
    let back = match engine::decode(&frame) {
        Ok(EnginePacket::Message(sio)) => socketio::decode(sio),
        other => return Err(format!("{frame:?} decoded as {other:?}")),
    };
    let back = back.map_err(|e| format!("{text:?} -> {frame:?}: {e:?}"))?;
    if !same_packet(&back, &packet) {
        return Err(format!("{text:?} -> {frame:?} decodes differently"));
    }
    if packet.kind == SioKind::Event {
        match socketio::decode_event(packet) {
            Ok(event) if RESERVED_EVENTS.contains(&event.name.as_str()) => {
                return Err(format!(
                    "{text:?} decoded the reserved event {:?}",
                    event.name
                ));
            }
            Ok(_) | Err(ProtoError::InvalidEvent | ProtoError::ReservedEventName) => {}
            Err(e) => return Err(format!("{text:?}: unexpected event error {e:?}")),
        }
    }
    Ok(())
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
