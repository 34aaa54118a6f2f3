//! Security headers on every response (the original's set, with a CSP for a JSON API: it
//! serves no pages, so nothing may load or frame anything).

use hyper::header::{HeaderName, HeaderValue};

use super::respond::Resp;

const HEADERS: [(&str, &str); 6] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(self), microphone=(self), geolocation=(), payment=()",
    ),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
];

const HSTS: &str = "max-age=31536000; includeSubDomains; preload";

pub fn apply(response: &mut Resp, hsts: bool) {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if hsts {
        headers.insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static(HSTS),
        );
    }
}
