//! Fuzzes the Engine.IO / Socket.IO decoders with arbitrary bytes.
//!
//! Every layer a client's text reaches is driven (`napalmsky::proto::roundtrip::check`: a
//! WebSocket text frame, a long-polling body, the Socket.IO packet inside a MESSAGE, the
//! handshake reader). Besides "never panics", it checks that whatever decodes re-encodes to
//! the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use napalmsky::proto::{engine, roundtrip};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        // Non-UTF-8 can only arrive as a WebSocket binary frame, which is refused.
        assert!(engine::decode_binary(data).is_err());
        return;
    };
    if let Err(broken) = roundtrip::check(text) {
        panic!("{broken}");
    }
});
