//! Fuzzes the WebSocket frame decoder: the same frames whether the bytes arrive at once or in
//! pieces, within the bounds (`napalmsky::fuzz_checks::ws_frames`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use napalmsky::fuzz_checks::ws_frames;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = ws_frames::check(data) {
        panic!("{broken}");
    }
});
