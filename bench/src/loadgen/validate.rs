//! Payload checks: what the generator expects from each server message.
//!
//! A wrong response must fail loudly (an error kind in the report, a non-zero exit), so each
//! function returns the name of the first missing or malformed field, which becomes the error
//! kind `protocol:<event>:<field>`. Nothing here panics on network data.

use serde_json::Value;

/// `POST /auth/guest`'s useful part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signup {
    pub user_id: String,
    pub token: String,
}

/// One `GET /room/queue` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub user_id: String,
    pub has_cooldown: bool,
}

/// `call:notify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    pub invite_id: String,
    pub from: String,
}

/// `call:start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub room_id: String,
    pub initiator: bool,
    pub peer: String,
}

/// `call:declined`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    pub invite_id: String,
    pub reason: String,
}

/// `room:chat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    pub from: String,
    pub text: String,
}

/// Decline reasons that are outcomes of a normal evening; any other reason means the
/// generator sent something wrong (bad target, bad duration) and is an error.
pub const NORMAL_DECLINE_REASONS: [&str; 4] = ["offline", "timeout", "user_declined", "cooldown"];

/// Whether `s` looks like the server's ids (lower-case hyphenated UUID).
pub fn is_uuid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

fn id(v: &Value, field: &'static str) -> Result<String, &'static str> {
    match v.get(field).and_then(Value::as_str) {
        Some(s) if is_uuid(s) => Ok(s.to_owned()),
        _ => Err(field),
    }
}

fn string(v: &Value, field: &'static str) -> Result<String, &'static str> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(field)
}

pub fn signup(v: &Value) -> Result<Signup, &'static str> {
    Ok(Signup {
        user_id: id(v, "userId")?,
        token: string(v, "sessionToken").and_then(|t| {
            if t.is_empty() {
                Err("sessionToken")
            } else {
                Ok(t)
            }
        })?,
    })
}

/// `GET /room/queue`'s body as it arrives, with only the fields the generator uses typed.
/// At thousands of polls per second of up to 200 users each, parsing into a `Value` tree
/// cost the generator more CPU than the server spent answering; here the names, genders and
/// media are skipped without allocating, and only ids are copied.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueWire<'a> {
    total_available: Option<u64>,
    #[serde(borrow)]
    users: Option<Vec<QueueItemWire<'a>>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueItemWire<'a> {
    #[serde(borrow)]
    user_id: Option<&'a str>,
    has_cooldown: Option<bool>,
}

pub fn queue(body: &[u8]) -> Result<Vec<QueueEntry>, &'static str> {
    let wire: QueueWire<'_> = serde_json::from_slice(body).map_err(|_| "json")?;
    wire.total_available.ok_or("totalAvailable")?;
    wire.users
        .ok_or("users")?
        .into_iter()
        .map(|u| {
            Ok(QueueEntry {
                user_id: u
                    .user_id
                    .filter(|id| is_uuid(id))
                    .ok_or("userId")?
                    .to_owned(),
                has_cooldown: u.has_cooldown.ok_or("hasCooldown")?,
            })
        })
        .collect()
}

pub fn notify(v: &Value) -> Result<Notify, &'static str> {
    let invite_id = id(v, "inviteId")?;
    let from = v
        .get("fromUser")
        .ok_or("fromUser")
        .and_then(|u| id(u, "userId").map_err(|_| "fromUser.userId"))?;
    if !v.get("requestedSeconds").is_some_and(Value::is_u64) {
        return Err("requestedSeconds");
    }
    Ok(Notify { invite_id, from })
}

pub fn start(v: &Value) -> Result<Start, &'static str> {
    let room_id = id(v, "roomId")?;
    let initiator = v
        .get("isInitiator")
        .and_then(Value::as_bool)
        .ok_or("isInitiator")?;
    let peer = v
        .get("peerUser")
        .ok_or("peerUser")
        .and_then(|u| id(u, "userId").map_err(|_| "peerUser.userId"))?;
    if !v.get("agreedSeconds").is_some_and(Value::is_u64) {
        return Err("agreedSeconds");
    }
    Ok(Start {
        room_id,
        initiator,
        peer,
    })
}

