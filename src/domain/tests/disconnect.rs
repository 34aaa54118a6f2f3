//! Disconnect grace, full cleanup and kicks (§7.4 for sockets, §7.5, §7.14, §7.15, §7.17).

use serde_json::json;

use super::harness::*;
use crate::domain::{
    Command, Counts, DomainConfig, Effect, EndReason, Notice, format_id, pair_key,
};

#[test]
fn closing_one_of_two_sockets_changes_nothing_else() {
    // §7.15: the original took the user offline even with a newer socket live.
    let mut h = H::new();
    let s1 = h.ready(1);
    let s2 = h.connect(1);
    h.run(Command::QueueJoin { socket: s2 });
    let fx = h.run(Command::SocketClosed { socket: s1 });
    assert!(fx.is_empty());
    assert!(h.d.is_available(&uid(1)));
    assert_eq!(h.d.sockets_of(&uid(1)), &[s2]);
    assert_eq!(h.d.next_deadline(), None);
    // Events still reach the remaining socket.
    let x = h.ready(2);
    let fx = h.invite(x, 1, json!(60));
    assert_eq!(recipients(&fx, "call:notify"), vec![s2]);
}

#[test]
fn the_last_socket_closing_starts_the_grace_and_its_end_cleans_up() {
    // §7.14: the original's cleanup after a transport close never ran.
    let mut h = H::new();
    let s = h.ready(1);
    let fx = h.run(Command::SocketClosed { socket: s });
    assert!(fx.is_empty());
    assert_eq!(h.d.next_deadline(), Some(T0 + 5_000));
    assert!(h.advance(4_999).is_empty());
    let fx = h.advance(1);
    assert_eq!(presence(&fx), vec![(uid(1), false, false)]);
    assert_eq!(h.d.counts(), Counts::default());
    assert!(!h.d.is_online(&uid(1)));
}

#[test]
fn a_reconnect_within_the_grace_cancels_the_cleanup() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.run(Command::SocketClosed { socket: c.a });
    h.now += 4_000;
    let a2 = h.connect(1);
    // Only the room deadline remains.
    assert_eq!(h.d.counts().timers, 1);
    let fx = h.advance(2_000);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(h.d.in_room(&uid(1)), Some(c.room));
    // The reconnected socket rejoins the room and the call goes on.
    h.run(Command::RoomJoin {
        socket: a2,
        room_id: Some(c.room),
    });
    let fx = h.chat(c.b, c.room, "still there?");
    assert_eq!(recipients(&fx, "room:chat"), vec![a2, c.b]);
}

#[test]
fn the_disconnect_grace_is_configurable_and_zero_means_at_once() {
    let mut h = H::with(DomainConfig {
        disconnect_grace_ms: 0,
        ..DomainConfig::default()
    });
    let s = h.ready(1);
    let fx = h.run(Command::SocketClosed { socket: s });
    assert_eq!(presence(&fx), vec![(uid(1), false, false)]);
    assert_eq!(h.d.counts(), Counts::default());
}

#[test]
fn cleanup_rescinds_outgoing_and_declines_incoming_invites() {
    // §7.17: invites *to* a leaving user were left behind.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let c = h.ready(3);
    let out = h.invite_id(a, 2);
    let inc = h.invite_id(c, 1);
    h.run(Command::SocketClosed { socket: a });
    let fx = h.advance(5_000);
    assert_eq!(
        one(&fx, b, "call:rescinded"),
        json!({"inviteId": format_id(&out)})
    );
    assert_eq!(
        one(&fx, c, "call:declined"),
        json!({"inviteId": format_id(&inc), "reason": "offline"})
    );
    // The rescind cooldown for the outgoing one only (as the original).
    let (x, y) = pair_key(uid(1), uid(2));
    assert_eq!(cooldowns(&fx), vec![(x, y, T0 + 5_000 + HOUR)]);
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
}

