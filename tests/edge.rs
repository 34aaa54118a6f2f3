//! The edge: top-level routes, /health, unknown routes, CORS, security headers, rate limits
//! and the client IP behind trusted proxies.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{T0, TestServer, assert_error, keys};
use reqwest::Method;
use serde_json::json;

const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(self), microphone=(self), geolocation=(), payment=()",
    ),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
];

fn assert_security_headers(reply: &common::Reply) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(reply.headers[name], value, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_and_live_stats() {
    let server = TestServer::start().await;
    let root = server.get("/", None).await;
    assert_eq!(root.status, 200);
    assert_eq!(
        keys(&root.body),
        [
            "databases",
            "endpoints",
            "environment",
            "message",
            "name",
            "status",
            "timestamp",
            "version"
        ]
    );
    assert_eq!(root.body["name"], "Napalm Sky API");
    assert_eq!(root.body["status"], "running");
    assert_eq!(root.body["timestamp"], T0);
    assert_eq!(root.body["environment"], "development");
    assert_eq!(root.body["endpoints"]["matchmaking"], "/room/queue");
    assert_eq!(
        root.body["databases"],
        json!({"postgresql": "not configured", "redis": "not configured"})
    );
    assert_eq!(
        root.body["message"],
        "Napalm Sky Backend API - For frontend integration only"
    );

    let live = server.get("/stats/live", None).await;
    assert_eq!(live.body, json!({"onlineUsers": 0, "timestamp": T0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_live_counts_a_new_socket_at_once_not_at_the_next_tick() {
    // A presence tick far away: only an exact count can see the user in time.
    let server =
        TestServer::start_with(|c| c.realtime.presence_interval = Duration::from_secs(3600)).await;
    let online = || async { server.get("/stats/live", None).await.body["onlineUsers"].clone() };
    assert_eq!(online().await, 0);
    let (mut ws, _) = common::ws::authenticated(&server).await;
    assert_eq!(online().await, 1, "counted as auth:success is sent");
    common::ws::send(&mut ws, "42[\"presence:leave\"]").await;
    common::wait_until(5, "presence:leave to be counted", || async {
        online().await == 0
    })
    .await;
    common::ws::send(&mut ws, "42[\"presence:join\"]").await;
    common::wait_until(5, "presence:join to be counted", || async {
        online().await == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_has_the_original_shape_and_real_store_numbers() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    server.guest("Bob").await;
    server.get("/user/me", Some(&token)).await;
    server.get("/user/me", Some(&token)).await;

    let health = server.get("/health", None).await;
    assert_eq!(health.status, 200);
    let body = &health.body;
    assert_eq!(
        keys(body),
        [
            "cache",
            "connections",
            "memory",
            "realtime",
            "scalability",
            "status",
            "store",
            "sync",
            "timestamp"
        ]
    );
    assert_eq!(body["status"], "ok");
    assert_eq!(
        body["realtime"],
        json!({"onlineUsers": 0, "availableUsers": 0, "pendingInvites": 0, "rooms": 0, "pollingSessions": 0})
    );
    assert_eq!(body["timestamp"], T0);
    for field in ["heapUsed", "heapTotal", "rss"] {
        let text = body["memory"][field].as_str().unwrap();
        assert!(text.ends_with(" MB"), "{field}: {text}");
        assert!(
            text.trim_end_matches(" MB").parse::<f64>().unwrap() > 0.0,
            "{field}: {text}"
        );
    }
    assert!(body["memory"]["usage"].as_str().unwrap().ends_with('%'));
    assert_eq!(
        body["connections"],
        json!({"users": 0, "total": 0, "avgPerUser": "0.00", "limit": 5000, "utilization": "0.0%"})
    );
    // Two /user/me reads of one session: the first misses both caches, the second hits both.
    let sessions = &body["cache"]["sessions"];
    assert_eq!(
        (sessions["hits"].as_u64(), sessions["misses"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(sessions["maxSize"], 1200);
    assert_eq!(sessions["hitRate"], "50.0%");
    let users = &body["cache"]["users"];
    assert_eq!(
        (users["hits"].as_u64(), users["misses"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(users["maxSize"], 800);
    assert_eq!(
        keys(&body["cache"]["queries"]),
        [
            "hitRate",
            "hits",
            "maxSize",
            "misses",
            "size",
            "totalQueries"
        ]
    );
    assert_eq!(body["store"]["users"], 2);
    assert_eq!(body["store"]["sessions"], 2);
    assert!(body["store"]["commits"].as_u64().unwrap() >= 1);
    // Two signups, plus the startup cleanup pass (a write that found nothing to purge).
    assert!(body["store"]["writes"].as_u64().unwrap() >= 2);
    // Each signup wrote a user, a session and the user's recorded address: six outbox
    // entries wait for the sync.
    assert_eq!(body["sync"]["outboxDepth"], 6);
    assert_eq!(body["sync"]["enabled"], false);
    assert_eq!(body["sync"]["oldestPendingAgeMs"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_are_json_404s_with_security_headers() {
    let server = TestServer::start().await;
    let reply = server.get("/nope", None).await;
    assert_error(&reply, 404, "Cannot GET /nope");
    assert_security_headers(&reply);
    let reply = server
        .send(Method::DELETE, "/user/me", None, None, &[])
        .await;
    assert_error(&reply, 404, "Cannot DELETE /user/me");
    // One trailing slash is tolerated like Express does.
    assert_eq!(server.get("/health/", None).await.status, 200);
    assert!(
        server
            .get("/health", None)
            .await
            .headers
            .get("strict-transport-security")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_only_when_enabled() {
    let server = TestServer::start_with(|c| c.net.hsts = true).await;
    let reply = server.get("/", None).await;
    assert_eq!(
        reply.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains; preload"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_listed_origins_and_refuses_others_with_json() {
    let server = TestServer::start_with(|c| {
        c.net.allowed_origins = vec![
            "https://napalmsky.com".into(),
            " http://localhost:3000".into(),
        ]
    })
    .await;
    let allowed = server
        .send(
            Method::GET,
            "/",
            None,
            None,
            &[("origin", "https://napalmsky.com")],
        )
        .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://napalmsky.com"
    );
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    assert_eq!(allowed.headers["vary"], "Origin");
    // Listed origins are trimmed (the original did not trim).
    let trimmed = server
        .send(
            Method::GET,
            "/",
            None,
            None,
            &[("origin", "http://localhost:3000")],
        )
        .await;
    assert_eq!(
        trimmed.headers["access-control-allow-origin"],
        "http://localhost:3000"
    );

    let denied = server
        .send(
            Method::GET,
            "/",
            None,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_error(&denied, 403, "Not allowed by CORS");
    assert!(denied.headers.get("access-control-allow-origin").is_none());
    assert_security_headers(&denied);

    let preflight = server
        .send(
            Method::OPTIONS,
            "/auth/login",
            None,
            None,
            &[
                ("origin", "https://napalmsky.com"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type,authorization",
                ),
            ],
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.headers["access-control-allow-methods"],
        "GET,HEAD,PUT,PATCH,POST,DELETE"
    );
    assert_eq!(
        preflight.headers["access-control-allow-headers"],
        "content-type,authorization"
    );
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "https://napalmsky.com"
    );

    let no_origin = server.get("/", None).await;
    assert_eq!(no_origin.status, 200);
    assert!(
        no_origin
            .headers
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_limiter_counts_failures_only_and_resets_after_its_window() {
    // The per-IP limiter is tested: the per-account limit (`bounded.rs`) is lifted.
    let server = TestServer::start_with(|c| c.accounts.login_failures_per_account = 100).await;
    server
        .permanent("Ann", "ann@example.com", "password1")
        .await;
    // Successful requests are not counted (skipSuccessfulRequests).
    for _ in 0..8 {
        assert_eq!(
            server.login("ann@example.com", "password1").await.status,
            200
        );
    }
    for attempt in 1..=6u32 {
        let reply = server.login("ann@example.com", "wrong-password").await;
        assert_error(&reply, 401, "Invalid credentials");
        assert_eq!(reply.headers["ratelimit-limit"], "6");
        assert_eq!(
            reply.headers["ratelimit-remaining"],
            (6 - attempt).to_string().as_str()
        );
        assert_eq!(reply.headers["ratelimit-policy"], "6;w=600");
        assert_eq!(reply.headers["ratelimit-reset"], "600");
    }
    let limited = server.login("ann@example.com", "password1").await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.body,
        json!({"error": "Too many login attempts", "message": "Please try again in 10 minutes", "retryAfter": 600})
    );
    assert_eq!(limited.headers["ratelimit-remaining"], "0");
    assert_eq!(limited.headers["retry-after"], "600");
    assert_security_headers(&limited);
    // Other route families have their own limiter.
    assert_eq!(server.get("/health", None).await.status, 200);

    server.clock.advance(Duration::from_secs(599));
    assert_eq!(
        server.login("ann@example.com", "password1").await.status,
        429
    );
    server.clock.advance(Duration::from_secs(1));
    assert_eq!(
        server.login("ann@example.com", "password1").await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_limiter_counts_every_request() {
    let server = TestServer::start_with(|c| c.limits.api_rate_limit = 3).await;
    let (_, token) = server.guest("Ann").await;
    for remaining in ["2", "1", "0"] {
        let reply = server.get("/user/me", Some(&token)).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["ratelimit-remaining"], remaining);
        assert_eq!(reply.headers["ratelimit-policy"], "3;w=60");
    }
    let limited = server.get("/user/me", Some(&token)).await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.body,
        json!({
            "error": "Too many requests",
            "message": "Rate limit exceeded. Please wait 1 minute.",
            "retryAfter": 60,
            "retryAfterMinutes": 1
        })
    );
    server.clock.advance(Duration::from_secs(60));
    assert_eq!(server.get("/user/me", Some(&token)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    // Not trusted: X-Forwarded-For is ignored, all requests share the peer's bucket.
    let server = TestServer::start_with(|c| c.limits.api_rate_limit = 2).await;
    let (_, token) = server.guest("Ann").await;
    for (ip, expected) in [("1.1.1.1", 200), ("2.2.2.2", 200), ("3.3.3.3", 429)] {
        let reply = server
            .send(
                Method::GET,
                "/user/me",
                Some(&token),
                None,
                &[("x-forwarded-for", ip)],
            )
            .await;
        assert_eq!(reply.status, expected, "{ip}");
    }

    // Trusted loopback proxy: each forwarded client has its own bucket.
    let server = TestServer::start_with(|c| {
        c.limits.api_rate_limit = 2;
        c.net.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let (_, token) = server.guest("Ann").await;
    for ip in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        for expected in [200, 200, 429] {
            let reply = server
                .send(
                    Method::GET,
                    "/user/me",
                    Some(&token),
                    None,
                    &[("x-forwarded-for", ip)],
                )
                .await;
            assert_eq!(reply.status, expected, "{ip}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_signups_are_limited_per_ip_even_when_they_succeed() {
    let server = TestServer::start_with(|c| c.limits.signup_rate_limit = 3).await;
    for _ in 0..3 {
        server.guest("Ann").await;
    }
    let limited = server
        .post(
            "/auth/guest",
            json!({"name": "Ann", "gender": "male"}),
            None,
        )
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.body,
        json!({"error": "Too many signups", "message": "Please try again in 10 minutes", "retryAfter": 600})
    );
    server.clock.advance(Duration::from_secs(600));
    server.guest("Ann").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_speak_prometheus_text() {
    let server = TestServer::start().await;
    server.guest("Ann").await;
    let response = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("\nnapalmsky_store_users 1\n"), "{text}");
    // A user, its session and its recorded address.
    assert!(text.contains("\nnapalmsky_outbox_depth 3\n"), "{text}");
    assert!(
        text.contains("# TYPE napalmsky_sync_rows_total counter"),
        "{text}"
    );
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, value) = line.split_once(' ').unwrap();
        assert!(name.starts_with("napalmsky_"), "{line}");
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}
