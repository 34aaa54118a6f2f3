//! Fuzzes the record codec: arbitrary bytes decoded as every record type either refuse or
//! round-trip (`napalmsky::fuzz_checks::records`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use napalmsky::fuzz_checks::records;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = records::check(data) {
        panic!("{broken}");
    }
});
