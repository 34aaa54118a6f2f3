//! Hostile input on every route: wrong JSON types, non-JSON, oversized or trickled bodies.
//! Each gets a JSON error and the server keeps answering.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const ROUTES: [(&str, &str); 13] = [
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/stats/live"),
    ("POST", "/auth/guest"),
    ("POST", "/auth/link"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("GET", "/user/me"),
    ("PUT", "/user/me"),
    ("POST", "/report/user"),
    ("POST", "/report/review/not-an-id"),
    ("GET", "/report/check-ip/not%20an%20address"),
    ("POST", "/admin/logout"),
];

fn wrong_values() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(-1),
        json!(1e308),
        json!("x"),
        json!([]),
        json!([1, "2"]),
        json!({}),
        json!({"nested": {"deep": [1, 2, 3]}}),
        json!("\u{0000}\u{ffff}"),
    ]
}

fn bodies() -> Vec<Vec<u8>> {
    let fields = [
        "name",
        "gender",
        "inviteCode",
        "referralCode",
        "sessionToken",
        "email",
        "password",
        "socials",
        "reportedUserId",
        "reason",
        "roomId",
        "decision",
    ];
    let mut bodies: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        b"{".to_vec(),
        b"[1,2,3]".to_vec(),
        b"\"just a string\"".to_vec(),
        b"null".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x81],
        "[".repeat(10_000).into_bytes(),
    ];
    for value in wrong_values() {
        let mut object = serde_json::Map::new();
        for field in fields {
            object.insert(field.to_owned(), value.clone());
        }
        bodies.push(Value::Object(object).to_string().into_bytes());
        for field in fields {
            bodies.push(
                json!({ field: value.clone(), "gender": "male", "name": "A" })
                    .to_string()
                    .into_bytes(),
            );
        }
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_survives_hostile_bodies() {
    let server = TestServer::start_with(|c| {
        c.limits.auth_rate_limit = 1_000_000;
        c.limits.api_rate_limit = 1_000_000;
        c.limits.report_rate_limit = 1_000_000;
    })
    .await;
    let (_, token) = server.guest("Ann").await;
    let bodies = bodies();
    for (method, path) in ROUTES {
        let method: Method = method.parse().unwrap();
        for body in &bodies {
            // `send` panics on a non-JSON answer: every answer must be JSON.
            // Logout with the token would end the session the other routes use.
            let auth = (path != "/auth/logout").then_some(token.as_str());
            let reply = server
                .send(method.clone(), path, auth, Some(body.clone()), &[])
                .await;
            assert!(
                reply.status.as_u16() < 500,
                "{method} {path}: {} {}",
                reply.status,
                reply.body
            );
            if reply.status.is_client_error() {
                assert!(
                    reply.body["error"].is_string(),
                    "{method} {path}: {}",
                    reply.body
                );
            }
        }
    }
    // The session still works, and so does the server.
    assert_eq!(server.get("/user/me", Some(&token)).await.status, 200);
    assert_eq!(server.get("/health", None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_with_413() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1_000_000).await;
    let (_, token) = server.guest("Ann").await;
    // Larger than the socket buffers between client and server: the client is still writing
    // when the refusal is ready, and must read it rather than a reset connection.
    let huge = json!({"name": "x".repeat(4 * 1024 * 1024), "gender": "male"})
        .to_string()
        .into_bytes();
    for (method, path) in [
        ("POST", "/auth/guest"),
        ("POST", "/auth/link"),
        ("POST", "/auth/login"),
        ("PUT", "/user/me"),
    ] {
        let reply = server
            .send(
                method.parse().unwrap(),
                path,
                Some(&token),
                Some(huge.clone()),
                &[],
            )
            .await;
        assert_eq!(reply.status, 413, "{path}");
        assert_eq!(reply.body["error"], "Request body too large");
    }
    assert_eq!(server.get("/health", None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_gets_408_instead_of_holding_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(|c| {
        c.net.body_read_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.running().addr())
        .await
        .unwrap();
    // Promises 100 bytes, sends 4, then nothing.
    let request = "POST /auth/guest HTTP/1.1\r\nHost: napalmsky\r\n\
                   Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "no answer: the body wait is unbounded");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("Request body not received in time"),
        "{answer}"
    );
    assert_eq!(server.get("/health", None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_headers_and_tokens_are_refused_cleanly() {
    let server = TestServer::start().await;
    let long = "a".repeat(8000);
    for token in [
        "Bearer",
        "Bearer ",
        "Bearer Bearer x",
        long.as_str(),
        "00000000-0000-0000-0000-000000000000",
    ] {
        let reply = server
            .send(
                Method::GET,
                "/user/me",
                None,
                None,
                &[("authorization", token)],
            )
            .await;
        assert_eq!(reply.status, 401, "{token:.20}");
    }
    assert_eq!(server.get("/health", None).await.status, 200);
}
