//! `POST /media/selfie` and `POST /media/video`: one multipart file each, sniffed, stored
//! under a new name, its URL set on the user record, the replaced file deleted, and the
//! realtime profile updated at once.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Map, Value};

use crate::media::{self, MediaKind, UploadError};
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;
use crate::net::upload_body::receive;

pub async fn selfie(state: &Arc<Http>, call: Call) -> Answer {
    upload(state, call, MediaKind::Selfie).await
}

pub async fn video(state: &Arc<Http>, call: Call) -> Answer {
    upload(state, call, MediaKind::Video).await
}

async fn upload(state: &Arc<Http>, call: Call, kind: MediaKind) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let config = &state.config.media;
    let (parts, body) = call.request.into_parts();
    let limit = config.upload_limit as u64;
    let received = receive(&parts.headers, body, kind, &state.uploads, limit);
    let name = tokio::time::timeout(config.upload_read_timeout, received)
        .await
        .unwrap_or(Err(UploadError::TimedOut))
        .map_err(|e| refusal(kind, e))?;
    let url = format!("{}/uploads/{name}", state.config.public_url);
    let user_id = context.user_id;
    let stored_url = url.clone();
    let written = state
        .store
        .write(move |tx| media::set_url(tx, user_id, kind, stored_url))
        .await;
    let changed = match written {
        Ok(Some(changed)) => changed,
        // Not recorded: the file would be an orphan.
        failed => {
            if let Err(e) = state.uploads.remove(&name).await {
                tracing::warn!(error = %e, "could not delete an unrecorded upload");
            }
            return Err(match failed {
                Err(e) => e.into(),
                _ => ApiError::NotFound("User not found"),
            });
        }
    };
    media::delete_replaced(&state.uploads, changed.previous.as_deref(), &name).await;
    state
        .realtime
        .profile_changed(media::profile_of(&changed.user));
    let mut body = Map::new();
    body.insert(kind.url_member().to_owned(), Value::String(url));
    Ok(ok(&Value::Object(body)))
}

/// The answer to a refused upload. Not the original's (it answered every upload error 500
/// `Upload failed: ...`): the client's mistakes are 4xx with their own message.
fn refusal(kind: MediaKind, error: UploadError) -> ApiError {
    let status = |status: StatusCode, message: &'static str| ApiError::Detailed {
        status,
        message,
        details: Value::Object(Map::new()),
    };
    match error {
        UploadError::TooLarge => status(StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
        UploadError::Unsupported => {
            status(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported file type")
        }
        UploadError::NoFile => ApiError::bad_request("No file uploaded"),
        UploadError::Malformed(detail) => {
            tracing::debug!(%detail, "malformed upload");
            ApiError::bad_request("Invalid multipart body")
        }
        UploadError::TimedOut => ApiError::RequestTimeout,
        UploadError::Storage(e) => ApiError::Failed {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: kind.failure(),
            detail: e.to_string(),
        },
    }
}
