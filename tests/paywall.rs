//! The paywall end to end: `--paywall off` telling the client it has access, invite codes
//! from an admin and from users (4 uses, the 5th refused), deactivation and uses across a
//! restart, `apply-code`, `validate-code` and its window, the QR image (no oracle), the
//! admin code list, and unpaid sockets kept from starting calls.
#![allow(clippy::unwrap_used)]

mod common;

use common::ws::{authenticate_as, expect, send};
use common::{Reply, T0, TestServer, assert_error, keys};
use napalmsky::accounts::PasswordHasher;
use napalmsky::config::Paywall;
use reqwest::Method;
use serde_json::{Value, json};

async fn admin_token(server: &TestServer) -> String {
    let hasher = PasswordHasher::new(1, 64, 1).unwrap();
    let store = server.running().internals().store();
    napalmsky::admin::add_account(store, &hasher, "alice", "admin password".into(), T0)
        .await
        .unwrap();
    let body = json!({"username": "alice", "password": "admin password"});
    let reply = server.post("/admin/login", body, None).await;
    reply.body["adminToken"].as_str().unwrap().to_owned()
}

async fn admin_code(server: &TestServer, admin: &str, label: Value) -> String {
    let reply = server
        .post("/payment/admin/generate-code", label, Some(admin))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(keys(&reply.body), ["code", "qrCodeUrl"]);
    let code = reply.body["code"].as_str().unwrap().to_owned();
    assert_eq!(reply.body["qrCodeUrl"], format!("/payment/qr/{code}"));
    code
}

async fn signup(server: &TestServer, name: &str, code: Option<&str>) -> Reply {
    let mut body = json!({"name": name, "gender": "female"});
    if let Some(code) = code {
        body["inviteCode"] = json!(code);
    }
    server.post("/auth/guest", body, None).await
}

