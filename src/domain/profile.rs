//! The slice of a user record the realtime flow needs.
//!
//! The app reads it from the store when a socket authenticates, so the domain never touches
//! the store and `call:notify` / `call:start` / `/room/queue` are served from memory.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ids::{UserId, format_id};

/// Public profile of a connected user. Built with [`Profile::new`] and replaced whole on a
/// change, so its pre-rendered queue card always matches its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user_id: UserId,
    pub name: String,
    pub gender: String,
    pub selfie_url: Option<String>,
    pub video_url: Option<String>,
    /// See [`Profile::queue_card_fields`].
    queue_card: Box<str>,
}

/// The profile part of a `/room/queue` item, in the original's field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueCard<'a> {
    user_id: String,
    name: &'a str,
    gender: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    selfie_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video_url: Option<&'a str>,
}

impl Profile {
    pub fn new(
        user_id: UserId,
        name: String,
        gender: String,
        selfie_url: Option<String>,
        video_url: Option<String>,
    ) -> Self {
        let card = QueueCard {
            user_id: format_id(&user_id),
            name: &name,
            gender: &gender,
            selfie_url: selfie_url.as_deref(),
            video_url: video_url.as_deref(),
        };
        let mut rendered = serde_json::to_string(&card).unwrap_or_else(|_| "{".to_owned());
        // Left open: each viewer's own fields (cooldown, introduction) and `}` follow.
        rendered.pop();
        Self {
            user_id,
            name,
            gender,
            selfie_url,
            video_url,
            queue_card: rendered.into_boxed_str(),
        }
    }

    /// `{"userId":..,"name":..,"gender":..[,"selfieUrl":..][,"videoUrl":..]` without the
    /// closing brace, rendered once per profile: `/room/queue`, polled by every client every
    /// few seconds, copies it instead of serializing the same profiles again and again.
    pub fn queue_card_fields(&self) -> &str {
        &self.queue_card
    }

    /// `fromUser` of `call:notify`: `{userId, name, gender, selfieUrl?, videoUrl?}`; absent
    /// media are omitted, as the API does for every optional field.
    pub(crate) fn caller_card_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("userId".into(), json!(format_id(&self.user_id)));
        m.insert("name".into(), json!(self.name));
        m.insert("gender".into(), json!(self.gender));
        if let Some(url) = &self.selfie_url {
            m.insert("selfieUrl".into(), json!(url));
        }
        if let Some(url) = &self.video_url {
            m.insert("videoUrl".into(), json!(url));
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_card_is_the_profile_as_an_open_json_object() {
        let mut id = [0u8; 16];
        id[15] = 7;
        let profile = Profile::new(
            id,
            "Zoë \"Z\" \\ O'Neil\n".to_owned(),
            "female".to_owned(),
            None,
            Some("/uploads/v.mp4".to_owned()),
        );
        let closed = format!("{}}}", profile.queue_card_fields());
        let parsed: Value = serde_json::from_str(&closed).expect("valid JSON once closed");
        assert_eq!(
            parsed,
            json!({
                "userId": format_id(&id),
                "name": "Zoë \"Z\" \\ O'Neil\n",
                "gender": "female",
                "videoUrl": "/uploads/v.mp4",
            })
        );
        assert!(
            closed.starts_with(r#"{"userId":"#),
            "the original's field order"
        );
    }
}
