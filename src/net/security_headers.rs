//! Security headers on every response (the original's set, with a CSP for a JSON API: it
//! serves no pages, so nothing may load or frame anything). A header a route set itself is kept.

use hyper::header::{HeaderName, HeaderValue};

use super::respond::Resp;

// Names and values are `const`: validated at compile time, nothing parsed per response.
const HEADERS: [(HeaderName, HeaderValue); 6] = [
    (
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    ),
    (
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    ),
    (
        HeaderName::from_static("x-xss-protection"),
        HeaderValue::from_static("1; mode=block"),
    ),
    (
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(self), geolocation=(), payment=()"),
    ),
    (
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    ),
];

const HSTS: (HeaderName, HeaderValue) = (
    HeaderName::from_static("strict-transport-security"),
    HeaderValue::from_static("max-age=31536000; includeSubDomains; preload"),
);

pub fn apply(response: &mut Resp, hsts: bool) {
    let headers = response.headers_mut();
    // A route's own value wins: stored uploads set a sandboxing CSP of their own.
    for (name, value) in HEADERS {
        headers.entry(name).or_insert(value);
    }
    if hsts {
        headers.insert(HSTS.0, HSTS.1);
    }
}
