//! `/user/me` end to end.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, assert_error, keys};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_answers_the_original_shape() {
    let server = TestServer::start().await;
    let (user_id, token) = server.guest("Ann").await;
    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        keys(&me.body),
        [
            "accountType",
            "createdAt",
            "gender",
            "lastSessions",
            "name",
            "sessionCount",
            "socials",
            "streakDays",
            "timerTotalSeconds",
            "userId"
        ],
        "absent optional fields (email, selfieUrl, videoUrl) are omitted"
    );
    assert_eq!(me.body["userId"], user_id);
    assert_eq!(me.body["name"], "Ann");
    assert_eq!(me.body["gender"], "female");
    assert_eq!(me.body["accountType"], "guest");
    assert_eq!(me.body["socials"], json!({}));
    assert_eq!(me.body["createdAt"], common::T0);
    assert_eq!(me.body["timerTotalSeconds"], 0);
    assert_eq!(me.body["sessionCount"], 0);
    assert_eq!(me.body["lastSessions"], json!([]));
    assert_eq!(me.body["streakDays"], json!(null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socials_update_and_the_cached_profile_follows() {
    let server = TestServer::start().await;
    let (user_id, token) = server.guest("Ann").await;
    // Fill the profile cache first, so the update must invalidate it.
    assert_eq!(
        server.get("/user/me", Some(&token)).await.body["socials"],
        json!({})
    );
    let socials = json!({"instagram": "@ann", "snapchat": "ann.s"});
    let reply = server
        .put("/user/me", json!({"socials": socials}), Some(&token))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"success": true, "user": {"userId": user_id, "name": "Ann", "socials": socials}})
    );
    assert_eq!(
        server.get("/user/me", Some(&token)).await.body["socials"],
        socials
    );

    // Nothing else is updatable; no socials leaves them as they are.
    let reply = server
        .put("/user/me", json!({"name": "Mallory"}), Some(&token))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["user"]["name"], "Ann");
    assert_eq!(reply.body["user"]["socials"], socials);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socials_are_validated() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let cases = [
        (json!({"socials": "x"}), "socials must be an object"),
        (
            json!({"socials": {"a": {"b": "c"}}}),
            "socials values must be strings",
        ),
        (
            json!({"socials": {"a": "x".repeat(201)}}),
            "socials values must be at most 200 characters",
        ),
    ];
    for (body, message) in cases {
        assert_error(
            &server.put("/user/me", body, Some(&token)).await,
            400,
            message,
        );
    }
    assert_error(
        &server.put("/user/me", json!({}), None).await,
        401,
        "Authorization required",
    );
}
