//! What the store reports back after committing a durable effect, and the events it becomes.
//!
//! The domain does not hold stored counters (call totals, completions), so it cannot build
//! `metrics:update` itself when a call ends: the app writes the call, then hands the committed
//! values back as [`super::Command::CallRecorded`]. The recipients are resolved at that moment,
//! so a user who reconnected meanwhile gets the update on the new socket. `session:finalized`
//! waits for the same report (PRODUCT.md §3: an answer only after the commit), so a client
//! that reads `/room/history` when it arrives finds the call.

use serde_json::{Value, json};

use super::domain::Domain;
use super::effects::{Effect, Emit};
use super::events::{event, message};
use super::ids::{SocketId, UserId};

/// The stored outcome of one finished call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallReport {
    /// The call's `session-<roomId>`.
    pub session_id: String,
    /// The sockets that were in the room (`CallRecord::finalize_to`).
    pub finalize_to: Vec<SocketId>,
    /// Each participant's metrics after the call (`metrics:update`).
    pub metrics: Vec<UserMetrics>,
    /// Users whose QR code this call unlocked, with their completed-session count.
    pub unlocked: Vec<(UserId, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMetrics {
    pub user: UserId,
    pub timer_total_seconds: u64,
    pub session_count: u32,
    /// The most recent calls, oldest first.
    pub last_calls: Vec<LastCall>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastCall {
    pub at: i64,
    pub duration_seconds: u32,
}

impl Domain {
    /// `metrics:update` to each participant's live sockets, `qr:unlocked` to whoever unlocked,
    /// then `session:finalized` to the room's sockets (the original's order).
    pub(crate) fn call_recorded(&mut self, report: &CallReport, out: &mut Vec<Effect>) {
        for metrics in &report.metrics {
            let last: Vec<Value> = metrics
                .last_calls
                .iter()
                .map(|call| json!({"at": call.at, "duration": call.duration_seconds}))
                .collect();
            out.send(
                self.sockets_of(&metrics.user).to_vec(),
                event::METRICS_UPDATE,
                Some(json!({
                    "timerTotalSeconds": metrics.timer_total_seconds,
                    "sessionCount": metrics.session_count,
                    "lastSessions": last,
                })),
            );
        }
        for (user, completed) in &report.unlocked {
            out.send(
                self.sockets_of(user).to_vec(),
                event::QR_UNLOCKED,
                Some(json!({
                    "message": message::QR_UNLOCKED,
                    "sessionsCompleted": completed,
                })),
            );
        }
        out.send(
            report.finalize_to.clone(),
            event::SESSION_FINALIZED,
            Some(json!({ "sessionId": report.session_id })),
        );
    }
}
