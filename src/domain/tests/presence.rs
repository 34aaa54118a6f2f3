//! Presence and queue flags, the listed index, and coalescible presence effects (§7.26).

use super::harness::*;
use crate::domain::{Command, Profile};

#[test]
fn presence_join_and_leave_set_the_flags() {
    let mut h = H::new();
    let s = h.connect(1);
    h.run(Command::QueueJoin { socket: s });
    // presence:join resets available, as the original.
    let fx = h.run(Command::PresenceJoin { socket: s });
    assert_eq!(presence(&fx), vec![(uid(1), true, false)]);
    let fx = h.run(Command::PresenceLeave { socket: s });
    assert_eq!(presence(&fx), vec![(uid(1), false, false)]);
    assert!(!h.d.is_online(&uid(1)));
    // The socket stays connected.
    assert_eq!(h.d.user_of(s), Some(uid(1)));
}

#[test]
fn queue_join_and_leave_set_availability() {
    let mut h = H::new();
    let s = h.connect(1);
    h.run(Command::PresenceLeave { socket: s });
    // queue:join also makes the user online (the original created an online entry).
    let fx = h.run(Command::QueueJoin { socket: s });
    assert_eq!(presence(&fx), vec![(uid(1), true, true)]);
    assert!(h.d.is_available(&uid(1)));
    let fx = h.run(Command::QueueLeave { socket: s });
    assert_eq!(presence(&fx), vec![(uid(1), true, false)]);
    assert!(!h.d.is_available(&uid(1)));
    assert!(h.d.is_online(&uid(1)));
}

#[test]
fn unchanged_presence_produces_no_effect() {
    let mut h = H::new();
    let s = h.ready(1);
    assert!(h.run(Command::QueueJoin { socket: s }).is_empty());
    h.run(Command::QueueLeave { socket: s });
    assert!(h.run(Command::QueueLeave { socket: s }).is_empty());
}

#[test]
fn presence_changes_are_values_not_broadcasts() {
    // §7.26: the domain never sends presence to every socket; the app coalesces per tick.
    let mut h = H::new();
    for n in 2..=20 {
        h.ready(n);
    }
    let s = h.connect(1);
    let fx = h.run(Command::QueueJoin { socket: s });
    assert!(all_recipients(&fx).is_empty(), "{fx:?}");
    assert_eq!(presence(&fx), vec![(uid(1), true, true)]);
}

#[test]
fn queue_join_is_refused_during_a_call() {
    // §7.18: no double booking.
    let mut h = H::new();
    let c = h.call(1, 2);
    let fx = h.run(Command::QueueJoin { socket: c.a });
    assert_eq!(error(&fx, c.a), "You are already in a call");
    assert!(presence(&fx).is_empty());
    assert!(!h.d.is_available(&uid(1)));
    // A second tab of the same user cannot list it either.
    let other = h.connect(1);
    let fx = h.run(Command::QueueJoin { socket: other });
    assert_eq!(error(&fx, other), "You are already in a call");
}

#[test]
fn available_users_lists_online_available_connected_users_in_id_order() {
    let mut h = H::new();
    h.ready(3);
    h.ready(1);
    let s2 = h.connect(2); // connected but not queued
    let s4 = h.ready(4);
    h.run(Command::PresenceLeave { socket: s4 });
    let listed: Vec<_> = h.d.available_users().map(|p| p.user_id()).collect();
    assert_eq!(listed, vec![uid(1), uid(3)]);
    h.run(Command::QueueJoin { socket: s2 });
    let from: Vec<_> =
        h.d.available_users_from(&uid(2))
            .map(|p| p.user_id())
            .collect();
    assert_eq!(from, vec![uid(2), uid(3), uid(1)]);
    assert_eq!(h.d.counts().available_users, 3);
    assert_eq!(h.d.counts().online_users, 3);
}

#[test]
fn users_in_a_call_or_without_a_socket_are_not_listed() {
    let mut h = H::new();
    h.call(1, 2);
    let s3 = h.ready(3);
    assert_eq!(
        h.d.available_users()
            .map(|p| p.user_id())
            .collect::<Vec<_>>(),
        vec![uid(3)]
    );
    // In the disconnect grace: not invitable, so not listed.
    h.run(Command::SocketClosed { socket: s3 });
    assert_eq!(h.d.available_users().count(), 0);
    assert!(!h.d.is_online(&uid(3)));
    assert_eq!(h.d.counts().users_tracked, 3);
}

#[test]
fn a_profile_update_shows_in_the_queue() {
    let mut h = H::new();
    h.ready(1);
    let old = profile(1);
    let renamed = Profile::new(old.user_id(), "renamed".into(), "female".into(), None, None);
    h.d.update_profile(renamed);
    assert_eq!(
        h.d.available_users().next().map(|p| p.name().to_owned()),
        Some("renamed".to_owned())
    );
}

#[test]
fn authenticating_another_socket_resets_availability_like_the_original() {
    let mut h = H::new();
    h.ready(1);
    let (_, fx) = h.connect_fx(1);
    assert_eq!(presence(&fx), vec![(uid(1), true, false)]);
}

/// The O(1) online count `/stats/live` reads agrees with a full recount after every command
/// of a seeded random walk through joins, leaves, calls, closes and grace expiries.
#[test]
fn the_online_count_is_exact_after_every_change() {
    let mut h = H::new();
    let mut rng = crate::test_rng::Rng(7);
    let mut sockets: Vec<(u8, u64)> = Vec::new();
    for step in 0..3_000 {
        let user = (rng.below(12) + 1) as u8;
        let mine: Vec<u64> = sockets
            .iter()
            .filter(|(u, _)| *u == user)
            .map(|(_, s)| *s)
            .collect();
        match (rng.below(7), mine.first()) {
            (0, _) | (_, None) => sockets.push((user, h.connect(user))),
            (1, Some(&s)) => drop(h.run(Command::PresenceJoin { socket: s })),
            (2, Some(&s)) => drop(h.run(Command::PresenceLeave { socket: s })),
            (3, Some(&s)) => drop(h.run(Command::QueueJoin { socket: s })),
            (4, Some(&s)) => drop(h.run(Command::QueueLeave { socket: s })),
            (5, Some(&s)) => {
                sockets.retain(|(_, other)| *other != s);
                drop(h.run(Command::SocketClosed { socket: s }));
            }
            (_, Some(_)) => drop(h.advance(rng.below(8_000) as i64)),
        }
        assert_eq!(
            h.d.online_users(),
            h.d.counts().online_users,
            "after step {step}"
        );
    }
    assert!(h.d.counts().users_tracked > 0);
}
