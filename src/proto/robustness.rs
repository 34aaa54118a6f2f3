//! Property-style tests: every decoder fed ~20,000 random and mutated-valid inputs.
//!
//! Runs in plain `cargo test` (no extra crates, no nightly) so CI exercises the codec's
//! robustness on every commit; the cargo-fuzz target in `fuzz/` goes deeper but is manual.
//! A fixed-seed xorshift PRNG keeps every run identical, so a failure reproduces exactly.

use serde_json::{Map, Value, json};

use super::engine::{self, EnginePacket};
use super::roundtrip;
use super::socketio::{self, RESERVED_EVENTS, SioKind};
use crate::test_rng::Rng;

/// Characters that matter to the grammar, plus some that stress UTF-8 and escaping.
const ALPHABET: &[char] = &[
    '0', '1', '2', '3', '4', '5', '6', '7', '9', 'b', '/', ',', '-', '[', ']', '{', '}', '"', ':',
    '\\', ' ', 'a', 'e', 'n', 'u', 'l', 't', 'r', 'f', '.', 'E', '+', '\x1e', '\n', '\0', 'é',
    '😀', '\u{2028}', '\u{ffff}',
];

/// Valid frames as socket.io-client 4.x sends or expects them; mutation seeds.
const SEEDS: &[&str] = &[
    "40{\"token\":\"abc\"}",
    "40",
    "40/admin,{}",
    "42[\"call:invite\",{\"toUserId\":\"x\",\"requestedSeconds\":60}]",
    "421[\"auth\",{}]",
    "42[\"presence:join\"]",
    "4318446744073709551615[1,[2],{\"a\":null}]",
    "44{\"message\":\"Account suspended\"}",
    "41",
    "4hello\x1e2probe",
    "2",
    "3",
    "2probe\x1e3probe\x1e5\x1e6\x1e1",
    "0{\"sid\":\"s\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
    "451-[\"up\",{\"_placeholder\":true,\"num\":0}]",
    "bAQIDBA==",
    // Found by cargo-fuzz: a long float re-parses one ULP away from what was printed.
    "40{\"x\":100777777777777777777777777777777777777777770}",
];

fn random_string(rng: &mut Rng, max_len: usize) -> String {
    let len = rng.below(max_len + 1);
    (0..len).map(|_| *rng.pick(ALPHABET)).collect()
}

fn random_char(rng: &mut Rng) -> char {
    if rng.chance(4) {
        // Any scalar value, surrogates excluded by from_u32.
        char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x')
    } else {
        *rng.pick(ALPHABET)
    }
}

/// Applies 1-4 char-level edits (insert, delete, replace, truncate, duplicate a span).
fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..=rng.below(4) {
        let len = chars.len();
        match rng.below(5) {
            0 => chars.insert(rng.below(len + 1), random_char(rng)),
            1 if len > 0 => {
                chars.remove(rng.below(len));
            }
            2 if len > 0 => chars[rng.below(len)] = random_char(rng),
            3 => chars.truncate(rng.below(len + 1)),
            _ if len > 0 => {
                let start = rng.below(len);
                let end = start + rng.below(len - start) + 1;
                let span: Vec<char> = chars[start..end].to_vec();
                let at = rng.below(len + 1);
                chars.splice(at..at, span);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Runs `input` through every decoder: no panic, and the round-trip invariants hold.
fn exercise(input: &str) {
    if let Err(broken) = roundtrip::check(input) {
        panic!("{broken}");
    }
}

#[test]
fn decoders_never_panic_on_random_or_mutated_input() {
    for seed in SEEDS {
        exercise(seed);
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..10_000 {
        let input = random_string(&mut rng, 48);
        exercise(&input);
        // Same, behind a valid type prefix so the deeper layers get reached often.
        let prefix = rng.pick(&["4", "42", "40", "43", "2", "3", "0", "21"]);
        exercise(&format!("{prefix}{input}"));
    }
    for _ in 0..10_000 {
        let seed = rng.pick(SEEDS);
        exercise(&mutate(&mut rng, seed));
    }
}

/// A random event name: protocol characters, escapes, unicode; never a reserved name.
fn random_name(rng: &mut Rng) -> String {
    loop {
        let name: String = (0..rng.below(12)).map(|_| random_char(rng)).collect();
        if !RESERVED_EVENTS.contains(&name.as_str()) {
            return name;
        }
    }
}

/// A random JSON tree. Floats are multiples of 1/4 so they survive text exactly (serde_json's
/// default float parser is not guaranteed to round-trip every f64 bit-for-bit).
fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let leaf_only = depth == 0;
    match rng.below(if leaf_only { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => json!(rng.next() as i64),
        3 => json!(rng.next()),
        4 => json!((rng.next() % 4_000_000) as f64 / 4.0 - 500_000.0),
        5 => Value::String(random_name(rng)),
        6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                map.insert(random_name(rng), random_value(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

#[test]
fn encode_decode_round_trips_random_events() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..5_000 {
        let name = random_name(&mut rng);
        let payload = random_value(&mut rng, 3);
        let frames = [
            socketio::encode_event(&name, &payload),
            socketio::encode_event_no_payload(&name),
        ];
        // Every few rounds the two frames travel together in one polling body.
        let body;
        let records: Vec<&str> = if round % 3 == 0 {
            body = engine::join_payload(&frames);
            engine::split_payload(&body).collect()
        } else {
            frames.iter().map(String::as_str).collect()
        };
        assert_eq!(records.len(), 2);
        for (record, expected_args) in records.into_iter().zip([vec![payload.clone()], vec![]]) {
            let Ok(EnginePacket::Message(sio)) = engine::decode(record) else {
                panic!("not a message: {record:?}");
            };
            let packet = socketio::decode(sio).expect("decode");
            assert!(packet.is_default_namespace());
            let event = socketio::decode_event(packet).expect("event");
            assert_eq!(event.name, name);
            assert_eq!(event.args, expected_args);
            assert_eq!(event.ack, None);
        }

        let id = rng.next();
        let args = [random_value(&mut rng, 2), random_value(&mut rng, 2)];
        let ack = socketio::encode_ack(id, &args);
        let Ok(EnginePacket::Message(sio)) = engine::decode(&ack) else {
            panic!("not a message: {ack:?}");
        };
        let packet = socketio::decode(sio).expect("ack");
        assert_eq!(packet.kind, SioKind::Ack);
        assert_eq!(packet.id, Some(id));
        assert_eq!(packet.data, Some(Value::Array(args.to_vec())));

        let text = random_name(&mut rng);
        for frame in [socketio::connect_ok(&text), socketio::connect_error(&text)] {
            let Ok(EnginePacket::Message(sio)) = engine::decode(&frame) else {
                panic!("not a message: {frame:?}");
            };
            let data = socketio::decode(sio).expect("decode").data;
            let key = if frame.starts_with("40") {
                "sid"
            } else {
                "message"
            };
            assert_eq!(data, Some(json!({ key: text })));
        }

        let mut escaped = String::new();
        super::json::push_str(&mut escaped, &text);
        assert_eq!(escaped, serde_json::to_string(&text).expect("string"));
    }
}
