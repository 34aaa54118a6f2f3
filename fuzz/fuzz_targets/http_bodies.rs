//! Fuzzes the JSON bodies of every JSON route against one real server started on first use
//! (`napalmsky::fuzz_checks::http_bodies`): JSON answers, never a failure inside.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use napalmsky::fuzz_checks::http_bodies::Harness;

static HARNESS: OnceLock<Mutex<Harness>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let harness = HARNESS.get_or_init(|| Mutex::new(Harness::start()));
    let mut harness = harness.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(broken) = harness.check(data) {
        panic!("{broken}");
    }
});
