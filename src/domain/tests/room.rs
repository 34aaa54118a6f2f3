//! Room events: membership checks (§7.3), relay targets, chat and socials (§7.13).

use serde_json::{Value, json};

use super::harness::*;
use crate::domain::{Command, DomainConfig, RelayKind, format_id};

fn relay(
    h: &mut H,
    socket: u64,
    room: [u8; 16],
    kind: RelayKind,
    payload: Value,
) -> Vec<crate::domain::Effect> {
    h.run(Command::Relay {
        socket,
        room_id: Some(room),
        kind,
        payload,
    })
}

#[test]
fn rtc_signalling_is_relayed_to_the_other_member_only() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let offer = json!({"type": "offer", "sdp": "v=0..."});
    let fx = relay(&mut h, c.a, c.room, RelayKind::Offer, offer.clone());
    assert_eq!(recipients(&fx, "rtc:offer"), vec![c.b]);
    assert_eq!(
        one(&fx, c.b, "rtc:offer"),
        json!({"offer": offer, "from": format_id(&uid(1))})
    );
    let fx = relay(&mut h, c.b, c.room, RelayKind::Answer, json!({"sdp": "x"}));
    assert_eq!(
        one(&fx, c.a, "rtc:answer"),
        json!({"answer": {"sdp": "x"}, "from": format_id(&uid(2))})
    );
    let fx = relay(
        &mut h,
        c.a,
        c.room,
        RelayKind::Ice,
        json!({"candidate": "c"}),
    );
    assert_eq!(
        one(&fx, c.b, "rtc:ice"),
        json!({"candidate": {"candidate": "c"}, "from": format_id(&uid(1))})
    );
}

#[test]
fn relays_prefer_the_sockets_that_joined_the_room() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let b_other_tab = h.connect(2);
    // Before room:join, every socket of the peer gets it.
    let fx = relay(&mut h, c.a, c.room, RelayKind::Ice, json!(1));
    assert_eq!(recipients(&fx, "rtc:ice"), vec![c.b, b_other_tab]);
    let join = h.run(Command::RoomJoin {
        socket: c.b,
        room_id: Some(c.room),
    });
    assert!(join.is_empty());
    // Joining twice is harmless.
    h.run(Command::RoomJoin {
        socket: c.b,
        room_id: Some(c.room),
    });
    let fx = relay(&mut h, c.a, c.room, RelayKind::Ice, json!(2));
    assert_eq!(recipients(&fx, "rtc:ice"), vec![c.b]);
    // The joined socket closes (page reload): back to all remaining sockets.
    h.run(Command::SocketClosed { socket: c.b });
    let fx = relay(&mut h, c.a, c.room, RelayKind::Ice, json!(3));
    assert_eq!(recipients(&fx, "rtc:ice"), vec![b_other_tab]);
}

#[test]
fn non_members_cannot_join_relay_chat_share_or_end() {
    // §7.3: the original had no membership check on any room event.
    let mut h = H::new();
    let c = h.call(1, 2);
    let x = h.ready(3);
    let room = Some(c.room);
    let commands = vec![
        Command::RoomJoin {
            socket: x,
            room_id: room,
        },
        Command::Relay {
            socket: x,
            room_id: room,
            kind: RelayKind::Offer,
            payload: json!({}),
        },
        Command::Chat {
            socket: x,
            room_id: room,
            text: json!("hi"),
        },
        Command::GiveSocial {
            socket: x,
            room_id: room,
            socials: json!({}),
        },
        Command::CallEnd {
            socket: x,
            room_id: room,
        },
    ];
    for cmd in commands {
        let fx = h.run(cmd.clone());
        assert_eq!(
            error(&fx, x),
            "You are not a member of this room",
            "{cmd:?}"
        );
        assert_eq!(fx.len(), 1, "{cmd:?}");
    }
    assert_eq!(h.d.counts().rooms, 1);
}

