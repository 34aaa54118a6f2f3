//! Introductions end to end: intro codes and their public checks, a signup through one (the
//! original's answer, the introduction fields, a notification pushed live or on `auth`),
//! notifications listed and marked read, `direct-match`, `my-introductions`, introductions
//! first in the queue, and codes that survive a restart.
#![allow(clippy::unwrap_used)]

mod common;

use common::ws::{auth_event_as, authenticate_as, expect, send};
use common::{Reply, TestServer, assert_error, keys};
use napalmsky::config::Paywall;
use serde_json::{Value, json};

fn open(c: &mut napalmsky::config::Config) {
    c.rules.paywall = Paywall::Off;
}

async fn generate(server: &TestServer, token: &str, target: &str) -> String {
    let reply = server
        .post(
            "/referral/generate",
            json!({"targetUserId": target}),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(keys(&reply.body), ["referralCode", "targetUserName"]);
    reply.body["referralCode"].as_str().unwrap().to_owned()
}

async fn signup_with(server: &TestServer, name: &str, code: &str) -> Reply {
    let body = json!({"name": name, "gender": "male", "referralCode": code});
    server.post("/auth/guest", body, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intro_code_introduces_a_new_user_and_tells_the_target() {
    let server = TestServer::start_with(open).await;
    let (target, target_token) = server.guest("Tara").await;
    let (_, matchmaker) = server.guest("Max").await;
    let path = "/referral/generate";
    assert_error(
        &server.post(path, json!({}), Some(&matchmaker)).await,
        400,
        "targetUserId is required",
    );
    let nobody = json!({"targetUserId": "00000000-0000-4000-8000-000000000000"});
    assert_error(
        &server.post(path, nobody, Some(&matchmaker)).await,
        404,
        "Target user not found",
    );
    assert_error(
        &server
            .post(path, json!({"targetUserId": target}), None)
            .await,
        401,
        "Authorization required",
    );
    let code = generate(&server, &matchmaker, &target).await;
    assert_eq!(code.len(), 10);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );

    let info = server.get(&format!("/referral/info/{code}"), None).await;
    assert_eq!(
        info.body,
        json!({"targetUserName": "Tara", "introducedBy": "Max"})
    );
    assert_error(
        &server.get("/referral/info/NOPE000000", None).await,
        404,
        "Invalid or expired referral code",
    );
    // Before signup the page learns no ids and no media; a signed-in caller does.
    let public = server
        .get(&format!("/referral/target-status/{code}"), None)
        .await;
    assert_eq!(
        keys(&public.body),
        [
            "introducedBy",
            "isAvailable",
            "isOnline",
            "targetGender",
            "targetName"
        ]
    );
    let signed_in = server
        .get(
            &format!("/referral/target-status/{code}"),
            Some(&matchmaker),
        )
        .await;
    assert_eq!(signed_in.body["targetUserId"], target);
    assert!(signed_in.body.get("targetSelfie").is_some());

    // The target is online: the notification arrives at once.
    let mut target_ws = authenticate_as(&server, &target_token).await;
    let joined = signup_with(&server, "Newton", &code.to_lowercase()).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.body["wasReferred"], true);
    assert_eq!(joined.body["introducedTo"], "Tara");
    assert_eq!(joined.body["referralCode"], code);
    assert_eq!(
        joined.body["targetOnline"], false,
        "online but not available"
    );
    assert_eq!(
        keys(&joined.body["targetUser"]),
        ["gender", "name", "selfieUrl", "userId", "videoUrl"]
    );
    assert_eq!(joined.body["targetUser"]["userId"], target);
    let newton = joined.body["userId"].as_str().unwrap().to_owned();
    let pushed = expect(&mut target_ws, "42[\"referral:notification\"").await;
    let pushed: Value = serde_json::from_str(&pushed[2..]).unwrap();
    assert_eq!(pushed[1]["message"], "Newton wants to connect with you!");
    let notification = &pushed[1]["notification"];
    assert_eq!(
        keys(notification),
        [
            "forUserId",
            "id",
            "introducedBy",
            "introducedByName",
            "read",
            "referredName",
            "referredUserId",
            "timestamp"
        ]
    );
    assert_eq!(notification["forUserId"], target);
    assert_eq!(notification["referredUserId"], newton);
    assert_eq!(notification["introducedByName"], "Max");

    // Listed, then marked read (another user's attempt changes nothing).
    let listed = server
        .get("/referral/notifications", Some(&target_token))
        .await;
    assert_eq!(listed.body["unreadCount"], 1);
    assert_eq!(listed.body["notifications"][0], *notification);
    let id = notification["id"].as_str().unwrap();
    let read_path = format!("/referral/notifications/{id}/read");
    let theirs = server.put(&read_path, json!({}), Some(&matchmaker)).await;
    assert_eq!(theirs.body, json!({"success": true}));
    assert_eq!(
        server
            .get("/referral/notifications", Some(&target_token))
            .await
            .body["unreadCount"],
        1
    );
    server.put(&read_path, json!({}), Some(&target_token)).await;
    assert_eq!(
        server
            .get("/referral/notifications", Some(&target_token))
            .await
            .body["unreadCount"],
        0
    );

    let intros = server
        .get("/referral/my-introductions", Some(&target_token))
        .await;
    assert_eq!(intros.body["count"], 1);
    assert_eq!(intros.body["introductions"][0]["userId"], newton);
    assert_eq!(intros.body["introductions"][0]["introducedBy"], "Max");
    assert_eq!(intros.body["introductions"][0]["gender"], "male");

    // An unknown referral code is ignored, as in the original.
    let stray = signup_with(&server, "Stray", "ZZZZZZZZZZ").await;
    assert_eq!(stray.status, 200);
    assert_eq!(stray.body["wasReferred"], false);
    assert_eq!(stray.body["targetUser"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_target_gets_the_notification_on_auth_and_codes_survive_a_restart() {
    let server = TestServer::start_with(open).await;
    let (target, target_token) = server.guest("Tara").await;
    let (_, matchmaker) = server.guest("Max").await;
    let code = generate(&server, &matchmaker, &target).await;
    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, open).await;
    let joined = signup_with(&server, "Newton", &code).await;
    assert_eq!(
        joined.body["wasReferred"], true,
        "the code outlived the restart"
    );

    // The web client connects with `auth.token`, then emits `auth`: the unread notification
    // follows the second `auth:success`.
    let mut ws = auth_event_as(&server, &target_token).await;
    expect(&mut ws, "42[\"auth:success\"").await;
    let pushed = expect(&mut ws, "42[\"referral:notification\"").await;
    assert!(pushed.contains("Newton wants to connect with you!"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introductions_come_first_in_the_queue_and_direct_match_finds_the_target() {
    let server = TestServer::start_with(|c| {
        open(c);
        c.rules.queue_max_results = 1;
    })
    .await;
    let (target, target_token) = server.guest("Tara").await;
    let (_, matchmaker) = server.guest("Max").await;
    let code = generate(&server, &matchmaker, &target).await;
    let joined = signup_with(&server, "Newton", &code).await;
    let newton = joined.body["userId"].as_str().unwrap().to_owned();
    let newton_token = joined.body["sessionToken"].as_str().unwrap().to_owned();
    let mut sockets = Vec::new();
    for token in [&target_token, &matchmaker, &newton_token] {
        let mut ws = authenticate_as(&server, token).await;
        send(&mut ws, r#"42["presence:join"]"#).await;
        send(&mut ws, r#"421["queue:join"]"#).await;
        expect(&mut ws, "431").await;
        sockets.push(ws);
    }
    // One result at most, and it is the introduction.
    let queue = server.get("/room/queue", Some(&target_token)).await;
    let users = queue.body["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["userId"], newton);
    assert_eq!(users[0]["wasIntroducedToMe"], true);
    assert_eq!(users[0]["introducedBy"], "Max");

    let path = "/referral/direct-match";
    assert_error(
        &server.post(path, json!({}), Some(&newton_token)).await,
        400,
        "Referral code is required",
    );
    assert_error(
        &server
            .post(
                path,
                json!({"referralCode": "ZZZZZZZZZZ"}),
                Some(&newton_token),
            )
            .await,
        404,
        "Invalid referral code",
    );
    let matched = server
        .post(path, json!({"referralCode": code}), Some(&newton_token))
        .await;
    assert_eq!(matched.body["success"], true);
    assert_eq!(matched.body["targetUser"]["userId"], target);
    assert_eq!(matched.body["isOnline"], true);
    assert_eq!(matched.body["isAvailable"], true);
    assert_eq!(matched.body["canCall"], true);
    assert_eq!(matched.body["wasIntroduced"], true);
    assert_eq!(matched.body["introducedBy"], "Max");
    let other = server
        .post(path, json!({"referralCode": code}), Some(&matchmaker))
        .await;
    assert_eq!(other.body["wasIntroduced"], false);
}
