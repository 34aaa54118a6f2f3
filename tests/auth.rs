//! `/auth/*` end to end: every success shape field by field and every error of the reference.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestServer, assert_error, edit_user, keys};
use napalmsky::accounts::parse_id;
use napalmsky::clock::Clock;
use napalmsky::store::records::BanStatus;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_signup_answers_the_original_shape() {
    let server = TestServer::start().await;
    let reply = server
        .post(
            "/auth/guest",
            json!({"name": "  Ann Lee ", "gender": "nonbinary"}),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    let body = &reply.body;
    assert_eq!(
        keys(body),
        [
            "accountType",
            "paidStatus",
            "referralCode",
            "requiresPayment",
            "sessionToken",
            "targetOnline",
            "targetUser",
            "userId",
            "wasReferred"
        ]
    );
    assert!(parse_id(body["userId"].as_str().unwrap()).is_some());
    let token = body["sessionToken"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(token).unwrap().get_version_num(), 4);
    assert_eq!(body["accountType"], "guest");
    assert_eq!(body["wasReferred"], false);
    assert_eq!(body["targetUser"], json!(null));
    assert_eq!(body["targetOnline"], false);
    assert_eq!(body["referralCode"], json!(null));
    assert_eq!(body["paidStatus"], "unpaid");
    assert_eq!(body["requiresPayment"], true);

    let me = server.get("/user/me", Some(token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["name"], "Ann Lee", "name is trimmed");
    assert_eq!(me.body["gender"], "nonbinary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_signup_errors() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    let cases = [
        (json!({"gender": "male"}), 400, "Name is required"),
        (
            json!({"name": "   ", "gender": "male"}),
            400,
            "Name is required",
        ),
        (
            json!({"name": 123, "gender": "male"}),
            400,
            "name must be a string",
        ),
        (
            json!({"name": "x".repeat(256), "gender": "male"}),
            400,
            "Name must be at most 255 characters",
        ),
        (json!({"name": "Ann"}), 400, "Invalid gender"),
        (
            json!({"name": "Ann", "gender": "robot"}),
            400,
            "Invalid gender",
        ),
        (json!({"name": "Ann", "gender": 7}), 400, "Invalid gender"),
        (
            json!({"name": "Ann", "gender": "male", "inviteCode": "short"}),
            400,
            "Invalid invite code format",
        ),
        (
            json!({"name": "Ann", "gender": "male", "inviteCode": 5}),
            400,
            "inviteCode must be a string",
        ),
        (
            json!({"name": "Ann", "gender": "male", "referralCode": []}),
            400,
            "referralCode must be a string",
        ),
    ];
    for (body, status, message) in cases {
        let reply = server.post("/auth/guest", body.clone(), None).await;
        assert_error(&reply, status, message);
    }
    // A well-formed code that matches nothing: 403 with requiresPayment, as the original.
    let reply = server
        .post(
            "/auth/guest",
            json!({"name": "Ann", "gender": "male", "inviteCode": " abcdefgh12345678 "}),
            None,
        )
        .await;
    assert_error(&reply, 403, "Invalid invite code");
    assert_eq!(reply.body["requiresPayment"], true);
    // An unknown referral code is ignored.
    let reply = server
        .post(
            "/auth/guest",
            json!({"name": "Ann", "gender": "male", "referralCode": "nope"}),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["wasReferred"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_upgrades_a_guest_and_extends_its_session() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let reply = server
        .post(
            "/auth/link",
            json!({"sessionToken": token, "email": " Ann@Example.COM ", "password": "hunter22"}),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"success": true, "accountType": "permanent"})
    );
    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.body["accountType"], "permanent");
    assert_eq!(me.body["email"], "ann@example.com", "emails are normalised");
    // The linked session now lives 30 days, not the guest's 7.
    server.clock.advance(Duration::from_secs(8 * 86_400));
    assert_eq!(server.get("/user/me", Some(&token)).await.status, 200);
    server.clock.advance(Duration::from_secs(23 * 86_400));
    assert_error(
        &server.get("/user/me", Some(&token)).await,
        401,
        "Invalid or expired session",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_errors() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    let (_, token) = server.guest("Ann").await;
    let (_, other) = server
        .permanent("Bob", "bob@example.com", "password1")
        .await;
    let required = "Session token, email, and password are required";
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases = [
        (
            json!({"email": "a@b.co", "password": "password1"}),
            400,
            required,
        ),
        (
            json!({"sessionToken": token, "password": "password1"}),
            400,
            required,
        ),
        (
            json!({"sessionToken": token, "email": "a@b.co"}),
            400,
            required,
        ),
        (
            json!({"sessionToken": token, "email": "a@b.co", "password": ""}),
            400,
            required,
        ),
        (
            json!({"sessionToken": token, "email": 5, "password": "password1"}),
            400,
            "email must be a string",
        ),
        (
            json!({"sessionToken": token, "email": "a@b.co", "password": ["x"]}),
            400,
            "password must be a string",
        ),
        (
            json!({"sessionToken": token, "email": "not-an-email", "password": "password1"}),
            400,
            "Invalid email address",
        ),
        (
            json!({"sessionToken": token, "email": "a@b.co", "password": "short"}),
            400,
            "Password must be at least 8 characters",
        ),
        (
            json!({"sessionToken": unknown, "email": "a@b.co", "password": "password1"}),
            401,
            "Invalid or expired session",
        ),
        (
            json!({"sessionToken": "garbage", "email": "a@b.co", "password": "password1"}),
            401,
            "Invalid or expired session",
        ),
        (
            json!({"sessionToken": token, "email": "BOB@example.com", "password": "password1"}),
            409,
            "Email already registered",
        ),
        (
            json!({"sessionToken": other, "email": "new@example.com", "password": "password1"}),
            409,
            "Account is already permanent",
        ),
    ];
    for (body, status, message) in cases {
        assert_error(
            &server.post("/auth/link", body, None).await,
            status,
            message,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_enforces_a_single_session() {
    let server = TestServer::start().await;
    let (user_id, first) = server
        .permanent("Ann", "ann@example.com", "password1")
        .await;

    let reply = server.login("ANN@example.com", "password1").await;
    assert_eq!(reply.status, 200);
    let body = &reply.body;
    assert_eq!(
        keys(body),
        [
            "accountType",
            "invalidatedCount",
            "sessionInvalidated",
            "sessionToken",
            "user",
            "userId"
        ]
    );
    assert_eq!(body["userId"], user_id);
    assert_eq!(body["accountType"], "permanent");
    assert_eq!(body["sessionInvalidated"], true);
    assert_eq!(body["invalidatedCount"], 1);
    assert_eq!(
        body["user"],
        json!({"name": "Ann", "email": "ann@example.com"})
    );
    let second = body["sessionToken"].as_str().unwrap().to_owned();

    let old = server.get("/user/me", Some(&first)).await;
    assert_error(&old, 401, "Session invalidated");
    assert_eq!(old.body["sessionInvalidated"], true);
    assert_eq!(server.get("/user/me", Some(&second)).await.status, 200);

    // Invalidated sessions are refused by /auth/link too (a fix).
    let link = server
        .post(
            "/auth/link",
            json!({"sessionToken": first, "email": "x@y.zz", "password": "password1"}),
            None,
        )
        .await;
    assert_error(&link, 401, "Session invalidated");

    let third = server.login("ann@example.com", "password1").await;
    assert_eq!(
        third.body["invalidatedCount"], 1,
        "only the active session counts"
    );
    assert_error(
        &server.get("/user/me", Some(&second)).await,
        401,
        "Session invalidated",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    let required = "Email and password are required";
    let cases = [
        (json!({}), 400, required),
        (json!({"email": "ann@example.com"}), 400, required),
        (json!({"password": "password1"}), 400, required),
        (
            json!({"email": 1, "password": "password1"}),
            400,
            "email must be a string",
        ),
        (
            json!({"email": "ann@example.com", "password": false}),
            400,
            "password must be a string",
        ),
        (
            json!({"email": "nobody@example.com", "password": "password1"}),
            401,
            "Invalid credentials - No account found with this email",
        ),
        (
            json!({"email": "ann@example.com", "password": "wrong-password"}),
            401,
            "Invalid credentials",
        ),
    ];
    for (body, status, message) in cases {
        assert_error(
            &server.post("/auth/login", body, None).await,
            status,
            message,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refuses_guests_with_an_email_and_banned_users() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    let (guest_id, _) = server.guest("Gus").await;
    edit_user(&server, &guest_id, |u| {
        u.email = Some("gus@example.com".into())
    })
    .await;
    assert_error(
        &server.login("gus@example.com", "password1").await,
        401,
        "This account is not permanent. Please sign up as a guest first, then link your email and password in Settings.",
    );

    let (user_id, token) = server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    edit_user(&server, &user_id, |u| u.ban_status = BanStatus::Temporary).await;
    let reply = server.login("ann@example.com", "password1").await;
    assert_error(&reply, 403, "Account suspended");
    assert_eq!(reply.body["banned"], true);
    assert_eq!(reply.body["banStatus"], "temporary");
    assert_eq!(
        reply.body["message"],
        "Your account has been temporarily suspended pending review."
    );
    // Bans are enforced on every authenticated route, even for an existing session (a fix).
    let me = server.get("/user/me", Some(&token)).await;
    assert_error(&me, 403, "Account suspended");
    assert_eq!(me.body["banned"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bcrypt_passwords_verify_and_are_upgraded_to_argon2id() {
    let server = TestServer::start().await;
    let (user_id, _) = server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    let legacy = bcrypt::hash("old-password", 4).unwrap();
    edit_user(&server, &user_id, move |u| u.password_hash = Some(legacy)).await;

    let reply = server.login("ann@example.com", "old-password").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = parse_id(&user_id).unwrap();
    let stored = server
        .running()
        .internals()
        .store()
        .read()
        .unwrap()
        .user(&id)
        .unwrap()
        .unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "re-hashed on login: {hash}");
    assert_eq!(
        server.login("ann@example.com", "old-password").await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    let (_, token) = server.guest("Ann").await;
    assert_error(
        &server.post("/auth/logout", json!({}), None).await,
        401,
        "Authorization required",
    );
    let reply = server.post("/auth/logout", json!({}), Some(&token)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"success": true}));
    assert_error(
        &server.get("/user/me", Some(&token)).await,
        401,
        "Invalid or expired session",
    );
    assert_error(
        &server.post("/auth/logout", json!({}), Some(&token)).await,
        401,
        "Invalid or expired session",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_sessions_expire_after_seven_days_and_are_purged() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    server.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    assert_eq!(server.get("/user/me", Some(&token)).await.status, 200);
    server.clock.advance(Duration::from_secs(1));
    assert_error(
        &server.get("/user/me", Some(&token)).await,
        401,
        "Invalid or expired session",
    );

    // The periodic cleanup deletes expired sessions from the store.
    let (_, other) = server.guest("Bob").await;
    server.clock.advance(Duration::from_secs(8 * 86_400));
    server.running().internals().run_cleanup().await;
    let health = server.get("/health", None).await;
    assert_eq!(health.body["store"]["sessions"], 0);
    assert_error(
        &server.get("/user/me", Some(&other)).await,
        401,
        "Invalid or expired session",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_tokens_work_like_bearer_tokens() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let reply = server
        .send(
            reqwest::Method::GET,
            "/user/me",
            None,
            None,
            &[("authorization", &token)],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_error(
        &server.get("/user/me", None).await,
        401,
        "Authorization required",
    );
    assert_error(
        &server.get("/user/me", Some("not-a-token")).await,
        401,
        "Invalid or expired session",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_and_login_record_the_client_address() {
    let server = TestServer::start_with(|c| c.limits.auth_rate_limit = 1000).await;
    let (user, _) = server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    let id = parse_id(&user).unwrap();
    let recorded = || {
        let reader = server.running().internals().store().read().unwrap();
        let record = reader.user_ips(&id).unwrap().expect("a record");
        let seen = record.addresses.into_iter();
        seen.map(|a| (a.ip, a.last_seen_at)).collect::<Vec<_>>()
    };
    let signed_up_at = server.clock.now_ms();
    assert_eq!(recorded(), vec![("127.0.0.1".to_owned(), signed_up_at)]);
    // Within the refresh window the same latest address is not rewritten...
    server.clock.advance(Duration::from_secs(60));
    assert_eq!(
        server.login("ann@example.com", "password1").await.status,
        200
    );
    assert_eq!(recorded(), vec![("127.0.0.1".to_owned(), signed_up_at)]);
    // ...after it, it is: seen later, not twice.
    let refresh = napalmsky::store::records::SIGHTING_REFRESH_MS;
    server.clock.advance(Duration::from_millis(refresh as u64));
    assert_eq!(
        server.login("ann@example.com", "password1").await.status,
        200
    );
    assert_eq!(
        recorded(),
        vec![("127.0.0.1".to_owned(), signed_up_at + 60_000 + refresh)],
        "the same address again: seen later, not twice"
    );
}
