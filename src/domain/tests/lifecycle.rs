//! Invite expiry, `call:extend-wait`, `call:decline`, `call:rescind` (§7.3, §7.17, §7.18).

use serde_json::json;

use super::harness::*;
use crate::domain::{Command, DomainConfig, format_id, pair_key};

#[test]
fn an_unanswered_invite_expires_on_the_server_at_its_ttl() {
    // §7.17: the original never expired invites (only a silent 5-minute purge).
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    assert!(h.advance(44_999).is_empty());
    let fx = h.advance(1);
    assert_eq!(
        one(&fx, a, "call:declined"),
        json!({"inviteId": format_id(&id), "reason": "timeout"})
    );
    assert_eq!(
        one(&fx, b, "call:rescinded"),
        json!({"inviteId": format_id(&id)})
    );
    // An expiry is nobody's refusal: the short (rescind) cooldown.
    let (x, y) = pair_key(uid(1), uid(2));
    assert_eq!(cooldowns(&fx), vec![(x, y, T0 + 45_000 + HOUR)]);
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
    // Accepting it now fails cleanly.
    let fx = h.accept(b, id, json!(300));
    assert_eq!(error(&fx, b), "Invite not found or expired");
}

#[test]
fn the_ttl_is_configurable() {
    let mut h = H::with(DomainConfig {
        invite_ttl_ms: 5_000,
        ..DomainConfig::default()
    });
    let a = h.ready(1);
    h.ready(2);
    let fx = h.invite(a, 2, json!(300));
    // The callee's dialog keeps the original's 20 s whatever the server's net is.
    assert_eq!(all_payloads(&fx, "call:notify")[0]["ttlMs"], 20000);
    assert_eq!(declined_reason(&h.advance(5_000), a), "timeout");
}

#[test]
fn extend_wait_pushes_the_expiry_back_and_tells_the_callee() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    h.invite_id(a, 2);
    h.now += 15_000;
    let fx = h.run(Command::ExtendWait {
        socket: a,
        to: Some(uid(2)),
    });
    assert_eq!(
        one(&fx, b, "call:wait-extended"),
        json!({"extraSeconds": 20})
    );
    assert_eq!(h.d.next_deadline(), Some(T0 + 65_000));
    assert!(h.advance(49_999).is_empty());
    assert_eq!(declined_reason(&h.advance(1), a), "timeout");
}

#[test]
fn extend_wait_is_bounded() {
    let mut h = H::new();
    let a = h.ready(1);
    h.ready(2);
    h.invite_id(a, 2);
    let extend = Command::ExtendWait {
        socket: a,
        to: Some(uid(2)),
    };
    for _ in 0..3 {
        assert!(errors(&h.run(extend.clone()), a).is_empty());
    }
    let fx = h.run(extend);
    assert_eq!(error(&fx, a), "This invite cannot be extended any further");
    assert!(all_payloads(&fx, "call:wait-extended").is_empty());
    assert_eq!(h.d.next_deadline(), Some(T0 + 105_000));
}

#[test]
fn extend_wait_without_a_pending_invite_is_an_error_not_spam() {
    // §7.3: the original forwarded call:wait-extended to any user.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let fx = h.run(Command::ExtendWait {
        socket: a,
        to: Some(uid(2)),
    });
    assert_eq!(error(&fx, a), "No pending invite to this user");
    assert!(payloads(&fx, b, "call:wait-extended").is_empty());
    // The callee cannot extend the caller's invite either.
    h.invite_id(a, 2);
    let fx = h.run(Command::ExtendWait {
        socket: b,
        to: Some(uid(1)),
    });
    assert_eq!(error(&fx, b), "No pending invite to this user");
    let fx = h.run(Command::ExtendWait {
        socket: a,
        to: None,
    });
    assert_eq!(error(&fx, a), "Invalid target user");
}

#[test]
fn decline_by_the_invitee_tells_the_caller_and_sets_the_call_cooldown() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    let fx = h.decline(b, id);
    assert_eq!(
        one(&fx, a, "call:declined"),
        json!({"inviteId": format_id(&id), "reason": "user_declined"})
    );
    let (x, y) = pair_key(uid(1), uid(2));
    assert_eq!(cooldowns(&fx), vec![(x, y, T0 + DAY)]);
    assert_eq!(h.d.cooldown_until(&uid(2), &uid(1), T0), Some(T0 + DAY));
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
    assert_eq!(declined_reason(&h.invite(a, 2, json!(60)), a), "cooldown");
}

