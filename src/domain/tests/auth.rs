//! Authentication, socket limits and unauthenticated events (§7.3, §7.16).

use serde_json::json;

use super::harness::*;
use crate::domain::{Command, DomainConfig, Effect, RelayKind};

#[test]
fn authenticate_sends_auth_success_and_sets_online_unavailable() {
    let mut h = H::new();
    let (s, fx) = h.connect_fx(1);
    assert_eq!(one(&fx, s, "auth:success"), serde_json::Value::Null);
    assert_eq!(presence(&fx), vec![(uid(1), true, false)]);
    assert_eq!(h.d.user_of(s), Some(uid(1)));
    assert_eq!(h.d.sockets_of(&uid(1)), &[s]);
    assert!(h.d.is_online(&uid(1)));
    assert!(!h.d.is_available(&uid(1)));
    assert_eq!(h.d.profile(&uid(1)).map(|p| p.name()), Some("user1"));
}

#[test]
fn authenticating_an_authenticated_socket_again_only_repeats_auth_success() {
    let mut h = H::new();
    let s = h.ready(1);
    let fx = h.run(Command::Authenticate {
        socket: s,
        profile: profile(1),
    });
    assert_eq!(fx.len(), 1);
    assert_eq!(one(&fx, s, "auth:success"), serde_json::Value::Null);
    // Still available: a repeated `auth` event does not reset the queue state.
    assert!(h.d.is_available(&uid(1)));
    assert_eq!(h.d.sockets_of(&uid(1)), &[s]);
}

#[test]
fn a_second_token_on_the_same_socket_does_not_switch_user() {
    let mut h = H::new();
    let s = h.connect(1);
    let fx = h.run(Command::Authenticate {
        socket: s,
        profile: profile(2),
    });
    assert_eq!(payloads(&fx, s, "auth:success").len(), 1);
    assert_eq!(h.d.user_of(s), Some(uid(1)));
    assert!(h.d.sockets_of(&uid(2)).is_empty());
}

#[test]
fn past_the_per_user_limit_the_oldest_socket_is_really_closed() {
    // §7.16: the original only dropped the id from its bookkeeping.
    let mut h = H::new();
    let s1 = h.connect(1);
    let s2 = h.connect(1);
    let (s3, fx) = h.connect_fx(1);
    assert_eq!(closes(&fx), vec![(s1, "too_many_sockets")]);
    assert_eq!(h.d.sockets_of(&uid(1)), &[s2, s3]);
    assert_eq!(h.d.user_of(s1), None);
    assert_eq!(h.d.counts().sockets, 2);
    // The transport's later close report for the evicted socket changes nothing.
    let fx = h.run(Command::SocketClosed { socket: s1 });
    assert!(fx.is_empty());
    assert_eq!(h.d.counts().sockets, 2);
    assert!(h.d.next_deadline().is_none());
}

#[test]
fn the_per_user_limit_is_configurable() {
    let mut h = H::with(DomainConfig {
        max_sockets_per_user: 3,
        ..DomainConfig::default()
    });
    for _ in 0..3 {
        let (_, fx) = h.connect_fx(1);
        assert!(closes(&fx).is_empty());
    }
    let (_, fx) = h.connect_fx(1);
    assert_eq!(closes(&fx).len(), 1);
}

#[test]
fn past_the_global_limit_new_sockets_are_refused() {
    let mut h = H::with(DomainConfig {
        max_connections: 2,
        ..DomainConfig::default()
    });
    h.connect(1);
    h.connect(2);
    let (s, fx) = h.connect_fx(3);
    assert_eq!(
        error(&fx, s),
        "Server at capacity, please try again shortly"
    );
    assert_eq!(closes(&fx), vec![(s, "at_capacity")]);
    assert!(payloads(&fx, s, "auth:success").is_empty());
    assert!(presence(&fx).is_empty());
    assert_eq!(h.d.user_of(s), None);
    assert_eq!(h.d.counts().sockets, 2);
    // A slot frees up: the next one gets in.
    let first = h.d.sockets_of(&uid(1))[0];
    h.run(Command::SocketClosed { socket: first });
    let (s, fx) = h.connect_fx(3);
    assert_eq!(payloads(&fx, s, "auth:success").len(), 1);
}

#[test]
fn socket_count_is_exact_after_many_connects_and_closes() {
    // §7.16: no drift from untracked ids or temporary disconnects.
    let mut h = H::new();
    let mut live = Vec::new();
    for n in 1..=10 {
        live.push(h.connect(n));
        live.push(h.connect(n));
    }
    assert_eq!(h.d.counts().sockets, 20);
    for s in live.iter().step_by(2) {
        h.run(Command::SocketClosed { socket: *s });
    }
    h.run(Command::SocketClosed { socket: 999_999 });
    let c = h.d.counts();
    assert_eq!((c.sockets, c.users_connected), (10, 10));
    for s in live.iter().skip(1).step_by(2) {
        h.run(Command::SocketClosed { socket: *s });
    }
    assert_eq!(h.d.counts().sockets, 0);
    h.advance(5_000);
    assert_eq!(h.d.counts(), crate::domain::Counts::default());
}

#[test]
fn every_event_from_an_unauthenticated_socket_gets_an_error() {
    // §7.3 / §7.13: no event works or crashes without authentication.
    let mut h = H::new();
    let room = Some([7; 16]);
    let s = 5;
    let commands = vec![
        Command::PresenceJoin { socket: s },
        Command::PresenceLeave { socket: s },
        Command::QueueJoin { socket: s },
        Command::QueueLeave { socket: s },
        Command::Accept {
            socket: s,
            invite_id: Some([1; 16]),
            requested_seconds: json!(60),
        },
        Command::Decline {
            socket: s,
            invite_id: Some([1; 16]),
        },
        Command::ExtendWait {
            socket: s,
            to: Some(uid(1)),
        },
        Command::Rescind {
            socket: s,
            to: Some(uid(1)),
        },
        Command::RoomJoin {
            socket: s,
            room_id: room,
        },
        Command::Relay {
            socket: s,
            room_id: room,
            kind: RelayKind::Offer,
            payload: json!({}),
        },
        Command::Chat {
            socket: s,
            room_id: room,
            text: json!("hi"),
        },
        Command::GiveSocial {
            socket: s,
            room_id: room,
            socials: json!({}),
        },
        Command::CallEnd {
            socket: s,
            room_id: room,
        },
    ];
    for cmd in commands {
        let fx = h.run(cmd.clone());
        assert_eq!(
            fx,
            vec![Effect::Send {
                to: vec![s],
                event: "error",
                payload: Some(json!({"message": "Not authenticated"})),
            }],
            "{cmd:?}"
        );
    }
    let fx = h.run(Command::Invite {
        socket: s,
        to: Some(uid(1)),
        target_exists: true,
        requested_seconds: json!(60),
    });
    assert_eq!(error(&fx, s), "Please wait for authentication to complete");
    assert_eq!(fx.len(), 1);
}

#[test]
fn closing_an_unknown_socket_is_a_no_op() {
    let mut h = H::new();
    assert!(h.run(Command::SocketClosed { socket: 42 }).is_empty());
    assert!(h.d.next_deadline().is_none());
}
