//! What an ended call leaves in the store, as one transaction: history for both participants,
//! their metrics, completions and the QR unlock, and the pair's cooldown.

mod finish;

pub use finish::{CallOutcome, FinishedCall, Metrics, QR_UNLOCK_SESSIONS, record_finished_call};
