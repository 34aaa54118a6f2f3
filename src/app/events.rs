//! Client events to domain commands: the name picks the command, the first argument's fields
//! fill it. Validation of the values themselves is the domain's (and tested there).

use serde_json::Value;

use crate::domain::{Command, RelayKind, SocketId, UserId, parse_id};

/// The command for event `name` with payload `payload` (the first argument, or `Null`).
/// `None` for names this server does not handle (ignored, as Socket.IO servers do).
/// `user_exists` answers whether an invite target is a user at all.
pub fn event_command(
    socket: SocketId,
    name: &str,
    payload: &Value,
    user_exists: impl FnOnce(&UserId) -> bool,
) -> Option<Command> {
    let field = |key: &str| payload.get(key).cloned().unwrap_or(Value::Null);
    let id = |key: &str| payload.get(key).and_then(parse_id);
    let relay = |kind: RelayKind| Command::Relay {
        socket,
        room_id: id("roomId"),
        kind,
        payload: field(kind.field()),
    };
    Some(match name {
        "presence:join" => Command::PresenceJoin { socket },
        "presence:leave" => Command::PresenceLeave { socket },
        "queue:join" => Command::QueueJoin { socket },
        "queue:leave" => Command::QueueLeave { socket },
        "call:invite" => {
            let to = id("toUserId");
            Command::Invite {
                socket,
                target_exists: to.as_ref().is_none_or(user_exists),
                to,
                requested_seconds: field("requestedSeconds"),
            }
        }
        "call:accept" => Command::Accept {
            socket,
            invite_id: id("inviteId"),
            requested_seconds: field("requestedSeconds"),
        },
        "call:decline" => Command::Decline {
            socket,
            invite_id: id("inviteId"),
        },
        "call:extend-wait" => Command::ExtendWait {
            socket,
            to: id("toUserId"),
        },
        "call:rescind" => Command::Rescind {
            socket,
            to: id("toUserId"),
        },
        "room:join" => Command::RoomJoin {
            socket,
            room_id: id("roomId"),
        },
        "rtc:offer" => relay(RelayKind::Offer),
        "rtc:answer" => relay(RelayKind::Answer),
        "rtc:ice" => relay(RelayKind::Ice),
        "room:chat" => Command::Chat {
            socket,
            room_id: id("roomId"),
            text: field("text"),
        },
        "room:giveSocial" => Command::GiveSocial {
            socket,
            room_id: id("roomId"),
            socials: field("socials"),
        },
        "call:end" => Command::CallEnd {
            socket,
            room_id: id("roomId"),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "01234567-89ab-cdef-0123-456789abcdef";

    #[test]
    fn fields_are_picked_and_ids_parsed() {
        let command = event_command(
            7,
            "call:invite",
            &json!({"toUserId": ID, "requestedSeconds": 300}),
            |_| false,
        );
        let Some(Command::Invite {
            socket,
            to,
            target_exists,
            requested_seconds,
        }) = command
        else {
            panic!("not an invite: {command:?}");
        };
        assert_eq!(socket, 7);
        assert!(to.is_some());
        assert!(!target_exists);
        assert_eq!(requested_seconds, json!(300));
    }

    #[test]
    fn wrong_shapes_become_missing_values_for_the_domain() {
        for payload in [json!(null), json!("x"), json!([1]), json!({"roomId": 5})] {
            let command = event_command(1, "room:chat", &payload, |_| true);
            assert!(
                matches!(command, Some(Command::Chat { room_id: None, .. })),
                "{payload}"
            );
        }
        let relay = event_command(
            1,
            "rtc:ice",
            &json!({"roomId": ID, "candidate": {"c": 1}}),
            |_| true,
        );
        assert!(matches!(
            relay,
            Some(Command::Relay {
                kind: RelayKind::Ice,
                room_id: Some(_),
                ..
            })
        ));
    }

    #[test]
    fn unknown_events_are_ignored() {
        assert!(event_command(1, "made:up", &json!({}), |_| true).is_none());
    }
}
