//! The slice of a user record the realtime flow needs.
//!
//! The app reads it from the store when a socket authenticates, so the domain never touches
//! the store and `call:notify` / `call:start` / `/room/queue` are served from memory.

use serde::Serialize;
use serde_json::Value;

use super::ids::{UserId, format_id};

/// Public profile of a connected user. Built with [`Profile::new`] and replaced whole on a
/// change (its fields are private), so its pre-rendered queue card always matches them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    user_id: UserId,
    name: String,
    gender: String,
    selfie_url: Option<String>,
    video_url: Option<String>,
    /// See [`Profile::queue_card_fields`].
    queue_card: Box<str>,
}

/// A profile as every API shows it (`/room/queue` and `/room/reel` items, `fromUser` of
/// `call:notify`): `{userId, name, gender, selfieUrl?, videoUrl?}` in the original's field
/// order, absent media omitted as the API does for every optional field.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Card<'a> {
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
        let mut profile = Self {
            user_id,
            name,
            gender,
            selfie_url,
            video_url,
            queue_card: Box::default(),
        };
        // Serializing strings cannot fail.
        let mut rendered = serde_json::to_string(&profile.card()).unwrap_or_default();
        // Left open: each viewer's own fields (cooldown, introduction) and `}` follow.
        rendered.pop();
        profile.queue_card = rendered.into_boxed_str();
        profile
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn card(&self) -> Card<'_> {
        Card {
            user_id: format_id(&self.user_id),
            name: &self.name,
            gender: &self.gender,
            selfie_url: self.selfie_url.as_deref(),
            video_url: self.video_url.as_deref(),
        }
    }

    /// The card without the closing brace, rendered once per profile: `/room/queue`, polled
    /// by every client every few seconds, copies it instead of serializing the same profiles
    /// again and again.
    pub fn queue_card_fields(&self) -> &str {
        &self.queue_card
    }

    /// The card as a JSON value, for payloads built as values (`call:notify`, `/room/reel`).
    pub fn card_json(&self) -> Value {
        serde_json::to_value(self.card()).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert_eq!(profile.card_json(), parsed, "one card for every payload");
    }
}
