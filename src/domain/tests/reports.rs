//! What the store reports back after a finished call (`Command::CallRecorded`).

use serde_json::json;

use super::harness::*;
use crate::domain::{CallReport, Command, Effect, LastCall, UserMetrics};

fn metrics(n: u8, total: u64, count: u32) -> UserMetrics {
    UserMetrics {
        user: uid(n),
        timer_total_seconds: total,
        session_count: count,
        last_calls: vec![LastCall {
            at: T0,
            duration_seconds: 95,
        }],
    }
}

#[test]
fn each_participant_gets_its_metrics_and_only_the_unlocker_the_qr_notice() {
    let mut h = H::new();
    let a = h.ready(1);
    let a2 = h.connect(1);
    let b = h.ready(2);
    let fx = h.run(Command::CallRecorded(CallReport {
        session_id: "session-x".into(),
        finalize_to: vec![a, b],
        metrics: vec![metrics(1, 300, 4), metrics(2, 95, 1)],
        unlocked: vec![(uid(1), 4)],
    }));
    assert_eq!(recipients(&fx, "metrics:update"), vec![a, a2, b]);
    // The room's sockets are told the session is final, after their metrics.
    assert_eq!(recipients(&fx, "session:finalized"), vec![a, b]);
    assert_eq!(
        one(&fx, a, "session:finalized"),
        json!({"sessionId": "session-x"})
    );
    let position = |event: &str| {
        fx.iter()
            .position(|e| matches!(e, Effect::Send { event: ev, .. } if *ev == event))
    };
    assert!(position("metrics:update") < position("session:finalized"));
    assert_eq!(
        one(&fx, b, "metrics:update"),
        json!({
            "timerTotalSeconds": 95,
            "sessionCount": 1,
            "lastSessions": [{"at": T0, "duration": 95}],
        })
    );
    assert_eq!(recipients(&fx, "qr:unlocked"), vec![a, a2]);
    assert_eq!(
        one(&fx, a, "qr:unlocked"),
        json!({
            "message": "🎉 Congratulations! You've unlocked your QR code!",
            "sessionsCompleted": 4,
        })
    );
}

#[test]
fn a_user_who_left_meanwhile_is_sent_nothing() {
    let mut h = H::new();
    let b = h.ready(2);
    let fx = h.run(Command::CallRecorded(CallReport {
        metrics: vec![metrics(1, 300, 4), metrics(2, 95, 1)],
        unlocked: vec![(uid(1), 4)],
        ..CallReport::default()
    }));
    assert_eq!(all_recipients(&fx), vec![b], "user 1 has no socket: {fx:?}");
}
