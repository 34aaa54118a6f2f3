//! Reading request bodies and typed JSON fields, with the client-facing errors.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::StatusCode;
use hyper::body::Frame;
use hyper::body::Incoming;
use serde_json::{Map, Value};

use super::respond::{Resp, error};
use crate::config::NetConfig;

pub type Object = Map<String, Value>;

/// Bytes of an oversized body still read (and dropped) before the 413 goes out. A client is
/// usually still sending when the refusal is ready; closing on unread bytes resets the
/// connection and the client sees a broken pipe instead of the answer. Beyond this the
/// connection is cut.
const DISCARD_AT_MOST: usize = 8 * 1024 * 1024;

/// Reads at most `--json-body-limit` bytes within `--body-read-timeout` and parses a JSON
/// object. An empty body is an empty object (as Express gives handlers `{}`), so missing
/// fields get their own precise message.
pub async fn json_object(body: Incoming, config: &NetConfig) -> Result<Object, Resp> {
    let read = read_limited(body, config.json_body_limit, config.body_read_timeout);
    let bytes = match read.await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
            ));
        }
        Err(BodyError::Unreadable) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Could not read request body",
            ));
        }
        Err(BodyError::TimedOut) => {
            return Err(error(
                StatusCode::REQUEST_TIMEOUT,
                "Request body not received in time",
            ));
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Object::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object",
        )),
        Err(_) => Err(error(StatusCode::BAD_REQUEST, "Invalid JSON body")),
    }
}

/// A field that must be a string when present. `null` counts as absent.
pub fn optional_str<'a>(object: &'a Object, field: &str) -> Result<Option<&'a str>, Resp> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("{field} must be a string"),
        )),
    }
}

/// Like `optional_str`, with an empty (or blank) string also counting as absent.
pub fn non_blank_str<'a>(object: &'a Object, field: &str) -> Result<Option<&'a str>, Resp> {
    Ok(optional_str(object, field)?.filter(|text| !text.trim().is_empty()))
}

/// Why a body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Unreadable,
    /// Not received within the timeout: a client trickling a body would otherwise hold its
    /// connection and task for as long as it likes.
    TimedOut,
}

/// The whole body if it fits in `limit` bytes and arrives within `timeout`. An oversized one
/// is discarded up to `DISCARD_AT_MOST` before `TooLarge` is returned, so the refusal
/// reaches the client.
pub async fn read_limited(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, BodyError> {
    tokio::time::timeout(timeout, read_within(body, limit))
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

async fn read_within(mut body: Incoming, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    let mut discarded: Option<usize> = None;
    while let Some(frame) = body.frame().await {
        let data = match frame.map(Frame::into_data) {
            Ok(Ok(data)) => data,
            Ok(Err(_trailers)) => continue,
            Err(_) => return Err(BodyError::Unreadable),
        };
        match discarded.as_mut() {
            Some(total) => {
                *total += data.len();
                if *total > DISCARD_AT_MOST {
                    break;
                }
            }
            None if bytes.len() + data.len() > limit => {
                bytes = Vec::new();
                discarded = Some(0);
            }
            None => bytes.extend_from_slice(&data),
        }
    }
    match discarded {
        Some(_) => Err(BodyError::TooLarge),
        None => Ok(bytes),
    }
}
