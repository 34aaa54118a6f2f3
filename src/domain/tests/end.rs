//! The end path: `call:end` and the room deadline (§7.18, §7.20, §7.21, §7.23).

use serde_json::json;

use super::harness::*;
use crate::domain::{Command, DomainConfig, EndReason, format_id, pair_key};

#[test]
fn call_end_finishes_the_call_for_both() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.chat(c.a, c.room, "hi");
    h.now += 95_700;
    let fx = h.end(c.b, c.room);
    let r = record(&fx);
    assert_eq!(r.session_id, format!("session-{}", format_id(&c.room)));
    assert_eq!((r.room_id, r.caller, r.callee), (c.room, uid(1), uid(2)));
    assert_eq!(
        (r.caller_name.as_str(), r.callee_name.as_str()),
        ("user1", "user2")
    );
    assert_eq!((r.started_at, r.duration_seconds), (T0, 95));
    assert!(r.record_history && r.record_completion);
    assert_eq!(r.reason, EndReason::Ended);
    assert_eq!(r.messages.len(), 1);
    let (x, y) = pair_key(uid(1), uid(2));
    assert_eq!(cooldowns(&fx), vec![(x, y, T0 + 95_700 + DAY)]);
    // Finalized only once the call is stored (the history is there when it arrives).
    assert!(recipients(&fx, "session:finalized").is_empty());
    let stored = h.stored(&fx);
    let fin = json!({"sessionId": r.session_id});
    assert_eq!(one(&stored, c.a, "session:finalized"), fin);
    assert_eq!(one(&stored, c.b, "session:finalized"), fin);
    // Room gone, timers gone, users out of the room.
    assert_eq!(h.d.counts().rooms, 0);
    assert_eq!(h.d.next_deadline(), None);
    assert_eq!(h.d.in_room(&uid(1)), None);
    assert_eq!(h.d.in_room(&uid(2)), None);
}

#[test]
fn after_a_call_both_users_stay_unavailable_until_they_queue_again() {
    // §7.18: the original set both available wherever they were (end screen, other room).
    let mut h = H::new();
    let c = h.call(1, 2);
    h.now += 60_000;
    let fx = h.end(c.a, c.room);
    assert!(presence(&fx).iter().all(|&(_, _, available)| !available));
    assert!(!h.d.is_available(&uid(1)) && !h.d.is_available(&uid(2)));
    assert!(h.d.is_online(&uid(1)));
    let fx = h.run(Command::QueueJoin { socket: c.a });
    assert_eq!(presence(&fx), vec![(uid(1), true, true)]);
    // Others can call them again; the pair itself is on cooldown.
    let x = h.ready(3);
    assert_eq!(
        payloads(&h.invite(x, 1, json!(60)), x, "call:declined").len(),
        0
    );
    h.run(Command::QueueJoin { socket: c.b });
    assert_eq!(
        declined_reason(&h.invite(c.b, 1, json!(60)), c.b),
        "cooldown"
    );
}

#[test]
fn a_call_shorter_than_the_history_minimum_costs_no_cooldown() {
    // §7.18: the original put a 24 h cooldown even on a 0-second call.
    let mut h = H::new();
    let c = h.call(1, 2);
    h.now += 4_999;
    let fx = h.end(c.a, c.room);
    let r = record(&fx);
    assert_eq!(r.duration_seconds, 4);
    assert!(!r.record_history && !r.record_completion);
    assert!(cooldowns(&fx).is_empty());
    assert_eq!(h.d.cooldown_until(&uid(1), &uid(2), h.now), None);
    assert_eq!(payloads(&h.stored(&fx), c.a, "session:finalized").len(), 1);
}

