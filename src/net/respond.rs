//! Building responses: every body is JSON, every error is `{ "error": ... }`.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

/// Every response's body: boxed, so a stored file can be streamed from disk (its read errors
/// end the response) while every other answer is one buffer (`full`).
pub type Body = BoxBody<Bytes, std::io::Error>;

pub type Resp = Response<Body>;

/// A body that is one buffer.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Headers a response ends up with: content type, CORS, security and rate-limit headers.
/// Sizing the map once avoids regrowing (and rehashing) it per response.
const EXPECTED_HEADERS: usize = 16;

pub fn json_bytes(status: StatusCode, body: Bytes) -> Resp {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.reserve(EXPECTED_HEADERS);
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub fn json(status: StatusCode, body: &Value) -> Resp {
    json_bytes(status, Bytes::from(body.to_string()))
}

pub fn ok(body: &Value) -> Resp {
    json(StatusCode::OK, body)
}

/// `{ "error": message }`.
pub fn error(status: StatusCode, message: &str) -> Resp {
    json(status, &json!({ "error": message }))
}

/// `{ "error": message, ...extra }` for the original's richer error bodies.
pub fn error_with(status: StatusCode, message: &str, extra: Value) -> Resp {
    let mut body = json!({ "error": message });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    json(status, &body)
}

/// Drops `null` members: the original's JSON left `undefined` fields out entirely.
pub fn without_nulls(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
    }
    value
}

/// A body that is not JSON (an image, or the original's plain-text answers).
pub fn typed(status: StatusCode, content_type: &'static str, body: Bytes) -> Resp {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.reserve(EXPECTED_HEADERS);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A plain-text answer (the original answered Stripe's webhook deliveries and an unknown QR
/// code in text).
pub fn text(status: StatusCode, body: &str) -> Resp {
    let body = Bytes::copy_from_slice(body.as_bytes());
    typed(status, "text/plain; charset=utf-8", body)
}