fn token_of(reply: &Reply) -> String {
    reply.body["sessionToken"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_paywall_off_the_client_is_told_it_has_access() {
    let server = TestServer::start_with(|c| c.rules.paywall = Paywall::Off).await;
    let reply = signup(&server, "Ann", None).await;
    assert_eq!(reply.body["paidStatus"], "paid");
    assert_eq!(reply.body["requiresPayment"], false);
    let status = server.get("/payment/status", Some(&token_of(&reply))).await;
    assert_eq!(status.body["paidStatus"], "paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_grants_access_and_its_owner_a_code_of_four_uses() {
    let server = TestServer::start().await;
    let unpaid = signup(&server, "Nobody", None).await;
    assert_eq!(unpaid.body["paidStatus"], "unpaid");
    assert_eq!(unpaid.body["requiresPayment"], true);
    let unpaid_token = token_of(&unpaid);
    assert_error(
        &server.get("/room/queue", Some(&unpaid_token)).await,
        402,
        "Payment required",
    );
    let status = server.get("/payment/status", Some(&unpaid_token)).await;
    assert_eq!(
        status.body,
        json!({"paidStatus": "unpaid", "paidAt": null, "myInviteCode": null,
               "inviteCodeUsesRemaining": 0, "myCodeInfo": null, "inviteCodeUsed": null,
               "qrUnlocked": false, "successfulSessions": 0, "qrUnlockedAt": null})
    );

    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({"label": "Launch party"})).await;
    let typed = format!("  {}  ", code.to_lowercase());
    let ann = signup(&server, "Ann", Some(&typed)).await;
    assert_eq!(ann.status, 200, "{}", ann.body);
    assert_eq!(ann.body["paidStatus"], "qr_grace_period");
    assert_eq!(ann.body["requiresPayment"], false);
    let ann_token = token_of(&ann);
    assert_eq!(
        server.get("/room/queue", Some(&ann_token)).await.status,
        200
    );
    let status = server.get("/payment/status", Some(&ann_token)).await;
    assert_eq!(status.body["paidStatus"], "qr_grace_period");
    assert_eq!(status.body["inviteCodeUsed"], code);
    assert_eq!(status.body["inviteCodeUsesRemaining"], 4);
    let mine = status.body["myInviteCode"].as_str().unwrap().to_owned();
    assert_eq!(
        status.body["myCodeInfo"],
        json!({"code": mine, "usesRemaining": 4, "maxUses": 4, "totalUsed": 0, "type": "user"})
    );

    // Ann's code takes four friends; the fifth is refused, and Ann sees 0 left (not 4).
    for n in 1..=4 {
        let friend = signup(&server, &format!("Friend {n}"), Some(&mine)).await;
        assert_eq!(
            friend.body["paidStatus"], "qr_grace_period",
            "{}",
            friend.body
        );
        let left = server.get("/payment/status", Some(&ann_token)).await;
        assert_eq!(left.body["inviteCodeUsesRemaining"], 4 - n);
        assert_eq!(left.body["myCodeInfo"]["totalUsed"], n);
    }
    let fifth = signup(&server, "Friend 5", Some(&mine)).await;
    assert_error(&fifth, 403, "This invite code has been fully used");
    assert_eq!(fifth.body["requiresPayment"], true);
    let unknown = signup(&server, "Guess", Some("AAAAAAAAAAAAAAAA")).await;
    assert_error(&unknown, 403, "Invalid invite code");
    let malformed = signup(&server, "Typo", Some("ABC")).await;
    assert_error(&malformed, 400, "Invalid invite code format");

    // The admin's code is unlimited and listed with its uses.
    let codes = server.get("/payment/admin/codes", Some(&admin)).await;
    assert_eq!(codes.body["total"], 6, "the admin code and five users' own");
    let listed = codes.body["codes"].as_array().unwrap();
    let admin_listed = listed.iter().find(|c| c["code"] == code.as_str()).unwrap();
    assert_eq!(
        keys(admin_listed),
        [
            "code",
            "createdAt",
            "createdBy",
            "isActive",
            "maxUses",
            "totalUsed",
            "type",
            "usesRemaining"
        ]
    );
    assert_eq!(admin_listed["createdBy"], "Launch party");
    assert_eq!(admin_listed["type"], "admin");
    assert_eq!(admin_listed["usesRemaining"], -1);
    assert_eq!(admin_listed["totalUsed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_and_uses_survive_a_restart() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let (_, plain) = server.guest("Plain").await;
    let refused = server
        .post("/payment/admin/generate-code", json!({}), Some(&plain))
        .await;
    assert_error(&refused, 403, "Admin access required");
    let code = admin_code(&server, &admin, json!({})).await;
    let ann = signup(&server, "Ann", Some(&code)).await;
    let mine = server
        .get("/payment/status", Some(&token_of(&ann)))
        .await
        .body["myInviteCode"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 1..=3 {
        signup(&server, &format!("Friend {n}"), Some(&mine)).await;
    }
    let path = "/payment/admin/deactivate-code";
    assert_error(
        &server.post(path, json!({}), Some(&admin)).await,
        400,
        "Code is required",
    );
    assert_error(
        &server
            .post(path, json!({"code": "ZZZZZZZZZZZZZZZZ"}), Some(&admin))
            .await,
        404,
        "Code not found",
    );
    let done = server.post(path, json!({"code": code}), Some(&admin)).await;
    assert_eq!(
        done.body,
        json!({"success": true, "message": "Code deactivated"})
    );

    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, |_| {}).await;
    let late = signup(&server, "Late", Some(&code)).await;
    assert_error(&late, 403, "This invite code has been deactivated");
    let fourth = signup(&server, "Friend 4", Some(&mine)).await;
    assert_eq!(
        fourth.body["paidStatus"], "qr_grace_period",
        "one use was left"
    );
    let fifth = signup(&server, "Friend 5", Some(&mine)).await;
    assert_error(&fifth, 403, "This invite code has been fully used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_code_gives_a_signed_up_user_access_and_their_own_code() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({})).await;
    let (_, token) = server.guest("Ann").await;
    let path = "/payment/apply-code";
    assert_error(
        &server.post(path, json!({}), Some(&token)).await,
        400,
        "Invite code is required",
    );
    assert_error(
        &server
            .post(path, json!({"inviteCode": "nope"}), Some(&token))
            .await,
        403,
        "Invalid invite code",
    );
    assert_error(
        &server.post(path, json!({"inviteCode": code}), None).await,
        401,
        "Authorization required",
    );
    let applied = server
        .post(path, json!({"inviteCode": code}), Some(&token))
        .await;
    assert_eq!(
        applied.body,
        json!({"success": true, "paidStatus": "qr_grace_period", "qrUnlocked": false,
               "sessionsNeeded": 4})
    );
    let status = server.get("/payment/status", Some(&token)).await;
    assert!(
        status.body["myInviteCode"].is_string(),
        "the original minted none here"
    );
    let again = server
        .post(path, json!({"inviteCode": code}), Some(&token))
        .await;
    assert_error(&again, 400, "You already have access");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_code_allows_five_attempts_an_hour_whatever_the_forwarded_address() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({"label": "Club"})).await;
    let path = "/payment/validate-code";
    assert_error(
        &server.post(path, json!({}), None).await,
        400,
        "Code is required",
    );
    let valid = server.post(path, json!({"code": code}), None).await;
    assert_eq!(
        valid.body,
        json!({"valid": true, "type": "admin", "usesRemaining": -1, "createdBy": "Club"})
    );
    let format = server.post(path, json!({"code": "short"}), None).await;
    assert_error(&format, 400, "Invalid code format");
    assert_eq!(format.body["attemptsRemaining"], 3);
    let unknown = server
        .post(path, json!({"code": "AAAAAAAAAAAAAAAA"}), None)
        .await;
    assert_error(&unknown, 404, "Invalid invite code");
    assert_eq!(unknown.body["attemptsRemaining"], 2);
    for _ in 0..2 {
        assert_eq!(
            server.post(path, json!({"code": code}), None).await.status,
            200
        );
    }
    // The sixth attempt: refused, and a forged X-Forwarded-For (no trusted proxy) is no way
    // around it.
    let body = Some(json!({"code": code}).to_string().into_bytes());
    let forged = [("x-forwarded-for", "198.51.100.77")];
    let sixth = server.send(Method::POST, path, None, body, &forged).await;
    assert_error(&sixth, 429, "Too many attempts");
    assert_eq!(sixth.body["retryAfter"], 3_600_000);
    assert_eq!(
        sixth.body["message"],
        "Please wait 60 minutes before trying again"
    );
    // The window is fixed from the first attempt: an hour later the client may try again.
    server.clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(
        server.post(path, json!({"code": code}), None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_image_is_served_for_codes_and_is_no_oracle() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({})).await;
    let url = format!("{}/payment/qr/{code}", server.base);
    let image = reqwest::get(&url).await.unwrap();
    assert_eq!(image.status(), 200);
    let headers = image.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "public, max-age=86400");
    let bytes = image.bytes().await.unwrap();
    assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    for _ in 0..5 {
        let unknown = reqwest::get(format!("{}/payment/qr/AAAAAAAAAAAAAAAA", server.base))
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
        assert_eq!(unknown.text().await.unwrap(), "Code not found");
    }
    // Out of attempts: every code answers 429, so known and unknown look alike.
    let known = server.get(&format!("/payment/qr/{code}"), None).await;
    assert_error(&known, 429, "Too many attempts");
    let validate = server
        .post("/payment/validate-code", json!({"code": code}), None)
        .await;
    assert_error(&validate, 429, "Too many attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_socket_may_be_online_but_cannot_start_or_accept_calls() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({})).await;
    let paid = signup(&server, "Paid", Some(&code)).await;
    let paid_id = paid.body["userId"].as_str().unwrap().to_owned();
    let other = signup(&server, "Other", Some(&code)).await;
    let other_id = other.body["userId"].as_str().unwrap().to_owned();
    let unpaid = signup(&server, "Unpaid", None).await;

    let mut paid_ws = authenticate_as(&server, &token_of(&paid)).await;
    let mut other_ws = authenticate_as(&server, &token_of(&other)).await;
    let mut unpaid_ws = authenticate_as(&server, &token_of(&unpaid)).await;
    for ws in [&mut paid_ws, &mut other_ws, &mut unpaid_ws] {
        send(ws, r#"42["presence:join"]"#).await;
        send(ws, r#"421["queue:join"]"#).await;
        expect(ws, "431").await;
    }
    let invite =
        |to: &str| format!(r#"42["call:invite",{{"toUserId":"{to}","requestedSeconds":60}}]"#);
    send(&mut unpaid_ws, &invite(&paid_id)).await;
    expect(
        &mut unpaid_ws,
        r#"42["error",{"message":"Payment required"}]"#,
    )
    .await;
    let accept = r#"42["call:accept",{"inviteId":"00000000-0000-4000-8000-000000000000","requestedSeconds":60}]"#;
    send(&mut unpaid_ws, accept).await;
    expect(
        &mut unpaid_ws,
        r#"42["error",{"message":"Payment required"}]"#,
    )
    .await;

    // A user with access invites as usual.
    send(&mut paid_ws, &invite(&other_id)).await;
    expect(&mut other_ws, r#"42["call:notify""#).await;
}

/// Four completed calls (as the persistence worker records them) unlock the QR code and
/// verify a grace-period user; `/payment/status` says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fourth_completed_call_verifies_a_grace_period_user() {
    let server = TestServer::start().await;
    let admin = admin_token(&server).await;
    let code = admin_code(&server, &admin, json!({})).await;
    let ann = signup(&server, "Ann", Some(&code)).await;
    let bob = signup(&server, "Bob", None).await;
    let id = |reply: &Reply| {
        napalmsky::accounts::parse_id(reply.body["userId"].as_str().unwrap()).unwrap()
    };
    let (ann_id, bob_id) = (id(&ann), id(&bob));
    for n in 0..4u8 {
        let call = napalmsky::calls::FinishedCall {
            session_id: format!("session-{n}"),
            room_id: [n + 1; 16],
            caller: ann_id,
            callee: bob_id,
            caller_name: "Ann".into(),
            callee_name: "Bob".into(),
            started_at: T0,
            duration_seconds: 60,
            messages: "[]".into(),
            record_history: true,
            record_completion: true,
            cooldown_until: None,
        };
        let store = server.running().internals().store();
        store
            .write(move |tx| napalmsky::calls::record_finished_call(tx, &call, T0).map(drop))
            .await
            .unwrap();
        let status = server.get("/payment/status", Some(&token_of(&ann))).await;
        assert_eq!(status.body["successfulSessions"], n + 1);
        let expected = if n == 3 {
            "qr_verified"
        } else {
            "qr_grace_period"
        };
        assert_eq!(status.body["paidStatus"], expected);
        assert_eq!(status.body["qrUnlocked"], n == 3);
    }
    let status = server.get("/payment/status", Some(&token_of(&ann))).await;
    assert_eq!(status.body["qrUnlockedAt"], T0);
    // An unpaid user's calls unlock the code but grant no access.
    let bob_status = server.get("/payment/status", Some(&token_of(&bob))).await;
    assert_eq!(bob_status.body["qrUnlocked"], true);
    assert_eq!(bob_status.body["paidStatus"], "unpaid");
}