pub fn declined(v: &Value) -> Result<Declined, &'static str> {
    Ok(Declined {
        invite_id: id(v, "inviteId")?,
        reason: string(v, "reason")?,
    })
}

pub fn rescinded(v: &Value) -> Result<String, &'static str> {
    id(v, "inviteId")
}

/// `rtc:offer` / `rtc:answer` / `rtc:ice`: `{<field>: {..., sentAt}, from}` -> (from, sentAt).
pub fn relay(field: &'static str, v: &Value) -> Result<(String, f64), &'static str> {
    let from = id(v, "from")?;
    let sent_at = v
        .get(field)
        .ok_or(field)?
        .get("sentAt")
        .and_then(Value::as_f64)
        .ok_or("sentAt")?;
    Ok((from, sent_at))
}

pub fn chat(v: &Value) -> Result<Chat, &'static str> {
    if v.get("type").and_then(Value::as_str) != Some("message") {
        return Err("type");
    }
    if !v.get("timestamp").is_some_and(Value::is_number) {
        return Err("timestamp");
    }
    Ok(Chat {
        from: id(v, "from")?,
        text: string(v, "text")?,
    })
}

/// The send time a generator chat message carries: text `t=<ms>`.
pub fn chat_sent_at(text: &str) -> Option<f64> {
    text.strip_prefix("t=")?
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite())
}

pub fn finalized(v: &Value) -> Result<String, &'static str> {
    string(v, "sessionId")
}

/// `error {message}`.
pub fn error_message(v: &Value) -> Result<String, &'static str> {
    string(v, "message")
}