#[test]
fn history_starts_at_5_seconds_and_completion_at_30() {
    for (ms, history, completion) in [
        (5_000, true, false),
        (29_999, true, false),
        (30_000, true, true),
    ] {
        let mut h = H::new();
        let c = h.call(1, 2);
        h.now += ms;
        let fx = h.end(c.a, c.room);
        let r = record(&fx);
        assert_eq!(
            (r.record_history, r.record_completion),
            (history, completion),
            "{ms}"
        );
        assert_eq!(cooldowns(&fx).len(), 1);
    }
}

#[test]
fn the_thresholds_are_configurable() {
    let mut h = H::with(DomainConfig {
        history_min_seconds: 10,
        completion_min_seconds: 20,
        ..DomainConfig::default()
    });
    let c = h.call(1, 2);
    h.now += 9_000;
    let r = record(&h.end(c.a, c.room));
    assert!(!r.record_history);
}

#[test]
fn the_server_closes_a_room_at_agreed_length_plus_grace() {
    // §7.18: the original never enforced the duration; rooms leaked.
    let mut h = H::new();
    let c = h.call(1, 2);
    assert!(h.advance(300_000 + 9_999).is_empty());
    let fx = h.advance(1);
    let r = record(&fx);
    assert_eq!(r.reason, EndReason::TimedOut);
    assert_eq!(r.duration_seconds, 310);
    assert!(r.record_history && r.record_completion);
    assert_eq!(cooldowns(&fx).len(), 1);
    let stored = h.stored(&fx);
    assert_eq!(payloads(&stored, c.a, "session:finalized").len(), 1);
    assert_eq!(payloads(&stored, c.b, "session:finalized").len(), 1);
    assert_eq!(h.d.counts().rooms, 0);
    assert_eq!(h.d.next_deadline(), None);
}

#[test]
fn a_late_tick_caps_the_duration_at_agreed_plus_grace() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let fx = h.advance(10 * 60_000);
    assert_eq!(record(&fx).duration_seconds, 310);
    // A call:end racing the deadline finds nothing: no second record.
    assert!(h.end(c.a, c.room).is_empty());
}

#[test]
fn call_end_is_idempotent_for_an_ended_room() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.now += 10_000;
    assert_eq!(records(&h.end(c.a, c.room)).len(), 1);
    // The partner's client also ends (or answers peer:disconnected): silent no-op.
    assert!(h.end(c.b, c.room).is_empty());
    assert!(
        h.run(Command::CallEnd {
            socket: c.b,
            room_id: None
        })
        .is_empty()
    );
}

#[test]
fn session_ids_are_unique_per_room() {
    // §7.20: `session-<Date.now()>` collided across rooms ending in the same millisecond.
    let mut h = H::new();
    let c1 = h.call(1, 2);
    let c2 = h.call(3, 4);
    h.now += 10_000;
    let r1 = record(&h.end(c1.a, c1.room));
    let r2 = record(&h.end(c2.a, c2.room));
    assert_ne!(r1.session_id, r2.session_id);
    // Both participants are in the one record, for one history entry each.
    assert_eq!((r2.caller, r2.callee), (uid(3), uid(4)));
}

#[test]
fn a_call_never_shortens_a_longer_cooldown() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.d.load_cooldown(uid(1), uid(2), T0 + 2 * DAY);
    h.now += 60_000;
    let fx = h.end(c.a, c.room);
    assert!(cooldowns(&fx).is_empty());
    assert_eq!(
        h.d.cooldown_until(&uid(1), &uid(2), h.now),
        Some(T0 + 2 * DAY)
    );
}

#[test]
fn session_finalized_goes_to_the_joined_sockets() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let a_main_tab = h.connect(1);
    h.run(Command::RoomJoin {
        socket: c.a,
        room_id: Some(c.room),
    });
    h.now += 10_000;
    let fx = h.end(c.b, c.room);
    let stored = h.stored(&fx);
    assert_eq!(recipients(&stored, "session:finalized"), vec![c.a, c.b]);
    assert!(payloads(&stored, a_main_tab, "session:finalized").is_empty());
}
