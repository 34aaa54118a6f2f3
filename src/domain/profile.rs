//! The slice of a user record the realtime flow needs.
//!
//! The app reads it from the store when a socket authenticates, so the domain never touches
//! the store and `call:notify` / `call:start` / `/room/queue` are served from memory.

use serde_json::{Map, Value, json};

use super::ids::{UserId, format_id};

/// Public profile of a connected user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user_id: UserId,
    pub name: String,
    pub gender: String,
    pub selfie_url: Option<String>,
    pub video_url: Option<String>,
}

impl Profile {
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
