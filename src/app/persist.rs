//! Durable effects of the realtime flow: written through the store (and its outbox), then
//! reported to the users (`metrics:update`, `qr:unlocked`) once committed.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::calls::{CallOutcome, FinishedCall, record_finished_call};
use crate::domain::{CallRecord, Durable, Effect};
use crate::server::AppState;

pub fn spawn(state: &Arc<AppState>, durable: Durable) {
    let state = state.clone();
    state.clone().spawn(async move {
        match durable {
            Durable::Cooldown { a, b, until } => {
                let written = state
                    .store
                    .write(move |tx| tx.extend_cooldown(a, b, until))
                    .await;
                if let Err(e) = written {
                    tracing::error!(error = %e, "could not store a cooldown");
                }
            }
            Durable::CallFinished(record) => finish_call(&state, record).await,
        }
    });
}

fn finished_call(record: CallRecord) -> FinishedCall {
    FinishedCall {
        session_id: record.session_id,
        room_id: record.room_id,
        caller: record.caller,
        callee: record.callee,
        caller_name: record.caller_name,
        callee_name: record.callee_name,
        started_at: record.started_at,
        duration_seconds: record.duration_seconds,
        messages: Value::Array(record.messages).to_string(),
        record_history: record.record_history,
        record_completion: record.record_completion,
        // The domain sends the pair's cooldown as its own `Durable::Cooldown`.
        cooldown_until: None,
    }
}

async fn finish_call(state: &Arc<AppState>, record: CallRecord) {
    let call = finished_call(record);
    let now = state.clock.now_ms();
    let outcome = state
        .store
        .write(move |tx| record_finished_call(tx, &call, now))
        .await;
    match outcome {
        Ok(outcome) => report(state, outcome),
        Err(e) => tracing::error!(error = %e, "could not store a finished call"),
    }
}

/// `metrics:update` to both participants, `qr:unlocked` to whoever just unlocked.
fn report(state: &Arc<AppState>, outcome: CallOutcome) {
    let mut effects = Vec::new();
    for metrics in &outcome.metrics {
        let to = state
            .realtime
            .with_domain(|d| d.sockets_of(&metrics.user_id).to_vec());
        let last: Vec<Value> = metrics
            .last_sessions
            .iter()
            .map(|s| json!({"at": s.at, "duration": s.duration_seconds}))
            .collect();
        effects.push(Effect::Send {
            to,
            event: "metrics:update",
            payload: Some(json!({
                "timerTotalSeconds": metrics.timer_total_seconds,
                "sessionCount": metrics.session_count,
                "lastSessions": last,
            })),
        });
    }
    for (user, completed) in &outcome.unlocked {
        let to = state.realtime.with_domain(|d| d.sockets_of(user).to_vec());
        effects.push(Effect::Send {
            to,
            event: "qr:unlocked",
            payload: Some(json!({
                "message": "🎉 Congratulations! You've unlocked your QR code!",
                "sessionsCompleted": completed,
            })),
        });
    }
    effects.retain(|e| !matches!(e, Effect::Send { to, .. } if to.is_empty()));
    super::hub::apply(state, effects);
}
