//! CORS per `--allowed-origins`. A request without `Origin` (curl, server-to-server) passes;
//! a disallowed origin gets a JSON 403 instead of the original's HTML 500.

use hyper::StatusCode;
use hyper::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, HeaderMap,
    HeaderValue, ORIGIN, VARY,
};

use super::respond::{Resp, error};

pub enum Cors {
    /// No Origin header: nothing to add.
    NoOrigin,
    Allowed(HeaderValue),
    Denied,
}

pub fn check(headers: &HeaderMap, allowed: &[String]) -> Cors {
    let Some(origin) = headers.get(ORIGIN) else {
        return Cors::NoOrigin;
    };
    let permitted = origin
        .to_str()
        .is_ok_and(|text| allowed.iter().any(|a| a == text));
    if permitted {
        Cors::Allowed(origin.clone())
    } else {
        Cors::Denied
    }
}

pub fn denied() -> Resp {
    error(StatusCode::FORBIDDEN, "Not allowed by CORS")
}

pub fn decorate(response: &mut Resp, origin: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

/// The answer to an allowed preflight (`OPTIONS` with an allowed Origin).
pub fn preflight(request: &HeaderMap, origin: HeaderValue) -> Resp {
    let mut response = hyper::Response::new(super::respond::full(bytes::Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"),
    );
    if let Some(asked) = request.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        headers.append(
            VARY,
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
    }
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    decorate(&mut response, origin);
    response
}
