//! Library half of `napalmsky-bench`.
//!
//! The load generator lives here rather than in its binary so that its pure parts (payload
//! validation, percentiles, the report and plot, the loopback rule) are unit tested, and so
//! that `tests/scenario.rs` can drive it against a server started in the same process.

pub mod fill;
pub mod loadgen;
pub mod report_md;
