//! `/user/me`: the caller's profile.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{HeaderMap, Request, StatusCode};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::accounts::{self, id_string, validate_socials};
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::body::json_object;
use crate::net::respond::{Resp, error, json_bytes, ok, store_failure};
use crate::store::StoreError;
use crate::store::records::ArchivedUser;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LastSessionBody {
    at: i64,
    duration: u32,
}

/// The `GET /user/me` body, borrowed straight from the archived record.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MeBody<'a> {
    user_id: String,
    name: &'a str,
    gender: &'static str,
    account_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    selfie_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video_url: Option<&'a str>,
    socials: &'a RawValue,
    created_at: i64,
    timer_total_seconds: u64,
    session_count: u32,
    last_sessions: Vec<LastSessionBody>,
    streak_days: Option<u32>,
}

fn render_me(user: &ArchivedUser) -> Result<Bytes, StoreError> {
    let socials: &RawValue = serde_json::from_str(user.socials.as_str())
        .map_err(|e| StoreError::Corrupt(format!("socials: {e}")))?;
    let body = MeBody {
        user_id: id_string(&user.id),
        name: user.name.as_str(),
        gender: user.gender.as_str(),
        account_type: user.account_type.as_str(),
        email: user.email.as_ref().map(|s| s.as_str()),
        selfie_url: user.selfie_url.as_ref().map(|s| s.as_str()),
        video_url: user.video_url.as_ref().map(|s| s.as_str()),
        socials,
        created_at: user.created_at.to_native(),
        timer_total_seconds: user.timer_total_seconds.to_native(),
        session_count: user.session_count.to_native(),
        last_sessions: user
            .last_sessions
            .iter()
            .map(|s| LastSessionBody {
                at: s.at.to_native(),
                duration: s.duration_seconds.to_native(),
            })
            .collect(),
        streak_days: user.streak_days.as_ref().map(|d| d.to_native()),
    };
    serde_json::to_vec(&body)
        .map(Bytes::from)
        .map_err(|e| StoreError::Encode(e.to_string()))
}

/// `GET /user/me`. The rendered body is cached per user and invalidated on every change.
pub fn me(state: &Arc<Http>, headers: &HeaderMap) -> Resp {
    let context = match require_auth(state, headers) {
        Ok(context) => context,
        Err(response) => return response,
    };
    let body = state.store.user_body(&context.user_id, |reader| {
        reader.with_user(&context.user_id, render_me)?.transpose()
    });
    match body {
        Ok(Some(body)) => json_bytes(StatusCode::OK, body),
        Ok(None) => error(StatusCode::NOT_FOUND, "User not found"),
        Err(e) => store_failure(&e),
    }
}

/// `PUT /user/me {socials?}`: only socials are updatable, as in the original.
pub async fn update_me(state: &Arc<Http>, request: Request<Incoming>) -> Resp {
    let context = match require_auth(state, request.headers()) {
        Ok(context) => context,
        Err(response) => return response,
    };
    let body = match json_object(request.into_body(), &state.config.net).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let user_id = context.user_id;
    let socials = match body.get("socials") {
        None | Some(Value::Null | Value::Bool(false)) => None,
        Some(value) => match validate_socials(value) {
            Ok(text) => Some(text),
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        },
    };
    let user = match socials {
        Some(socials) => {
            state
                .store
                .write(move |tx| accounts::set_socials(tx, user_id, socials))
                .await
        }
        None => state.store.read().and_then(|r| r.user(&user_id)),
    };
    match user {
        Ok(Some(user)) => {
            let socials: Value = serde_json::from_str(&user.socials).unwrap_or(json!({}));
            ok(&json!({
                "success": true,
                "user": { "userId": id_string(&user.id), "name": user.name, "socials": socials },
            }))
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "User not found"),
        Err(e) => store_failure(&e),
    }
}
