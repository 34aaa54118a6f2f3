//! `loadgen`: the Socket.IO load generator (a "speed-dating evening" against a local
//! napalmsky). Everything lives in `napalmsky_bench::loadgen`; see `loadgen --help`.
//!
//! Example: `loadgen --target http://127.0.0.1:3101 --users 1000 --ramp-rate 100 \
//!   --duration 30 --server-pid $PID --out run.json --plot run.svg`

use std::process::ExitCode;

use clap::Parser as _;
use napalmsky_bench::loadgen::{args::Args, runner};

fn main() -> ExitCode {
    runner::main(Args::parse())
}