#[test]
fn cleanup_closes_the_room_with_peer_disconnected_and_the_end_path() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.chat(c.a, c.room, "bye");
    h.now += 40_000;
    h.run(Command::SocketClosed { socket: c.a });
    let fx = h.advance(5_000);
    assert_eq!(one(&fx, c.b, "peer:disconnected"), serde_json::Value::Null);
    let r = record(&fx);
    assert_eq!(r.reason, EndReason::Disconnected);
    assert_eq!(r.duration_seconds, 45);
    assert!(r.record_history && r.record_completion);
    assert_eq!(r.messages.len(), 2);
    assert_eq!(
        r.messages[1],
        json!({
            "from": "system",
            "text": "Call ended due to disconnection",
            "timestamp": T0 + 45_000,
            "type": "message",
        })
    );
    assert_eq!(cooldowns(&fx).len(), 1);
    assert!(
        payloads(&fx, c.b, "session:finalized").is_empty(),
        "not before it is stored"
    );
    assert!(presence(&fx).contains(&(uid(1), false, false)));
    assert_eq!(h.d.in_room(&uid(2)), None);
    assert!(h.d.is_online(&uid(2)));
    // session:finalized comes after peer:disconnected: once the call is stored.
    assert_eq!(payloads(&h.stored(&fx), c.b, "session:finalized").len(), 1);
    // The partner's client then sends call:end for the closed room: silent.
    assert!(h.end(c.b, c.room).is_empty());
    let c2 = h.d.counts();
    assert_eq!((c2.rooms, c2.users_tracked, c2.timers), (0, 1, 0));
}

#[test]
fn a_short_call_cut_by_a_disconnect_costs_no_cooldown() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.run(Command::SocketClosed { socket: c.b });
    let fx = h.advance(5_000);
    let r = record(&fx);
    assert_eq!(r.duration_seconds, 5);
    assert!(r.record_history);
    let mut h = H::with(DomainConfig {
        disconnect_grace_ms: 1_000,
        ..DomainConfig::default()
    });
    let c = h.call(1, 2);
    h.run(Command::SocketClosed { socket: c.b });
    let fx = h.advance(1_000);
    assert!(!record(&fx).record_history);
    assert!(cooldowns(&fx).is_empty());
}

#[test]
fn kick_notices_and_closes_every_socket_and_cleans_up_at_once() {
    // §7.4 / §7.5: the original left invalidated and banned users connected.
    let mut h = H::new();
    let c = h.call(1, 2);
    let a2 = h.connect(1);
    h.now += 10_000;
    let notice = Notice {
        event: "session:invalidated",
        payload: json!({"message": "Logged in elsewhere", "reason": "new_login"}),
    };
    let fx = h.run(Command::Kick {
        user: uid(1),
        notice: Some(notice),
    });
    assert_eq!(recipients(&fx, "session:invalidated"), vec![c.a, a2]);
    assert_eq!(closes(&fx), vec![(c.a, "kicked"), (a2, "kicked")]);
    // The notice comes before the closes.
    let first_close = fx.iter().position(|e| matches!(e, Effect::Close { .. }));
    assert_eq!(first_close, Some(1));
    assert_eq!(payloads(&fx, c.b, "peer:disconnected").len(), 1);
    assert_eq!(record(&fx).reason, EndReason::Disconnected);
    assert!(presence(&fx).contains(&(uid(1), false, false)));
    assert_eq!(h.d.user_of(c.a), None);
    assert!(h.d.profile(&uid(1)).is_none());
    // The transports' close reports are no-ops; no grace timer was started.
    assert!(h.run(Command::SocketClosed { socket: c.a }).is_empty());
    assert_eq!(h.d.next_deadline(), None);
}

#[test]
fn kick_of_a_user_in_the_grace_or_unknown() {
    let mut h = H::new();
    let s = h.ready(1);
    h.run(Command::SocketClosed { socket: s });
    let fx = h.run(Command::Kick {
        user: uid(1),
        notice: None,
    });
    assert!(closes(&fx).is_empty());
    assert_eq!(presence(&fx), vec![(uid(1), false, false)]);
    assert_eq!(h.d.counts(), Counts::default());
    assert!(
        h.run(Command::Kick {
            user: uid(9),
            notice: None
        })
        .is_empty()
    );
}

#[test]
fn a_user_in_the_grace_is_still_in_the_room_and_the_peer_can_end() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.now += 20_000;
    h.run(Command::SocketClosed { socket: c.a });
    let fx = h.end(c.b, c.room);
    assert_eq!(record(&fx).reason, EndReason::Ended);
    // The grace still runs out later and cleans up user 1, without a second record.
    let fx = h.advance(5_000);
    assert!(records(&fx).is_empty());
    assert_eq!(presence(&fx), vec![(uid(1), false, false)]);
}
