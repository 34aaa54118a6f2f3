//! The admin side of reports and bans end to end: who may use the admin routes (an admin
//! token or a granted user's session, nobody else), the pending list, all reports, stats,
//! reviews (durable across a restart) and the public blacklist.
#![allow(clippy::unwrap_used)]

mod common;

use common::proxied::{behind_proxy, guest_from, report_from, send_from};
use common::{T0, TestServer, assert_error, keys};
use napalmsky::accounts::PasswordHasher;
use reqwest::Method;
use serde_json::json;

const TARGET_IP: &str = "203.0.113.50";
const PASSWORD: &str = "admin password";

/// Four new reporters (from `198.51.100.<first>` on) report `target`; the last report bans.
async fn ban_by_reports(server: &TestServer, target: &str, first: u8) {
    for n in first..first + 4 {
        let ip = format!("198.51.100.{n}");
        let (_, token) = guest_from(server, &format!("Reporter {n}"), &ip).await;
        let body = json!({"reportedUserId": target, "reason": format!("reason {n}")});
        let reply = report_from(server, &ip, &token, body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        server.clock.advance(std::time::Duration::from_secs(1));
    }
}

async fn admin_token(server: &TestServer) -> String {
    let hasher = PasswordHasher::new(1, 64, 1).unwrap();
    let store = server.running().internals().store();
    napalmsky::admin::add_account(store, &hasher, "alice", PASSWORD.into(), T0)
        .await
        .unwrap();
    let body = json!({"username": "alice", "password": PASSWORD});
    let reply = server.post("/admin/login", body, None).await;
    reply.body["adminToken"].as_str().unwrap().to_owned()
}

/// A permanent user the operator granted admin rights; returns (userId, token).
async fn granted_user(server: &TestServer) -> (String, String) {
    let (id, token) = server
        .permanent("Operator", "ops@example.com", "password1")
        .await;
    let store = server.running().internals().store();
    napalmsky::admin::grant_user(store, "ops@example.com", "test".into(), T0)
        .await
        .unwrap();
    (id, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_routes_take_an_admin_token_or_a_granted_user_and_nobody_else() {
    let server = TestServer::start_with(behind_proxy).await;
    let admin = admin_token(&server).await;
    let (_, operator) = granted_user(&server).await;
    let (_, plain) = server.guest("Plain").await;
    let review = json!({"decision": "permanent"});
    let routes = [
        (Method::GET, "/report/pending"),
        (Method::GET, "/report/all"),
        (Method::GET, "/report/stats"),
        (
            Method::POST,
            "/report/review/00000000-0000-4000-8000-000000000000",
        ),
    ];
    for (method, path) in routes {
        let body = Some(review.to_string().into_bytes());
        let none = server
            .send(method.clone(), path, None, body.clone(), &[])
            .await;
        assert_error(&none, 401, "Admin authorization required");
        let user = server
            .send(method.clone(), path, Some(&plain), body.clone(), &[])
            .await;
        assert_error(&user, 403, "Admin access required");
        let forged = server
            .send(method.clone(), path, Some("nonsense"), body.clone(), &[])
            .await;
        assert_error(&forged, 401, "Admin authorization required");
        for token in [&admin, &operator] {
            let reply = server
                .send(method.clone(), path, Some(token), body.clone(), &[])
                .await;
            let expected = if method == Method::POST { 404 } else { 200 };
            assert_eq!(reply.status.as_u16(), expected, "{path}: {}", reply.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_is_listed_reviewed_durably_and_blacklisted() {
    let server = TestServer::start_with(behind_proxy).await;
    let admin = admin_token(&server).await;
    let (operator_id, operator) = granted_user(&server).await;
    let (target, target_token) = guest_from(&server, "Target", TARGET_IP).await;
    ban_by_reports(&server, &target, 1).await;

    let pending = server.get("/report/pending", Some(&admin)).await;
    assert_eq!(pending.body["count"], 1);
    let item = &pending.body["pending"][0];
    assert_eq!(
        keys(item),
        [
            "banStatus",
            "bannedAt",
            "bannedReason",
            "ipAddresses",
            "reportCount",
            "reports",
            "reviewStatus",
            "reviewedAt",
            "reviewedBy",
            "userId",
            "userName",
            "userSelfie",
            "userVideo"
        ]
    );
    assert_eq!(item["userId"], target);
    assert_eq!(item["banStatus"], "temporary");
    assert_eq!(item["reviewStatus"], "pending");
    assert_eq!(item["ipAddresses"], json!([TARGET_IP]));
    let reports = item["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 4);
    assert_eq!(
        keys(&reports[0]),
        [
            "reason",
            "reportId",
            "reportedUserId",
            "reportedUserName",
            "reportedUserSelfie",
            "reportedUserVideo",
            "reporterIp",
            "reporterName",
            "reporterUserId",
            "roomId",
            "timestamp"
        ]
    );
    assert_eq!(reports[0]["reason"], "reason 1");
    assert_eq!(reports[0]["reporterIp"], "198.51.100.1");

    let all = server.get("/report/all", Some(&admin)).await;
    assert_eq!(all.body["count"], 4);
    assert_eq!(all.body["reports"][0]["reason"], "reason 4", "newest first");
    let stats = server.get("/report/stats", Some(&admin)).await;
    assert_eq!(
        stats.body,
        json!({"totalReports": 4, "totalBans": 1, "pendingReviews": 1, "permanentBans": 0,
               "temporaryBans": 1, "vindicated": 0})
    );

    let path = format!("/report/review/{target}");
    let bad = server
        .post(&path, json!({"decision": "maybe"}), Some(&admin))
        .await;
    assert_error(
        &bad,
        400,
        r#"Invalid decision. Must be "permanent" or "vindicated""#,
    );
    let vindicated = server
        .post(&path, json!({"decision": "vindicated"}), Some(&admin))
        .await;
    assert_eq!(
        vindicated.body,
        json!({"success": true, "userId": target, "decision": "vindicated",
               "message": "User vindicated and ban lifted"})
    );
    assert_eq!(
        server.get("/user/me", Some(&target_token)).await.status,
        200
    );
    let health = send_from(&server, TARGET_IP, Method::GET, "/health", None, None).await;
    assert_eq!(health.status, 200, "the address ban is lifted with the ban");
    let record = server.get("/report/check-ban", Some(&target_token)).await;
    assert_eq!(record.body["isBanned"], false);
    assert_eq!(record.body["banRecord"]["reviewedBy"], "alice");
    assert_eq!(
        record.body["banRecord"]["reviewStatus"],
        "reviewed_vindicate"
    );

    // Reported again by four others, and this time banned for good by the granted user.
    ban_by_reports(&server, &target, 11).await;
    let permanent = server
        .post(&path, json!({"decision": "permanent"}), Some(&operator))
        .await;
    assert_eq!(
        permanent.body["message"],
        "User permanently banned and added to blacklist"
    );
    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, behind_proxy).await;

    assert_error(
        &server.get("/user/me", Some(&target_token)).await,
        403,
        "Account suspended",
    );
    let refused = send_from(&server, TARGET_IP, Method::GET, "/health", None, None).await;
    assert_error(&refused, 403, "Access denied");
    let record = server.get("/report/check-ban", Some(&target_token)).await;
    assert_eq!(record.body["banStatus"], "permanent");
    assert_eq!(record.body["banRecord"]["reviewedBy"], operator_id);
    let blacklist = server.get("/report/blacklist", None).await;
    assert_eq!(blacklist.body["count"], 1);
    assert_eq!(
        keys(&blacklist.body["blacklist"][0]),
        [
            "bannedAt",
            "bannedReason",
            "reportCount",
            "userName",
            "userSelfie",
            "userVideo"
        ]
    );
    assert_eq!(blacklist.body["blacklist"][0]["userName"], "Target");
    assert!(blacklist.body["lastUpdated"].is_i64());
}
