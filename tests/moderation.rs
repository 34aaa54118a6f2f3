//! Reports and bans end to end: `POST /report/user` and its errors, the auto-ban at four
//! distinct reporters, the ban reaching an open socket, the IP-ban gate (and the addresses it
//! spares), the public checks, the queue leaving out reported users, bans across a restart,
//! and `X-Forwarded-For` from peers that are not trusted proxies.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::proxied::{behind_proxy, guest_from, report_from, send_from};
use common::ws::{
    Ws, auth_event_as, authenticate_as, connect, expect, expect_closed, expect_next, send,
};
use common::{Reply, TestServer, assert_error, keys};
use napalmsky::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

const TARGET_IP: &str = "203.0.113.50";

/// Four reporters, each from its own address.
async fn reporters(server: &TestServer) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for n in 1..=4 {
        let ip = format!("198.51.100.{n}");
        let (id, token) = guest_from(server, &format!("Reporter {n}"), &ip).await;
        found.push((id, token, ip));
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_checked_stored_once_and_answered_like_the_original() {
    let server = TestServer::start_with(behind_proxy).await;
    let (me, token) = guest_from(&server, "Reporter", "198.51.100.1").await;
    let (target, _) = guest_from(&server, "Target", TARGET_IP).await;
    let ip = "198.51.100.1";

    let none = send_from(
        &server,
        ip,
        Method::POST,
        "/report/user",
        None,
        Some(json!({})),
    )
    .await;
    assert_error(&none, 401, "Authorization required");
    let missing = report_from(&server, ip, &token, json!({"reason": "x"})).await;
    assert_error(&missing, 400, "reportedUserId is required");
    let mistyped = report_from(&server, ip, &token, json!({"reportedUserId": 7})).await;
    assert_error(&mistyped, 400, "reportedUserId is required");
    let myself = report_from(&server, ip, &token, json!({"reportedUserId": me})).await;
    assert_error(&myself, 400, "Cannot report yourself");
    let nobody = json!({"reportedUserId": "00000000-0000-4000-8000-000000000000"});
    assert_error(
        &report_from(&server, ip, &token, nobody).await,
        404,
        "User not found",
    );
    let garbage = json!({"reportedUserId": "not-an-id"});
    assert_error(
        &report_from(&server, ip, &token, garbage).await,
        404,
        "User not found",
    );

    let body = json!({"reportedUserId": target, "reason": "rude", "roomId": "r-1"});
    let filed = report_from(&server, ip, &token, body.clone()).await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert_eq!(
        keys(&filed.body),
        ["message", "reportCount", "reportId", "success"]
    );
    assert_eq!(filed.body["success"], true);
    assert_eq!(filed.body["reportCount"], 1);
    assert_eq!(filed.body["message"], "Report submitted successfully.");
    assert!(uuid::Uuid::parse_str(filed.body["reportId"].as_str().unwrap()).is_ok());

    let again = report_from(&server, ip, &token, body).await;
    assert_error(&again, 400, "You have already reported this user");
    assert_eq!(again.body["alreadyReported"], true);

    let reader = server.running().internals().store().read().unwrap();
    let target_id = napalmsky::accounts::parse_id(&target).unwrap();
    let reports = reader.reports_on(&target_id).unwrap();
    assert_eq!(reports.len(), 1, "one report per pair");
    let report = &reports[0];
    assert_eq!(report.reason, "rude");
    assert_eq!(report.reporter_ip.as_deref(), Some(ip));
    assert_eq!(report.reported_user_name, "Target");
    assert_eq!(report.reporter_name, "Reporter");
    assert_eq!(report.room_id, None, "not a room id: not kept");
    assert_eq!(report.created_at, common::T0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_limited_per_address() {
    let server = TestServer::start_with(|c| {
        behind_proxy(c);
        c.limits.report_rate_limit = 3;
    })
    .await;
    let (_, token) = guest_from(&server, "Reporter", "198.51.100.1").await;
    let check_ban = || {
        let token = token.clone();
        let server = &server;
        async move {
            let path = "/report/check-ban";
            send_from(
                server,
                "198.51.100.1",
                Method::GET,
                path,
                Some(&token),
                None,
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(check_ban().await.status, 200);
    }
    let limited = check_ban().await;
    assert_error(&limited, 429, "Too many reports");
    assert_eq!(
        limited.body["message"],
        "Please wait before submitting another report"
    );
    let elsewhere = send_from(
        &server,
        "198.51.100.2",
        Method::GET,
        "/report/blacklist",
        None,
        None,
    )
    .await;
    assert_eq!(elsewhere.status, 200, "another address has its own count");
}

/// The target's socket, authenticated over a direct connection (from 127.0.0.1).
async fn open_socket(server: &TestServer, token: &str) -> Ws {
    authenticate_as(server, token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_reporters_ban_the_user_everywhere_at_once_and_after_a_restart() {
    let server = TestServer::start_with(behind_proxy).await;
    let (target, target_token) = guest_from(&server, "Target", TARGET_IP).await;
    let reporters = reporters(&server).await;
    // Both the target and the first reporter connect their sockets directly, so 127.0.0.1 is
    // recorded for both: an address another (unbanned) user uses is not IP-banned.
    let mut target_socket = open_socket(&server, &target_token).await;
    let _reporter_socket = open_socket(&server, &reporters[0].1).await;
    let store = server.running().internals().store().clone();
    let target_id = napalmsky::accounts::parse_id(&target).unwrap();
    common::wait_until(5, "the sockets' address recorded", || {
        let store = store.clone();
        async move {
            let ips = store.read().unwrap().user_ips(&target_id).unwrap();
            ips.is_some_and(|r| r.addresses.iter().any(|a| a.ip == "127.0.0.1"))
        }
    })
    .await;

    for (n, (_, token, ip)) in reporters.iter().take(3).enumerate() {
        let reply = report_from(&server, ip, token, json!({"reportedUserId": target})).await;
        assert_eq!(reply.body["reportCount"], n + 1);
        assert!(reply.body.get("autoBanned").is_none());
    }
    let (_, token, ip) = &reporters[3];
    let banned_at = Instant::now();
    let fourth = report_from(&server, ip, token, json!({"reportedUserId": target})).await;
    assert_eq!(fourth.status, 200, "{}", fourth.body);
    assert_eq!(
        keys(&fourth.body),
        [
            "autoBanned",
            "message",
            "reportCount",
            "reportId",
            "success"
        ]
    );
    assert_eq!(fourth.body["autoBanned"], true);
    assert_eq!(fourth.body["reportCount"], 4);
    assert_eq!(
        fourth.body["message"],
        "Report submitted. User has been temporarily banned pending review."
    );

    // Pushed to the open socket, which is then closed.
    let notice = expect(&mut target_socket, "42[\"auth:banned\"").await;
    assert!(
        banned_at.elapsed() < Duration::from_secs(1),
        "the ban reached the socket in {:?}",
        banned_at.elapsed()
    );
    let payload: Value = serde_json::from_str(&notice[2..]).unwrap();
    assert_eq!(
        payload[1],
        json!({"message": "Your account has been suspended.", "banned": true})
    );
    expect_closed(&mut target_socket).await;

    assert_banned_everywhere(&server, &target_token).await;
    drop(store);
    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, behind_proxy).await;
    assert_banned_everywhere(&server, &target_token).await;
}

async fn assert_banned_everywhere(server: &TestServer, target_token: &str) {
    let me = server.get("/user/me", Some(target_token)).await;
    assert_error(&me, 403, "Account suspended");
    assert_eq!(me.body["banned"], true);
    let queue = server.get("/room/queue", Some(target_token)).await;
    assert_error(&queue, 403, "Account suspended");

    // The target's own address is refused on every route, even the public ones.
    for path in ["/health", "/report/blacklist", "/user/me"] {
        let refused = send_from(server, TARGET_IP, Method::GET, path, None, None).await;
        assert_error(&refused, 403, "Access denied");
        assert_eq!(refused.body["banned"], true);
        assert_eq!(
            refused.body["message"],
            "Your IP address has been banned from accessing this service."
        );
        assert_eq!(refused.body["reason"], "Auto-banned: 4 reports received");
    }
    // 127.0.0.1 was shared with a reporter: spared. The reporters' addresses are untouched.
    assert_eq!(server.get("/health", None).await.status, 200);
    let reporter = send_from(server, "198.51.100.1", Method::GET, "/health", None, None).await;
    assert_eq!(reporter.status, 200);

    let checked = server
        .get(&format!("/report/check-ip/{TARGET_IP}"), None)
        .await;
    assert_eq!(checked.status, 200);
    assert_eq!(checked.body["isBanned"], true);
    assert_eq!(
        keys(&checked.body["ipBan"]),
        ["bannedAt", "ipAddress", "reason"]
    );
    assert_eq!(checked.body["ipBan"]["ipAddress"], TARGET_IP);
    let spared = server.get("/report/check-ip/127.0.0.1", None).await;
    assert_eq!(spared.body, json!({"isBanned": false, "ipBan": null}));

    // The banned user can still learn of the ban (the original could never say so).
    let check = server.get("/report/check-ban", Some(target_token)).await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert_eq!(check.body["isBanned"], true);
    assert_eq!(check.body["banStatus"], "temporary");
    let record = &check.body["banRecord"];
    assert_eq!(record["banStatus"], "temporary");
    assert_eq!(record["reviewStatus"], "pending");
    assert_eq!(record["reportCount"], 4);
    assert_eq!(record["bannedReason"], "Auto-banned: 4 reports received");
    assert_eq!(record["userName"], "Target");
    let recorded = record["ipAddresses"].as_array().unwrap();
    assert!(recorded.contains(&json!(TARGET_IP)) && recorded.contains(&json!("127.0.0.1")));

    // A new socket with the banned token is refused at the handshake, and by `auth`.
    let mut ws = connect(server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, &format!("40{}", json!({"token": target_token}))).await;
    expect_next(&mut ws, "44{\"message\":\"Account suspended\"}").await;
    let mut ws = auth_event_as(server, target_token).await;
    expect(&mut ws, "42[\"auth:banned\"").await;
    expect_closed(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_a_caller_reported_is_left_out_of_their_queue_and_reel() {
    let server = TestServer::start_with(behind_proxy).await;
    let (a, a_token) = guest_from(&server, "Ann", "198.51.100.1").await;
    let (b, b_token) = guest_from(&server, "Bob", "198.51.100.2").await;
    let mut sockets = Vec::new();
    for token in [&a_token, &b_token] {
        let mut ws = open_socket(&server, token).await;
        send(&mut ws, r#"42["presence:join"]"#).await;
        send(&mut ws, r#"421["queue:join"]"#).await;
        expect(&mut ws, "431").await;
        sockets.push(ws);
    }
    let listed = |reply: &Reply, field: &str| -> Vec<String> {
        let items = reply.body[field].as_array().unwrap();
        items
            .iter()
            .map(|u| u["userId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        listed(&server.get("/room/queue", Some(&a_token)).await, "users"),
        std::slice::from_ref(&b)
    );

    let reply = report_from(
        &server,
        "198.51.100.1",
        &a_token,
        json!({"reportedUserId": b}),
    )
    .await;
    assert_eq!(reply.status, 200);
    let queue = server.get("/room/queue", Some(&a_token)).await;
    assert_eq!(listed(&queue, "users"), Vec::<String>::new());
    let reel = server.get("/room/reel", Some(&a_token)).await;
    assert_eq!(listed(&reel, "items"), Vec::<String>::new());
    // Only the reporter's view changes.
    let theirs = server.get("/room/queue", Some(&b_token)).await;
    assert_eq!(listed(&theirs, "users"), std::slice::from_ref(&a));
    let reel = server.get("/room/reel", Some(&b_token)).await;
    assert_eq!(listed(&reel, "items"), [a]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_from_an_untrusted_peer_neither_escapes_nor_aims_a_ban() {
    // 127.0.0.1 is not a trusted proxy here: its X-Forwarded-For is ignored.
    let untrusted = |c: &mut Config| {
        c.net.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    };
    let server = TestServer::start_with(untrusted).await;
    let (target, _) = guest_from(&server, "Target", "192.0.2.77").await;
    let reporters = reporters(&server).await;
    for (_, token, ip) in &reporters {
        let reply = report_from(&server, ip, token, json!({"reportedUserId": target})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let store = server.running().internals().store().clone();
    let target_id = napalmsky::accounts::parse_id(&target).unwrap();
    let record = store
        .read()
        .unwrap()
        .ban_record(&target_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        record.ip_addresses,
        ["127.0.0.1"],
        "the forged address was never recorded"
    );
    let forged = server.get("/report/check-ip/192.0.2.77", None).await;
    assert_eq!(
        forged.body["isBanned"], false,
        "nobody's address banned by a forged header"
    );
    assert_eq!(
        store.read().unwrap().ip_bans().unwrap(),
        vec![],
        "127.0.0.1 is the reporters' address too: spared"
    );

    // An IP-banned peer stays banned whatever X-Forwarded-For it sends.
    store
        .write(|tx| {
            let mut ban = napalmsky::store::records::IpBan {
                ip: "127.0.0.1".into(),
                banned_at: common::T0,
                user_id: None,
                reason: "test ban".into(),
                version: 0,
            };
            tx.put_ip_ban(&mut ban)
        })
        .await
        .unwrap();
    drop(store);
    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, untrusted).await;
    let escaped = send_from(
        &server,
        "198.51.100.200",
        Method::GET,
        "/health",
        None,
        None,
    )
    .await;
    assert_error(&escaped, 403, "Access denied");
    assert_eq!(escaped.body["reason"], "test ban");
}