#[test]
fn only_the_invitee_may_decline() {
    // §7.3: the original let anyone holding the inviteId decline.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let c = h.ready(3);
    let id = h.invite_id(a, 2);
    for s in [a, c] {
        let fx = h.decline(s, id);
        assert_eq!(error(&fx, s), "This invite is not addressed to you");
        assert!(payloads(&fx, a, "call:declined").is_empty());
    }
    assert_eq!(h.d.counts().pending_invites, 1);
    assert!(cooldowns(&h.decline(b, id)).len() == 1);
}

#[test]
fn declining_an_unknown_invite_is_an_error() {
    let mut h = H::new();
    let b = h.ready(2);
    let fx = h.decline(b, [9; 16]);
    assert_eq!(error(&fx, b), "Invite not found or expired");
    let fx = h.run(Command::Decline {
        socket: b,
        invite_id: None,
    });
    assert_eq!(error(&fx, b), "Invite not found or expired");
}

#[test]
fn rescind_tells_the_callee_and_sets_the_rescind_cooldown() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    let fx = h.run(Command::Rescind {
        socket: a,
        to: Some(uid(2)),
    });
    assert_eq!(
        one(&fx, b, "call:rescinded"),
        json!({"inviteId": format_id(&id)})
    );
    let (x, y) = pair_key(uid(1), uid(2));
    assert_eq!(cooldowns(&fx), vec![(x, y, T0 + HOUR)]);
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
    assert!(h.advance(DAY).is_empty());
}

#[test]
fn only_the_inviter_may_rescind() {
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let c = h.ready(3);
    h.invite_id(a, 2);
    // The callee "rescinding" towards the caller, or a stranger, finds no invite of theirs.
    let fx = h.run(Command::Rescind {
        socket: b,
        to: Some(uid(1)),
    });
    assert_eq!(error(&fx, b), "No pending invite to this user");
    let fx = h.run(Command::Rescind {
        socket: c,
        to: Some(uid(2)),
    });
    assert_eq!(error(&fx, c), "No pending invite to this user");
    assert_eq!(h.d.counts().pending_invites, 1);
}

#[test]
fn a_later_shorter_cooldown_never_shortens_a_longer_one() {
    // §7.18: last-write-wins could turn 24 h into 1 h.
    let mut h = H::new();
    let a = h.ready(1);
    h.ready(2);
    h.invite_id(a, 2);
    // A longer cooldown lands while the invite is pending (e.g. loaded from the store).
    h.d.load_cooldown(uid(2), uid(1), T0 + DAY);
    let fx = h.run(Command::Rescind {
        socket: a,
        to: Some(uid(2)),
    });
    assert_eq!(all_payloads(&fx, "call:rescinded").len(), 1);
    assert!(cooldowns(&fx).is_empty(), "nothing to persist: {fx:?}");
    assert_eq!(
        h.d.cooldown_until(&uid(1), &uid(2), T0 + HOUR),
        Some(T0 + DAY)
    );
    // And a shorter load does not shorten it either.
    h.d.load_cooldown(uid(1), uid(2), T0 + HOUR);
    assert_eq!(h.d.cooldown_until(&uid(1), &uid(2), T0), Some(T0 + DAY));
}

/// The web client's own timers with the default TTL: the callee's dialog declines by itself
/// at 20 s; a caller who chooses "Keep waiting" at 20 s keeps the invite open, and the
/// callee can still accept it after the first TTL would have passed.
#[test]
fn the_clients_20_second_flow_runs_inside_the_servers_ttl() {
    // The callee's dialog runs out: the client declines, the server has not expired it.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    assert!(h.advance(20_000).is_empty(), "no server expiry at 20 s");
    let fx = h.decline(b, id);
    assert_eq!(declined_reason(&fx, a), "user_declined");

    // The caller keeps waiting at 20 s: the callee is told, the invite stays open past 45 s.
    let mut h = H::new();
    let a = h.ready(1);
    let b = h.ready(2);
    let id = h.invite_id(a, 2);
    assert!(h.advance(20_000).is_empty());
    let fx = h.run(Command::ExtendWait {
        socket: a,
        to: Some(uid(2)),
    });
    assert_eq!(
        one(&fx, b, "call:wait-extended"),
        json!({"extraSeconds": 20})
    );
    assert!(h.advance(30_000).is_empty(), "still open at 50 s");
    let fx = h.accept(b, id, json!(300));
    assert_eq!(payloads(&fx, a, "call:start").len(), 1);
}