#[test]
fn unknown_or_malformed_rooms_are_an_error() {
    let mut h = H::new();
    let c = h.call(1, 2);
    for room_id in [None, Some([0x55; 16])] {
        let fx = h.run(Command::RoomJoin {
            socket: c.a,
            room_id,
        });
        assert_eq!(error(&fx, c.a), "Room not found");
        let fx = h.run(Command::Chat {
            socket: c.a,
            room_id,
            text: json!("hi"),
        });
        assert_eq!(error(&fx, c.a), "Room not found");
    }
}

#[test]
fn chat_is_sanitized_sent_to_both_and_recorded() {
    let mut h = H::new();
    let c = h.call(1, 2);
    h.now += 1234;
    let fx = h.chat(c.a, c.room, "  hello <b>you</b>  ");
    let expected = json!({
        "from": format_id(&uid(1)),
        "text": "hello you",
        "timestamp": T0 + 1234,
        "type": "message",
    });
    assert_eq!(recipients(&fx, "room:chat"), vec![c.a, c.b]);
    assert_eq!(one(&fx, c.b, "room:chat"), expected);
    h.now += 10_000;
    let r = record(&h.end(c.a, c.room));
    assert_eq!(r.messages, vec![expected]);
}

#[test]
fn chat_text_is_cut_to_500_characters() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let fx = h.chat(c.a, c.room, &"x".repeat(2000));
    assert_eq!(
        one(&fx, c.b, "room:chat")["text"].as_str().map(str::len),
        Some(500)
    );
}

#[test]
fn empty_chat_is_dropped_silently() {
    let mut h = H::new();
    let c = h.call(1, 2);
    for text in ["", "   ", "<img src=x onerror=alert(1)>"] {
        assert!(h.chat(c.a, c.room, text).is_empty(), "{text}");
    }
}

#[test]
fn non_string_chat_text_is_an_error() {
    // §7.13: the original crashed calling .replace on a non-string.
    let mut h = H::new();
    let c = h.call(1, 2);
    for text in [json!(42), Value::Null, json!({"a": 1}), json!(["x"])] {
        let fx = h.run(Command::Chat {
            socket: c.a,
            room_id: Some(c.room),
            text,
        });
        assert_eq!(error(&fx, c.a), "Message text must be a string");
    }
}

#[test]
fn socials_are_validated_shared_with_both_and_recorded() {
    let mut h = H::new();
    let c = h.call(1, 2);
    let socials = json!({"instagram": "@one"});
    let fx = h.run(Command::GiveSocial {
        socket: c.b,
        room_id: Some(c.room),
        socials: socials.clone(),
    });
    let expected = json!({
        "from": format_id(&uid(2)),
        "timestamp": T0,
        "type": "social",
        "socials": socials,
    });
    assert_eq!(recipients(&fx, "room:socialShared"), vec![c.a, c.b]);
    assert_eq!(one(&fx, c.a, "room:socialShared"), expected);
    for bad in [
        json!("@one"),
        json!({"a": {"b": "c"}}),
        json!({"a": "x".repeat(201)}),
    ] {
        let fx = h.run(Command::GiveSocial {
            socket: c.b,
            room_id: Some(c.room),
            socials: bad,
        });
        assert_eq!(
            error(&fx, c.b),
            "Socials must be an object of at most 20 text fields of at most 200 characters"
        );
    }
    h.now += 6_000;
    assert_eq!(record(&h.end(c.a, c.room)).messages, vec![expected]);
}

#[test]
fn room_history_is_capped_but_messages_still_flow() {
    let mut h = H::with(DomainConfig {
        max_room_messages: 2,
        ..DomainConfig::default()
    });
    let c = h.call(1, 2);
    for i in 0..5 {
        let fx = h.chat(c.a, c.room, &format!("m{i}"));
        assert_eq!(payloads(&fx, c.b, "room:chat").len(), 1);
    }
    h.now += 6_000;
    let texts: Vec<_> = record(&h.end(c.a, c.room))
        .messages
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("m0"), json!("m1")]);
}
