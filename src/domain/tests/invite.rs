//! `call:invite`: the checks in order, the notification, one invite per pair, mutual invites
//! (§7.13, §7.17).

use serde_json::{Value, json};

use super::harness::*;
use crate::domain::{Command, format_id};

#[test]
fn an_invite_notifies_every_callee_socket_with_the_exact_payload() {
    let mut h = H::new();
    let a = h.ready(1);
    let b1 = h.ready(2);
    let b2 = h.connect(2);
    h.run(Command::QueueJoin { socket: b2 });
    let fx = h.invite(a, 2, json!(300));
    assert_eq!(recipients(&fx, "call:notify"), vec![b1, b2]);
    let p = one(&fx, b1, "call:notify");
    let invite = id_field(&p, "inviteId");
    assert_eq!(
        p,
        json!({
            "inviteId": format_id(&invite),
            "fromUser": {
                "userId": format_id(&uid(1)),
                "name": "user1",
                "gender": "female",
                "selfieUrl": "/uploads/selfie1.jpg",
            },
            "requestedSeconds": 300,
            "ttlMs": 20000,
        })
    );
    // Nothing to the caller, no presence change: inviting does not make anyone busy.
    assert!(payloads(&fx, a, "call:declined").is_empty());
    assert!(presence(&fx).is_empty());
    assert_eq!(h.d.counts().pending_invites, 1);
    assert_eq!(h.d.next_deadline(), Some(T0 + 45_000));
}

#[test]
fn a_missing_or_malformed_target_is_an_error() {
    // §7.13: the original crashed on a missing toUserId.
    let mut h = H::new();
    let a = h.ready(1);
    let fx = h.run(Command::Invite {
        socket: a,
        to: None,
        target_exists: true,
        requested_seconds: json!(300),
    });
    assert_eq!(error(&fx, a), "Invalid target user");
    assert_eq!(fx.len(), 1);
}

#[test]
fn inviting_yourself_is_declined_invalid_target_with_a_fresh_id() {
    let mut h = H::new();
    let a = h.ready(1);
    let fx = h.invite(a, 1, json!(300));
    let p = one(&fx, a, "call:declined");
    assert_eq!(p["reason"], "invalid_target");
    assert!(p["inviteId"].as_str().is_some());
    let again = h.invite(a, 1, json!(300));
    assert_ne!(one(&again, a, "call:declined")["inviteId"], p["inviteId"]);
    assert_eq!(h.d.counts().pending_invites, 0);
}

#[test]
fn an_unknown_user_is_user_not_found_and_a_known_disconnected_one_offline() {
    let mut h = H::new();
    let a = h.ready(1);
    let fx = h.run(Command::Invite {
        socket: a,
        to: Some(uid(9)),
        target_exists: false,
        requested_seconds: json!(300),
    });
    assert_eq!(declined_reason(&fx, a), "user_not_found");
    let fx = h.invite(a, 9, json!(300));
    assert_eq!(declined_reason(&fx, a), "offline");
    // A connected user exists whatever the app says.
    h.ready(2);
    let fx = h.run(Command::Invite {
        socket: a,
        to: Some(uid(2)),
        target_exists: false,
        requested_seconds: json!(300),
    });
    assert_eq!(payloads(&fx, a, "call:declined"), Vec::<Value>::new());
}

#[test]
fn the_duration_must_be_an_integer_within_bounds() {
    let mut h = H::new();
    let a = h.ready(1);
    h.ready(2);
    for bad in [
        json!(59),
        json!(1801),
        json!(90.5),
        json!("300"),
        Value::Null,
        json!({}),
    ] {
        let fx = h.invite(a, 2, bad.clone());
        assert_eq!(declined_reason(&fx, a), "invalid_duration", "{bad}");
    }
    // Checked before availability: an offline target with a bad duration is invalid_duration.
    let fx = h.invite(a, 9, json!(10));
    assert_eq!(declined_reason(&fx, a), "invalid_duration");
    assert_eq!(h.d.counts().pending_invites, 0);
}

