//! `/room/*` over HTTP: the paywall guard, the queue served from memory (cap, self excluded,
//! cooldown marks), the reel (no repeats per cursor, limit bounds), history and `/room/me`.
#![allow(clippy::unwrap_used)]

mod common;

use common::ws::{Ws, authenticate_as, authenticated, expect, send};
use common::{TestServer, assert_error};
use napalmsky::config::Paywall;
use serde_json::{Value, json};

/// A connected user that joined presence and the queue; returns (socket, userId).
async fn available(server: &TestServer) -> (Ws, String) {
    let (mut ws, user_id) = authenticated(server).await;
    send(&mut ws, r#"42["presence:join"]"#).await;
    send(&mut ws, r#"421["queue:join"]"#).await;
    expect(&mut ws, "431").await;
    (ws, user_id)
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_and_reel_need_payment_unless_the_paywall_is_off() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    for path in ["/room/queue", "/room/reel"] {
        let reply = server.get(path, Some(&token)).await;
        assert_error(&reply, 402, "Payment required");
        assert_eq!(reply.body["requiresPayment"], true);
        assert_eq!(
            reply.body["message"],
            "Please complete payment or use an invite code to access this feature"
        );
        assert_error(&server.get(path, None).await, 401, "Authorization required");
    }
    let free = TestServer::start_with(|c| c.rules.paywall = Paywall::Off).await;
    let (_, token) = free.guest("Ann").await;
    let queue = free.get("/room/queue", Some(&token)).await;
    assert_eq!(queue.status, 200);
    assert_eq!(queue.body, json!({"users": [], "totalAvailable": 0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_lists_available_users_capped_and_without_the_caller() {
    let server = TestServer::start_with(|c| {
        c.rules.paywall = Paywall::Off;
        c.rules.queue_max_results = 3;
    })
    .await;
    let mut sockets = Vec::new();
    let mut users = Vec::new();
    for _ in 0..5 {
        let (ws, id) = available(&server).await;
        sockets.push(ws);
        users.push(id);
    }
    let (_, token) = server.guest("Watcher").await;
    let queue = server.get("/room/queue", Some(&token)).await;
    assert_eq!(queue.status, 200);
    assert_eq!(queue.body["totalAvailable"], 5);
    assert_eq!(queue.body["users"].as_array().unwrap().len(), 3, "capped");
    assert!(
        ids(&queue.body["users"])
            .iter()
            .all(|id| users.contains(id)),
        "only available users are listed"
    );
    let item = &queue.body["users"][0];
    assert_eq!(
        common::keys(item),
        [
            "cooldownExpiry",
            "gender",
            "hasCooldown",
            "introducedBy",
            "name",
            "userId",
            "wasIntroducedToMe"
        ]
    );
    // An available user does not see themselves, but is counted for the others.
    let (me, my_token) = server.guest("Me").await;
    let mut ws = authenticate_as(&server, &my_token).await;
    send(&mut ws, r#"421["queue:join"]"#).await;
    expect(&mut ws, "431").await;
    let mine = server.get("/room/queue", Some(&my_token)).await;
    assert_eq!(mine.body["totalAvailable"], 5);
    assert!(!ids(&mine.body["users"]).contains(&me));
    let theirs = server.get("/room/queue", Some(&token)).await;
    assert_eq!(theirs.body["totalAvailable"], 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reel_never_repeats_within_a_cursor_and_bounds_its_limit() {
    let server = TestServer::start_with(|c| c.rules.paywall = Paywall::Off).await;
    let mut sockets = Vec::new();
    let mut users = Vec::new();
    for _ in 0..5 {
        let (ws, id) = available(&server).await;
        sockets.push(ws);
        users.push(id);
    }
    users.sort();
    let (_, token) = server.guest("Watcher").await;
    let first = server.get("/room/reel?limit=2", Some(&token)).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(first.body["hasMore"], true);
    let cursor = first.body["cursor"].as_str().unwrap().to_owned();
    let second = server
        .get(&format!("/room/reel?limit=2&cursor={cursor}"), Some(&token))
        .await;
    let third = server
        .get(&format!("/room/reel?limit=2&cursor={cursor}"), Some(&token))
        .await;
    assert_eq!(third.body["hasMore"], false);
    let mut seen = ids(&first.body["items"]);
    seen.extend(ids(&second.body["items"]));
    seen.extend(ids(&third.body["items"]));
    seen.sort();
    assert_eq!(seen, users, "every available user exactly once");
    let done = server
        .get(&format!("/room/reel?cursor={cursor}"), Some(&token))
        .await;
    assert_eq!(done.body["items"], json!([]));
    // A huge or broken limit is bounded, not trusted.
    for limit in ["100000", "-5", "abc"] {
        let reply = server
            .get(&format!("/room/reel?limit={limit}"), Some(&token))
            .await;
        assert_eq!(reply.status, 200);
        assert!(reply.body["items"].as_array().unwrap().len() <= 100);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_me_start_empty() {
    let server = TestServer::start().await;
    let (user_id, token) = server.guest("Ann").await;
    let history = server.get("/room/history", Some(&token)).await;
    assert_eq!(history.body, json!({"history": []}));
    let me = server.get("/room/me", Some(&token)).await;
    assert_eq!(
        me.body,
        json!({"userId": user_id, "name": "Ann", "timerTotal": 0})
    );
    assert_error(
        &server.get("/room/history", None).await,
        401,
        "Authorization required",
    );
}
