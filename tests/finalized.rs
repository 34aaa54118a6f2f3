//! `session:finalized` only after the call is stored: a client that reads `/room/history`
//! the moment it arrives finds the call, for both participants, every time.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::ws::{authenticate_as, expect, send};
use serde_json::{Value, json};

fn payload(frame: &str) -> Value {
    let parts: Value = serde_json::from_str(frame.strip_prefix("42").unwrap()).unwrap();
    parts[1].clone()
}

async fn history_rooms(server: &TestServer, token: &str) -> Vec<String> {
    let history = server.get("/room/history", Some(token)).await;
    assert_eq!(history.status, 200);
    history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["roomId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_there_when_session_finalized_arrives() {
    let server = TestServer::start_with(|c| {
        c.rules.paywall = napalmsky::config::Paywall::Off;
        c.rules.min_history_call_seconds = 0;
    })
    .await;
    for round in 0..30 {
        let (_, caller_token) = server.guest(&format!("caller{round}")).await;
        let (callee_id, callee_token) = server.guest(&format!("callee{round}")).await;
        let mut caller = authenticate_as(&server, &caller_token).await;
        let mut callee = authenticate_as(&server, &callee_token).await;
        send(&mut callee, "421[\"queue:join\"]").await;
        expect(&mut callee, "431[]").await;
        let invite = json!(["call:invite", {"toUserId": callee_id, "requestedSeconds": 60}]);
        send(&mut caller, &format!("42{invite}")).await;
        let notify = payload(&expect(&mut callee, "42[\"call:notify\"").await);
        let accept =
            json!(["call:accept", {"inviteId": notify["inviteId"], "requestedSeconds": 60}]);
        send(&mut callee, &format!("42{accept}")).await;
        let start = payload(&expect(&mut caller, "42[\"call:start\"").await);
        let room = start["roomId"].as_str().unwrap().to_owned();
        // Alternate who ends the call.
        let end = format!("42{}", json!(["call:end", {"roomId": room}]));
        send(
            if round % 2 == 0 {
                &mut caller
            } else {
                &mut callee
            },
            &end,
        )
        .await;
        for (ws, token) in [(&mut caller, &caller_token), (&mut callee, &callee_token)] {
            expect(ws, "42[\"session:finalized\"").await;
            assert!(
                history_rooms(&server, token).await.contains(&room),
                "round {round}: no history entry when session:finalized arrived"
            );
        }
    }
    server.stop().await;
}