/// `GET /stats/live` `{onlineUsers, timestamp}` -> the online count.
pub fn stats_live(v: &Value) -> Result<u64, &'static str> {
    if !v.get("timestamp").is_some_and(Value::is_u64) {
        return Err("timestamp");
    }
    v.get("onlineUsers")
        .and_then(Value::as_u64)
        .ok_or("onlineUsers")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const B: &str = "11111111-2222-4333-8444-555555555555";

    #[test]
    fn stats_live_needs_the_count_and_the_time() {
        assert_eq!(
            stats_live(&json!({"onlineUsers": 3, "timestamp": 1_700_000_000_000u64})),
            Ok(3)
        );
        assert_eq!(stats_live(&json!({"timestamp": 1})), Err("onlineUsers"));
        assert_eq!(stats_live(&json!({"onlineUsers": 3})), Err("timestamp"));
    }

    #[test]
    fn uuids() {
        assert!(is_uuid(A));
        assert!(!is_uuid("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"));
        assert!(!is_uuid("0190a1b2c3d47e5f8a9b0c1d2e3f4a5b"));
        assert!(!is_uuid(""));
        assert!(!is_uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bx"));
    }

    #[test]
    fn signup_needs_user_id_and_token() {
        let ok = json!({"userId": A, "sessionToken": B, "accountType": "guest"});
        assert_eq!(
            signup(&ok),
            Ok(Signup {
                user_id: A.into(),
                token: B.into()
            })
        );
        assert_eq!(signup(&json!({"sessionToken": B})), Err("userId"));
        assert_eq!(
            signup(&json!({"userId": A, "sessionToken": ""})),
            Err("sessionToken")
        );
        assert_eq!(signup(&json!("x")), Err("userId"));
    }

    #[test]
    fn queue_entries() {
        let bytes = |v: Value| serde_json::to_vec(&v).expect("serializable");
        let ok = json!({"totalAvailable": 1, "users": [{"userId": A, "name": "x\"y", "hasCooldown": true}]});
        assert_eq!(
            queue(&bytes(ok)),
            Ok(vec![QueueEntry {
                user_id: A.into(),
                has_cooldown: true
            }])
        );
        assert_eq!(queue(&bytes(json!({"users": []}))), Err("totalAvailable"));
        assert_eq!(queue(&bytes(json!({"totalAvailable": 1}))), Err("users"));
        assert_eq!(
            queue(&bytes(
                json!({"totalAvailable": 1, "users": [{"userId": A}]})
            )),
            Err("hasCooldown")
        );
        assert_eq!(
            queue(&bytes(
                json!({"totalAvailable": 1, "users": [{"userId": "u1", "hasCooldown": false}]})
            )),
            Err("userId")
        );
        assert_eq!(queue(b"{\"users\": [1]"), Err("json"));
        assert_eq!(
            queue(&bytes(json!({"totalAvailable": "1", "users": []}))),
            Err("json")
        );
    }

    #[test]
    fn notify_without_invite_id_is_refused() {
        let ok = json!({"inviteId": A, "fromUser": {"userId": B, "name": "x"}, "requestedSeconds": 60, "ttlMs": 20000});
        assert_eq!(
            notify(&ok),
            Ok(Notify {
                invite_id: A.into(),
                from: B.into()
            })
        );
        assert_eq!(
            notify(&json!({"fromUser": {"userId": B}, "requestedSeconds": 60})),
            Err("inviteId")
        );
        assert_eq!(
            notify(&json!({"inviteId": A, "fromUser": {}, "requestedSeconds": 60})),
            Err("fromUser.userId")
        );
        assert_eq!(
            notify(&json!({"inviteId": A, "fromUser": {"userId": B}})),
            Err("requestedSeconds")
        );
    }

    #[test]
    fn start_without_room_id_is_refused() {
        let ok = json!({"roomId": A, "agreedSeconds": 60, "isInitiator": true, "peerUser": {"userId": B, "name": "b"}});
        assert_eq!(
            start(&ok),
            Ok(Start {
                room_id: A.into(),
                initiator: true,
                peer: B.into()
            })
        );
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove("roomId");
        assert_eq!(start(&missing), Err("roomId"));
        let mut wrong = ok;
        wrong["isInitiator"] = json!("yes");
        assert_eq!(start(&wrong), Err("isInitiator"));
    }

    #[test]
    fn relay_and_chat_carry_send_times() {
        let offer = json!({"offer": {"sdp": "v=0", "sentAt": 1.5}, "from": A});
        assert_eq!(relay("offer", &offer), Ok((A.into(), 1.5)));
        assert_eq!(
            relay("offer", &json!({"offer": {"sdp": "v=0"}, "from": A})),
            Err("sentAt")
        );
        assert_eq!(
            relay("candidate", &json!({"offer": {}, "from": A})),
            Err("candidate")
        );
        assert_eq!(relay("offer", &json!({"offer": {}})), Err("from"));
        let msg = json!({"from": A, "text": "t=12.25", "timestamp": 3, "type": "message"});
        let parsed = chat(&msg).unwrap();
        assert_eq!(chat_sent_at(&parsed.text), Some(12.25));
        assert_eq!(chat_sent_at("hello"), None);
        assert_eq!(chat_sent_at("t=NaN"), None);
        assert_eq!(
            chat(&json!({"from": A, "text": "x", "type": "message"})),
            Err("timestamp")
        );
    }

    #[test]
    fn small_events() {
        assert_eq!(
            declined(&json!({"inviteId": A, "reason": "cooldown"})),
            Ok(Declined {
                invite_id: A.into(),
                reason: "cooldown".into()
            })
        );
        assert_eq!(declined(&json!({"inviteId": A})), Err("reason"));
        assert_eq!(rescinded(&json!({"inviteId": A})), Ok(A.into()));
        assert_eq!(rescinded(&json!({})), Err("inviteId"));
        assert_eq!(
            finalized(&json!({"sessionId": "session-x"})),
            Ok("session-x".into())
        );
        assert_eq!(error_message(&json!({"message": "m"})), Ok("m".into()));
        assert_eq!(error_message(&json!(null)), Err("message"));
    }
}
