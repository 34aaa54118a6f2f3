//! Reports and bans: the rules (one report per pair, the auto-ban, which addresses it bans,
//! the review) and their store operations, with typed outcomes; no hyper.
//!
//! Module order: `rules` (the numbers), `addresses` (which addresses a ban takes), `report`
//! and `review` (the two writes), `gate` (the in-memory IP-ban set every request checks),
//! `queries` (what the review pages and the public lists read).

mod addresses;
mod gate;
mod queries;
mod report;
mod review;
mod rules;

pub use gate::AddressGate;
pub use queries::{ModerationStats, PendingBan, pending_bans, stats};
pub use report::{Banned, Filed, NO_REASON, NewReport, PENDING, ReportError, file_report};
pub use review::{Decision, ReviewError, Reviewed, review};
pub use rules::ModerationRules;

#[cfg(test)]
mod tests;