#[test]
fn a_target_not_online_and_available_is_offline() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.connect(2); // online, not queued
    assert_eq!(declined_reason(&h.invite(a, 2, json!(60)), a), "offline");
    h.run(Command::QueueJoin { socket: b });
    h.run(Command::PresenceLeave { socket: b });
    assert_eq!(declined_reason(&h.invite(a, 2, json!(60)), a), "offline");
}

#[test]
fn a_target_in_the_disconnect_grace_is_offline_and_no_invite_is_stored() {
    // §7.17: the original stored invites for targets without a socket.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.run(Command::SocketClosed { socket: b });
    let fx = h.invite(a, 2, json!(60));
    assert_eq!(declined_reason(&fx, a), "offline");
    assert_eq!(h.d.counts().pending_invites, 0);
}

#[test]
fn a_target_in_a_call_is_offline() {
    let mut h = H::new();
    h.call(1, 2);
    let c = h.ready(3);
    assert_eq!(declined_reason(&h.invite(c, 2, json!(60)), c), "offline");
}

#[test]
fn a_caller_in_a_call_cannot_invite() {
    let mut h = H::new();
    let call = h.call(1, 2);
    h.ready(3);
    let fx = h.invite(call.a, 3, json!(60));
    assert_eq!(error(&fx, call.a), "You are already in a call");
    assert_eq!(h.d.counts().pending_invites, 0);
}

#[test]
fn a_pair_on_cooldown_is_declined_cooldown_in_both_directions() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.d.load_cooldown(uid(2), uid(1), T0 + HOUR);
    assert_eq!(declined_reason(&h.invite(a, 2, json!(60)), a), "cooldown");
    assert_eq!(declined_reason(&h.invite(b, 1, json!(60)), b), "cooldown");
    h.now = T0 + HOUR;
    assert!(payloads(&h.invite(a, 2, json!(60)), a, "call:declined").is_empty());
}

#[test]
fn a_second_invite_in_the_same_direction_is_refused() {
    // §7.17: duplicates.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.invite_id(a, 2);
    let fx = h.invite(a, 2, json!(300));
    assert_eq!(error(&fx, a), "Invite already pending");
    assert!(payloads(&fx, b, "call:notify").is_empty());
    // Also from the caller's other tab.
    let a2 = h.connect(1);
    h.run(Command::QueueJoin { socket: a2 });
    let fx = h.invite(a2, 2, json!(300));
    assert_eq!(error(&fx, a2), "Invite already pending");
    assert_eq!(h.d.counts().pending_invites, 1);
}

#[test]
fn mutual_invites_make_exactly_one_room() {
    // §7.17: the original could make two rooms.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.invite_id(a, 2);
    let fx = h.invite(b, 1, json!(61));
    let start_a = one(&fx, a, "call:start");
    let start_b = one(&fx, b, "call:start");
    assert_eq!(start_a["roomId"], start_b["roomId"]);
    // The first inviter is the initiator; agreed = floor((300 + 61) / 2).
    assert_eq!(start_a["isInitiator"], true);
    assert_eq!(start_b["isInitiator"], false);
    assert_eq!(start_a["agreedSeconds"], 180);
    assert!(all_payloads(&fx, "call:notify").is_empty());
    let c = h.d.counts();
    assert_eq!((c.rooms, c.pending_invites), (1, 0));
    let room = id_field(&start_a, "roomId");
    assert_eq!(h.d.in_room(&uid(1)), Some(room));
    assert_eq!(h.d.in_room(&uid(2)), Some(room));
}

#[test]
fn a_mutual_invite_still_validates_its_own_duration() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.invite_id(a, 2);
    let fx = h.invite(b, 1, json!(5000));
    assert_eq!(declined_reason(&fx, b), "invalid_duration");
    assert_eq!(h.d.counts().rooms, 0);
    assert_eq!(h.d.counts().pending_invites, 1);
}

#[test]
fn a_caller_may_invite_several_users_at_once() {
    let mut h = H::new();
    let a = h.ready(1);
    h.ready(2);
    h.ready(3);
    let i2 = h.invite_id(a, 2);
    let i3 = h.invite_id(a, 3);
    assert_ne!(i2, i3);
    assert_eq!(h.d.counts().pending_invites, 2);
    // Inviting does not change the caller's own availability.
    assert!(h.d.is_available(&uid(1)));
}
