//! Clients with their own addresses: a server that trusts 127.0.0.1 as a proxy reads each
//! request's `X-Forwarded-For` as its client IP, so tests can sign up and report from many.

use napalmsky::config::{Config, Paywall};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Reply, TestServer};

/// Requests from 127.0.0.1 come through a trusted proxy; the paywall is off.
pub fn behind_proxy(config: &mut Config) {
    config.net.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    config.rules.paywall = Paywall::Off;
}

/// A request from the client at `ip`.
pub async fn send_from(
    server: &TestServer,
    ip: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let body = body.map(|b| b.to_string().into_bytes());
    let headers = [("x-forwarded-for", ip)];
    server.send(method, path, token, body, &headers).await
}

/// A guest signed up from `ip`; returns (userId, token).
pub async fn guest_from(server: &TestServer, name: &str, ip: &str) -> (String, String) {
    let body = json!({"name": name, "gender": "male"});
    let reply = send_from(server, ip, Method::POST, "/auth/guest", None, Some(body)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let field = |name: &str| reply.body[name].as_str().unwrap().to_owned();
    (field("userId"), field("sessionToken"))
}

/// `POST /report/user` from the client at `ip`.
pub async fn report_from(server: &TestServer, ip: &str, token: &str, body: Value) -> Reply {
    send_from(
        server,
        ip,
        Method::POST,
        "/report/user",
        Some(token),
        Some(body),
    )
    .await
}
