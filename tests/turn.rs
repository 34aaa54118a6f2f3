//! `/turn` end to end: the answer's shape with and without `--turn-secret`, the auth
//! refusals, the reuse of a user's credential until half its TTL, and the per-user limit.
//! `turn_coturn.rs` has a real coturn check the credentials.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{T0, TestServer, assert_error, edit_user, keys};
use napalmsky::store::records::BanStatus;
use serde_json::json;

const SECRET: &str = "e2e-turn-secret";
const TURN_URLS: [&str; 2] = [
    "turn:turn.example.com:3478",
    "turns:turn.example.com:5349?transport=tcp",
];

async fn with_turn(limit: u32) -> TestServer {
    TestServer::start_with(|config| {
        config.turn.turn_secret = Some(SECRET.into());
        config.turn.turn_urls = TURN_URLS.iter().map(|u| u.to_string()).collect();
        config.limits.turn_rate_limit = limit;
    })
    .await
}

#[tokio::test]
async fn without_a_secret_the_answer_is_stun_only_from_the_fallback_provider() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ada").await;
    let reply = server.get("/turn/credentials", Some(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "iceServers": [{ "urls": ["stun:stun.l.google.com:19302"] }],
            "expiresAt": T0 + 3_600_000,
            "provider": "fallback",
        })
    );
    let status = server.get("/turn/status", None).await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.body,
        json!({ "cloudflare": false, "twilio": false, "coturn": false, "timestamp": T0 })
    );
}

#[tokio::test]
async fn with_a_secret_the_answer_carries_a_coturn_credential() {
    let server = with_turn(60).await;
    let (user_id, token) = server.guest("Ada").await;
    let reply = server.get("/turn/credentials", Some(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(keys(&reply.body), ["expiresAt", "iceServers", "provider"]);
    let expiry = T0 / 1000 + 3600;
    let expected = napalmsky::turn::credential(SECRET.as_bytes(), &user_id, expiry);
    assert_eq!(expected.username, format!("{expiry}:{user_id}"));
    assert_eq!(
        reply.body,
        json!({
            "iceServers": [
                { "urls": ["stun:stun.l.google.com:19302"] },
                {
                    "urls": TURN_URLS,
                    "username": expected.username,
                    "credential": expected.credential,
                },
            ],
            "expiresAt": expiry * 1000,
            "provider": "coturn",
        })
    );
    assert_eq!(reply.headers["ratelimit-limit"], "60");
    assert_eq!(reply.headers["ratelimit-remaining"], "59");
    let status = server.get("/turn/status", None).await;
    assert_eq!(status.body["coturn"], true);
    assert_eq!(status.body["cloudflare"], false);
    assert_eq!(status.body["twilio"], false);
}

#[tokio::test]
async fn no_token_a_bad_token_and_a_banned_user_are_refused() {
    let server = with_turn(60).await;
    let reply = server.get("/turn/credentials", None).await;
    assert_error(&reply, 401, "Authorization required");
    let reply = server.get("/turn/credentials", Some("not-a-token")).await;
    assert_error(&reply, 401, "Invalid or expired session");
    let (user_id, token) = server.guest("Mallory").await;
    assert_eq!(
        server.get("/turn/credentials", Some(&token)).await.status,
        200
    );
    edit_user(&server, &user_id, |u| u.ban_status = BanStatus::Temporary).await;
    let reply = server.get("/turn/credentials", Some(&token)).await;
    assert_error(&reply, 403, "Account suspended");
    assert_eq!(reply.body["banned"], true);
}

#[tokio::test]
async fn a_user_gets_the_same_credential_until_half_its_ttl_has_passed() {
    let server = with_turn(60).await;
    let (_, token) = server.guest("Ada").await;
    let (_, other) = server.guest("Bob").await;
    let turn = |body: &serde_json::Value| body["iceServers"][1].clone();
    let first = server.get("/turn/credentials", Some(&token)).await.body;
    server.clock.advance(Duration::from_secs(29 * 60));
    let again = server.get("/turn/credentials", Some(&token)).await.body;
    assert_eq!(
        again, first,
        "31 minutes left: the same credential, same expiry"
    );
    let bobs = server.get("/turn/credentials", Some(&other)).await.body;
    assert_ne!(turn(&bobs)["username"], turn(&first)["username"]);
    server.clock.advance(Duration::from_secs(60));
    let renewed = server.get("/turn/credentials", Some(&token)).await.body;
    assert_ne!(turn(&renewed)["credential"], turn(&first)["credential"]);
    assert_eq!(renewed["expiresAt"], T0 + 90 * 60_000);
}

#[tokio::test]
async fn the_limit_is_per_user_so_one_address_serves_many() {
    let server = with_turn(3).await;
    let (_, ada) = server.guest("Ada").await;
    let (_, bob) = server.guest("Bob").await;
    // Refusals before authentication count for nobody.
    for _ in 0..5 {
        assert_eq!(server.get("/turn/credentials", None).await.status, 401);
    }
    for remaining in ["2", "1", "0"] {
        let reply = server.get("/turn/credentials", Some(&ada)).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["ratelimit-remaining"], remaining);
    }
    let refused = server.get("/turn/credentials", Some(&ada)).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.body,
        json!({
            "error": "Too many TURN credential requests",
            "message": "Please wait before requesting new credentials",
            "retryAfter": 3600,
        })
    );
    assert_eq!(refused.headers["retry-after"], "3600");
    assert_eq!(refused.headers["ratelimit-remaining"], "0");
    // Bob shares Ada's address (127.0.0.1) and is served.
    for _ in 0..3 {
        assert_eq!(
            server.get("/turn/credentials", Some(&bob)).await.status,
            200
        );
    }
    // The status route is not limited per address either.
    for _ in 0..10 {
        assert_eq!(server.get("/turn/status", None).await.status, 200);
    }
    server.clock.advance(Duration::from_secs(3600));
    let reply = server.get("/turn/credentials", Some(&ada)).await;
    assert_eq!(reply.status, 200, "a new window: {}", reply.body);
}
