//! `/admin`: login, verify, logout end to end against a real server, with accounts seeded
//! through the admin service (as `napalmsky admin add` does) and time moved by the clock.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{T0, TestServer, assert_error, keys};
use napalmsky::accounts::PasswordHasher;
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "admin password";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Creates the admin account `username` with `PASSWORD` in the running server's store.
async fn seed_admin(server: &TestServer, username: &str) {
    let hasher = PasswordHasher::new(1, 64, 1).unwrap();
    let store = server.running().internals().store();
    napalmsky::admin::add_account(store, &hasher, username, PASSWORD.into(), T0)
        .await
        .unwrap();
}

async fn admin_login(server: &TestServer, username: &str, password: &str) -> common::Reply {
    let body = json!({"username": username, "password": password});
    server.post("/admin/login", body, None).await
}

async fn admin_token(server: &TestServer) -> String {
    let reply = admin_login(server, "alice", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["adminToken"].as_str().unwrap().to_owned()
}

async fn verify(server: &TestServer, token: Option<&str>) -> common::Reply {
    server.get("/admin/verify", token).await
}

fn assert_invalid(reply: &common::Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(reply.body, json!({"valid": false}));
}

fn admin_sessions(server: &TestServer) -> u64 {
    let store = server.running().internals().store();
    store.read().unwrap().admin_session_count().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_answers_a_token_that_verify_accepts() {
    let server = TestServer::start().await;
    seed_admin(&server, "alice").await;

    let reply = admin_login(&server, "Alice", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(keys(&reply.body), ["adminToken", "username"]);
    assert_eq!(reply.body["username"], "alice", "usernames are lower-cased");
    let token = reply.body["adminToken"].as_str().unwrap();
    let parsed = uuid_version(token);
    assert_eq!(parsed, Some(4), "a random UUID: {token}");

    let verified = verify(&server, Some(token)).await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body, json!({"valid": true, "username": "alice"}));
    // A bare token works too, as on the user routes.
    let bare = server
        .send(
            reqwest::Method::GET,
            "/admin/verify",
            None,
            None,
            &[("authorization", token)],
        )
        .await;
    assert_eq!(bare.status, StatusCode::OK);
    assert_eq!(admin_sessions(&server), 1);
}

fn uuid_version(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    if lengths != [8, 4, 4, 4, 12] || !text.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
        return None;
    }
    parts[2].chars().next()?.to_digit(16)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_mistyped_fields_are_400() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 100).await;
    seed_admin(&server, "alice").await;
    for body in [
        json!({}),
        json!({"username": "alice"}),
        json!({"password": PASSWORD}),
        json!({"username": "", "password": PASSWORD}),
        json!({"username": "alice", "password": ""}),
        json!({"username": 5, "password": PASSWORD}),
        json!({"username": "alice", "password": null}),
        json!({"username": ["alice"], "password": {"p": 1}}),
    ] {
        let reply = server.post("/admin/login", body.clone(), None).await;
        assert_error(&reply, 400, "Username and password required");
        assert_eq!(keys(&reply.body), ["error"], "{body}");
    }
    let reply = server
        .send(
            reqwest::Method::POST,
            "/admin/login",
            None,
            Some(b"{".to_vec()),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(admin_sessions(&server), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_and_unknown_usernames_are_401_after_a_second() {
    let server = TestServer::start().await;
    seed_admin(&server, "alice").await;
    let timed = |username: &'static str, password: &'static str| {
        let server = &server;
        async move {
            let started = Instant::now();
            let reply = admin_login(server, username, password).await;
            (reply, started.elapsed())
        }
    };
    let (wrong_password, unknown_user) =
        tokio::join!(timed("alice", "not the password"), timed("bob", PASSWORD));
    for (reply, elapsed) in [wrong_password, unknown_user] {
        assert_error(&reply, 401, "Invalid credentials");
        assert_eq!(keys(&reply.body), ["error"]);
        assert!(
            elapsed >= Duration::from_millis(990),
            "answered after {elapsed:?}"
        );
    }
    assert_eq!(admin_sessions(&server), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_count_against_the_auth_limit_and_successful_ones_do_not() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 3).await;
    seed_admin(&server, "alice").await;
    for _ in 0..4 {
        admin_token(&server).await;
    }
    let failures = (0..3).map(|_| admin_login(&server, "alice", "not the password"));
    for reply in futures_util::future::join_all(failures).await {
        assert_error(&reply, 401, "Invalid credentials");
    }
    let limited = admin_login(&server, "alice", PASSWORD).await;
    assert_error(&limited, 429, "Too many login attempts");
    assert!(limited.headers.contains_key("retry-after"));
    // The limit is the /auth routes' too: one limiter per IP for both mounts.
    let auth = server.login("someone@example.com", "whatever1").await;
    assert_eq!(auth.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_refuses_missing_unknown_user_and_expired_tokens() {
    let server = TestServer::start().await;
    seed_admin(&server, "alice").await;
    let token = admin_token(&server).await;
    let (_, user_token) = server.guest("Gus").await;

    assert_invalid(&verify(&server, None).await);
    assert_invalid(&verify(&server, Some("garbage")).await);
    assert_invalid(&verify(&server, Some("00000000-0000-4000-8000-000000000000")).await);
    assert_invalid(&verify(&server, Some(&user_token)).await);

    server.clock.advance(DAY - Duration::from_millis(1));
    assert_eq!(verify(&server, Some(&token)).await.status, StatusCode::OK);
    server.clock.advance(Duration::from_millis(1));
    assert_invalid(&verify(&server, Some(&token)).await);

    // The cleanup deletes what expired.
    assert_eq!(admin_sessions(&server), 1);
    server.running().internals().run_cleanup().await;
    assert_eq!(admin_sessions(&server), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_token_and_always_succeeds() {
    let server = TestServer::start().await;
    seed_admin(&server, "alice").await;
    let token = admin_token(&server).await;
    let other = admin_token(&server).await;

    let reply = server.post("/admin/logout", json!({}), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"success": true}));
    assert_invalid(&verify(&server, Some(&token)).await);
    assert_eq!(
        verify(&server, Some(&other)).await.status,
        StatusCode::OK,
        "only that one"
    );

    for token in [Some(token.as_str()), Some("garbage"), None] {
        let reply = server.post("/admin/logout", json!({}), token).await;
        assert_eq!(reply.status, StatusCode::OK, "{token:?}");
        assert_eq!(reply.body, json!({"success": true}));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_tokens_survive_a_restart_and_keep_their_expiry() {
    let server = TestServer::start().await;
    seed_admin(&server, "alice").await;
    let token = admin_token(&server).await;
    let (dir, clock) = server.stop().await;

    let server = TestServer::start_in(dir, clock, |_| {}).await;
    let verified = verify(&server, Some(&token)).await;
    assert_eq!(verified.body, json!({"valid": true, "username": "alice"}));
    server.clock.advance(DAY);
    assert_invalid(&verify(&server, Some(&token)).await);
}
