//! `call:accept`: ownership, re-validation, room start, withdrawal of other invites (§7.3,
//! §7.17).

use serde_json::json;

use super::harness::*;
use crate::domain::{Command, format_id};

#[test]
fn accept_starts_a_room_with_exact_payloads() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    h.now += 3_000;
    let fx = h.accept(b, id, json!(61));
    let sa = one(&fx, a, "call:start");
    let room = id_field(&sa, "roomId");
    assert_eq!(
        sa,
        json!({
            "roomId": format_id(&room),
            "agreedSeconds": 180,
            "isInitiator": true,
            "peerUser": {"userId": format_id(&uid(2)), "name": "user2"},
        })
    );
    assert_eq!(
        one(&fx, b, "call:start"),
        json!({
            "roomId": format_id(&room),
            "agreedSeconds": 180,
            "isInitiator": false,
            "peerUser": {"userId": format_id(&uid(1)), "name": "user1"},
        })
    );
    // Both busy now.
    assert_eq!(
        presence(&fx),
        vec![(uid(1), true, false), (uid(2), true, false)]
    );
    assert_eq!(h.d.in_room(&uid(1)), Some(room));
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.counts().rooms, 1);
    // Deadline: start + agreed + grace; the invite timer is gone.
    assert_eq!(h.d.next_deadline(), Some(T0 + 3_000 + 180_000 + 10_000));
    assert!(cooldowns(&fx).is_empty());
}

#[test]
fn call_start_goes_to_every_socket_of_both_users() {
    let mut h = H::new();
    let a1 = h.ready(1);
    let a2 = h.connect(1);
    h.run(Command::QueueJoin { socket: a2 });
    let b = h.ready(2);
    let id = h.invite_id(a1, 2);
    let fx = h.accept(b, id, json!(300));
    assert_eq!(recipients(&fx, "call:start"), vec![a1, a2, b]);
}

#[test]
fn only_the_invitee_may_accept() {
    // §7.3: the original let anyone (even unauthenticated) accept.
    let mut h = H::new();
    let a = h.ready(1);
    h.ready(2);
    let c = h.ready(3);
    let id = h.invite_id(a, 2);
    for s in [a, c] {
        let fx = h.accept(s, id, json!(300));
        assert_eq!(error(&fx, s), "This invite is not addressed to you");
        assert!(all_payloads(&fx, "call:start").is_empty());
    }
    assert_eq!(h.d.counts().pending_invites, 1);
    assert_eq!(h.d.counts().rooms, 0);
}

#[test]
fn an_unknown_invite_is_an_error() {
    let mut h = H::new();
    let b = h.ready(2);
    let fx = h.accept(b, [3; 16], json!(300));
    assert_eq!(error(&fx, b), "Invite not found or expired");
    let fx = h.run(Command::Accept {
        socket: b,
        invite_id: None,
        requested_seconds: json!(300),
    });
    assert_eq!(error(&fx, b), "Invite not found or expired");
}

#[test]
fn an_invalid_duration_is_an_error_and_keeps_the_invite() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    for bad in [json!(30), json!("300"), json!(null), json!(60.5)] {
        let fx = h.accept(b, id, bad);
        assert_eq!(error(&fx, b), "Invalid call duration");
        assert!(payloads(&fx, a, "call:declined").is_empty());
    }
    assert_eq!(h.d.counts().pending_invites, 1);
    assert_eq!(
        one(&h.accept(b, id, json!(60)), a, "call:start")["agreedSeconds"],
        180
    );
}

#[test]
fn accepting_twice_starts_one_room() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    h.accept(b, id, json!(300));
    let fx = h.accept(b, id, json!(300));
    assert_eq!(error(&fx, b), "Invite not found or expired");
    assert_eq!(h.d.counts().rooms, 1);
}

#[test]
fn accept_fails_when_the_caller_went_offline() {
    // §7.17: accept re-checks availability.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    h.run(Command::PresenceLeave { socket: a });
    let fx = h.accept(b, id, json!(300));
    assert_eq!(
        one(&fx, a, "call:declined"),
        json!({"inviteId": format_id(&id), "reason": "offline"})
    );
    assert_eq!(error(&fx, b), "The caller is no longer available");
    assert_eq!(h.d.counts().rooms, 0);
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
}

#[test]
fn accept_fails_when_the_caller_is_in_the_disconnect_grace() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    h.run(Command::SocketClosed { socket: a });
    let fx = h.accept(b, id, json!(300));
    assert_eq!(error(&fx, b), "The caller is no longer available");
    assert_eq!(h.d.counts().rooms, 0);
}

#[test]
fn accept_fails_when_a_cooldown_started_meanwhile() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    h.d.load_cooldown(uid(1), uid(2), T0 + DAY);
    let fx = h.accept(b, id, json!(300));
    assert_eq!(declined_reason(&fx, a), "cooldown");
    assert_eq!(error(&fx, b), "You cannot call this user again yet");
    assert_eq!(h.d.counts().rooms, 0);
}

#[test]
fn a_mutual_invite_withdraws_the_third_party_invite_it_overtook() {
    // User 1 invites 2; meanwhile 2 and 5 invite each other and start a call: 1's invite
    // cannot be accepted any more and 1 learns 2 is gone.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let e = h.ready(5);
    let id = h.invite_id(a, 2);
    h.invite_id(e, 2);
    let fx = h.invite(b, 5, json!(300));
    assert!(h.d.in_room(&uid(2)).is_some());
    assert_eq!(declined_reason(&fx, a), "offline");
    let fx = h.accept(b, id, json!(300));
    assert_eq!(error(&fx, b), "Invite not found or expired");
    assert!(payloads(&fx, a, "call:start").is_empty());
}

#[test]
fn starting_a_call_withdraws_both_users_other_invites() {
    // §7.17/§7.18: the original left them, so a busy user could be pulled into a second room.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let c = h.ready(3);
    let d = h.ready(4);
    let e = h.ready(5);
    let a_to_c = h.invite_id(a, 3); // sent by the future caller
    let d_to_a = h.invite_id(d, 1); // received by the future caller
    let e_to_b = h.invite_id(e, 2); // received by the future callee
    let id = h.invite_id(a, 2);
    let fx = h.accept(b, id, json!(300));
    assert_eq!(
        one(&fx, c, "call:rescinded"),
        json!({"inviteId": format_id(&a_to_c)})
    );
    assert_eq!(
        one(&fx, d, "call:declined"),
        json!({"inviteId": format_id(&d_to_a), "reason": "offline"})
    );
    assert_eq!(
        one(&fx, e, "call:declined"),
        json!({"inviteId": format_id(&e_to_b), "reason": "offline"})
    );
    // The busy users' own notifications close.
    assert_eq!(
        one(&fx, a, "call:rescinded"),
        json!({"inviteId": format_id(&d_to_a)})
    );
    assert_eq!(
        one(&fx, b, "call:rescinded"),
        json!({"inviteId": format_id(&e_to_b)})
    );
    // Nobody refused anybody: no cooldowns.
    assert!(cooldowns(&fx).is_empty());
    assert_eq!(h.d.counts().pending_invites, 0);
    // Only the room deadline is left to fire.
    assert_eq!(h.d.counts().timers, 1);
    // The withdrawn invites cannot be accepted.
    assert_eq!(
        error(&h.accept(c, a_to_c, json!(300)), c),
        "Invite not found or expired"
    );
}
