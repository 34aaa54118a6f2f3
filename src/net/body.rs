//! Reading request bodies and typed JSON fields, with the client-facing errors.

use http_body_util::{BodyExt, Limited};
use hyper::StatusCode;
use hyper::body::Incoming;
use serde_json::{Map, Value};

use super::respond::{Resp, error};

pub type Object = Map<String, Value>;

/// Reads at most `limit` bytes and parses a JSON object. An empty body is an empty object
/// (as Express gives handlers `{}`), so missing fields get their own precise message.
pub async fn json_object(body: Incoming, limit: usize) -> Result<Object, Resp> {
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
            ));
        }
        Err(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Could not read request body",
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
