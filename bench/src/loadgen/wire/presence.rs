//! The two presence broadcasts, decoded (web model only; see [`super::PresenceFrames`]).
//!
//! Every socket receives every coalesced change of every user, so these are most of the
//! frames a user reads: they are decoded straight into the few fields the client uses, with
//! the event name skipped unread, instead of through a `serde_json::Value` tree.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::loadgen::validate::is_uuid;

pub const PRESENCE_PREFIX: &str = r#"42["presence:update""#;
pub const QUEUE_PREFIX: &str = r#"42["queue:update""#;

/// One announcement of a user's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresenceUpdate {
    /// `presence:update {userId, online, available}`: sent when the online half changed.
    Presence {
        user_id: String,
        online: bool,
        available: bool,
    },
    /// `queue:update {userId, available}`: sent when only the availability changed, and
    /// after a `presence:update` whose availability changed too.
    Queue { user_id: String, available: bool },
}

impl PresenceUpdate {
    pub fn user_id(&self) -> &str {
        match self {
            PresenceUpdate::Presence { user_id, .. } | PresenceUpdate::Queue { user_id, .. } => {
                user_id
            }
        }
    }

    /// Whether the web client reads this as "someone can be invited now" (it refetches the
    /// queue) rather than "someone left" (it drops the user from its list).
    pub fn made_available(&self) -> bool {
        match *self {
            PresenceUpdate::Presence {
                online, available, ..
            } => online && available,
            PresenceUpdate::Queue { available, .. } => available,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow)]
    user_id: Option<&'a str>,
    online: Option<bool>,
    available: Option<bool>,
}

/// The broadcast in `text`, `None` when it is not one of the two, or the name of the field
/// that is missing or malformed.
pub fn parse(text: &str) -> Option<Result<PresenceUpdate, String>> {
    let event = if text.starts_with(PRESENCE_PREFIX) {
        "presence:update"
    } else if text.starts_with(QUEUE_PREFIX) {
        "queue:update"
    } else {
        return None;
    };
    let field = |name: &str| format!("{event}:{name}");
    Some(
        match serde_json::from_str::<(IgnoredAny, Payload<'_>)>(&text[2..]) {
            Ok((_, payload)) => typed(event == "presence:update", &payload).map_err(field),
            Err(_) => Err(field("json")),
        },
    )
}

/// The payload's fields checked, or the name of the first one missing.
fn typed(is_presence: bool, payload: &Payload<'_>) -> Result<PresenceUpdate, &'static str> {
    let user_id = payload
        .user_id
        .filter(|id| is_uuid(id))
        .ok_or("userId")?
        .to_owned();
    let available = payload.available.ok_or("available")?;
    Ok(if is_presence {
        PresenceUpdate::Presence {
            user_id,
            online: payload.online.ok_or("online")?,
            available,
        }
    } else {
        PresenceUpdate::Queue { user_id, available }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "00000000-0000-4000-8000-000000000001";

    #[test]
    fn both_broadcasts_are_decoded() {
        let presence =
            format!(r#"42["presence:update",{{"userId":"{U}","online":true,"available":false}}]"#);
        assert_eq!(
            parse(&presence),
            Some(Ok(PresenceUpdate::Presence {
                user_id: U.into(),
                online: true,
                available: false
            }))
        );
        let queue = format!(r#"42["queue:update",{{"userId":"{U}","available":true}}]"#);
        let update = parse(&queue).unwrap().unwrap();
        assert_eq!(
            update,
            PresenceUpdate::Queue {
                user_id: U.into(),
                available: true
            }
        );
        assert_eq!(update.user_id(), U);
        assert!(update.made_available());
        assert_eq!(parse(r#"42["call:start",{}]"#), None);
    }

    #[test]
    fn who_became_available() {
        let presence = |online, available| PresenceUpdate::Presence {
            user_id: U.into(),
            online,
            available,
        };
        assert!(presence(true, true).made_available());
        assert!(!presence(true, false).made_available());
        assert!(!presence(false, false).made_available());
        let queue = PresenceUpdate::Queue {
            user_id: U.into(),
            available: false,
        };
        assert!(!queue.made_available());
    }

    #[test]
    fn malformed_broadcasts_name_their_field() {
        let cases = [
            (r#"42["presence:update""#.to_owned(), "presence:update:json"),
            (
                r#"42["presence:update",{"userId":"x","online":true,"available":true}]"#.into(),
                "presence:update:userId",
            ),
            (
                format!(r#"42["presence:update",{{"userId":"{U}","available":true}}]"#),
                "presence:update:online",
            ),
            (
                format!(r#"42["queue:update",{{"userId":"{U}"}}]"#),
                "queue:update:available",
            ),
        ];
        for (text, field) in cases {
            assert_eq!(parse(&text), Some(Err(field.to_owned())), "{text}");
        }
    }
}
