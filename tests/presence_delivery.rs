//! Presence delivery past the budget, through a real server: a socket gets the removal of a
//! user its last `/room/queue` page shows, not of one it does not, and at most one "became
//! available" hint per poll interval of the web client (timed by the manual clock). The rule's
//! every case is in `src/app/presence/delivery/tests.rs`; this checks the server wires it.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use common::ws::{Ws, authenticate_as, recv, send};
use serde_json::Value;

/// The next presence announcement `ws` receives, as (userId, available); pings and other
/// frames are skipped.
async fn next_announcement(ws: &mut Ws) -> (String, bool) {
    loop {
        let frame = recv(ws).await.expect("the socket stays open");
        let Some(body) = frame.strip_prefix("42") else {
            continue;
        };
        let event: Value = serde_json::from_str(body).unwrap();
        if event[0] == "presence:update" || event[0] == "queue:update" {
            let payload = &event[1];
            return (
                payload["userId"].as_str().unwrap().to_owned(),
                payload["available"].as_bool().unwrap(),
            );
        }
    }
}

/// Announcements until the first one about `user`, which is returned with those before it.
async fn until_about(ws: &mut Ws, user: &str) -> (bool, Vec<(String, bool)>) {
    let mut before = Vec::new();
    loop {
        let (about, available) = next_announcement(ws).await;
        if about == user {
            return (available, before);
        }
        before.push((about, available));
    }
}

struct Member {
    id: String,
    ws: Ws,
}

async fn member(server: &TestServer) -> Member {
    let (id, token) = server.guest("Listed").await;
    let mut ws = authenticate_as(server, &token).await;
    send(&mut ws, r#"42["queue:join"]"#).await;
    Member { id, ws }
}

async fn ticked(server: &TestServer) {
    let realtime = server.running().internals().realtime().clone();
    common::wait_until(5, "the presence tick", || {
        let realtime = realtime.clone();
        async move { !realtime.presence_pending() }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_budget_a_socket_gets_its_pages_removals_and_one_hint_per_interval() {
    let server = TestServer::start_with(|c| {
        c.rules.paywall = napalmsky::config::Paywall::Off;
        // Every tick is past the budget.
        c.realtime.presence_budget = 0;
        c.realtime.presence_interval = Duration::from_millis(50);
        // A page of two: the observer sees the two listed users after its own id.
        c.rules.queue_max_results = 2;
    })
    .await;
    let mut members = Vec::new();
    for _ in 0..4 {
        members.push(member(&server).await);
    }
    let (_, observer_token) = server.guest("Observer").await;
    let mut observer = authenticate_as(&server, &observer_token).await;
    ticked(&server).await;

    let page = server.get("/room/queue", Some(&observer_token)).await;
    let shown: Vec<String> = page.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(shown.len(), 2, "{:?}", page.body);
    let index = |id: &str| members.iter().position(|m| m.id == id).unwrap();
    let (a, b) = (index(&shown[0]), index(&shown[1]));
    let hidden = (0..4).find(|i| ![a, b].contains(i)).unwrap();

    // A user the page does not show leaves, then one it shows: only the second reaches the
    // observer (the first would have come first).
    send(&mut members[hidden].ws, r#"42["queue:leave"]"#).await;
    ticked(&server).await;
    send(&mut members[a].ws, r#"42["queue:leave"]"#).await;
    let a_id = members[a].id.clone();
    // (The setup may have hinted A's arrival to the observer: skip it.)
    let mut before = Vec::new();
    loop {
        let (available, earlier) = until_about(&mut observer, &a_id).await;
        before.extend(earlier);
        if !available {
            break;
        }
    }
    let hidden_id = &members[hidden].id;
    assert!(
        !before
            .iter()
            .any(|(user, avail)| user == hidden_id && !avail),
        "the removal of a user not on the page was sent: {before:?}"
    );

    // A comes back: a hint, once the poll interval since the setup's hint has passed.
    server.clock.advance(Duration::from_secs(5));
    send(&mut members[a].ws, r#"42["queue:join"]"#).await;
    assert!(until_about(&mut observer, &a_id).await.0, "the hint");

    // Leaves (sent) and comes back within the interval: no second hint.
    send(&mut members[a].ws, r#"42["queue:leave"]"#).await;
    assert!(!until_about(&mut observer, &a_id).await.0);
    send(&mut members[a].ws, r#"42["queue:join"]"#).await;
    ticked(&server).await;
    send(&mut members[a].ws, r#"42["queue:leave"]"#).await;
    assert!(
        !until_about(&mut observer, &a_id).await.0,
        "the arrival in between was not hinted"
    );

    // One poll interval later the next arrival is hinted again.
    server.clock.advance(Duration::from_secs(5));
    send(&mut members[a].ws, r#"42["queue:join"]"#).await;
    assert!(until_about(&mut observer, &a_id).await.0);
    drop(members.remove(b));
}
