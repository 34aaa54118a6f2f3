//! `session:finalized` only after the call is stored: a client that reads `/room/history`
//! the moment it arrives finds the call, for both participants, every time, on every end
//! path (`call:end` by either member, the deadline, a cut connection), on the manual clock.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use common::ws::{authenticate_as, expect, send};
use napalmsky::domain::parse_id_str;
use serde_json::{Value, json};

const SECOND: Duration = Duration::from_secs(1);
const CALL_GRACE: Duration = Duration::from_secs(10);
const DISCONNECT_GRACE: Duration = Duration::from_secs(5);

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
        c.rules.call_grace = CALL_GRACE;
        c.rules.disconnect_grace = DISCONNECT_GRACE;
    })
    .await;
    for round in 0..30 {
        let (caller_id, caller_token) = server.guest(&format!("caller{round}")).await;
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
        let mut reading = vec![(callee, callee_token.clone())];
        match round % 3 {
            // Ended by a member, alternately the callee and the caller.
            0 => {
                let end = format!("42{}", json!(["call:end", {"roomId": room}]));
                let ender = if round % 2 == 0 {
                    &mut caller
                } else {
                    &mut reading[0].0
                };
                send(ender, &end).await;
                reading.push((caller, caller_token.clone()));
            }
            // The deadline: the agreed 60 s and the call grace pass.
            1 => {
                server
                    .clock
                    .advance(Duration::from_secs(60) + CALL_GRACE + SECOND);
                reading.push((caller, caller_token.clone()));
            }
            // The caller's connection is cut: the call ends once the disconnect grace ran
            // out; only the callee is there to read, the caller's history is read by HTTP.
            _ => {
                drop(caller);
                let caller_id = parse_id_str(&caller_id).unwrap();
                let realtime = server.running().internals().realtime().clone();
                common::wait_until(5, "the cut to reach the domain", || {
                    let realtime = realtime.clone();
                    async move { realtime.with_domain(|d| d.sockets_of(&caller_id).is_empty()) }
                })
                .await;
                server.clock.advance(DISCONNECT_GRACE + SECOND);
            }
        }
        for (ws, token) in &mut reading {
            expect(ws, "42[\"session:finalized\"").await;
            assert!(
                history_rooms(&server, token).await.contains(&room),
                "round {round}: no history entry when session:finalized arrived"
            );
        }
        assert!(
            history_rooms(&server, &caller_token).await.contains(&room),
            "round {round}: the caller's entry"
        );
    }
    server.stop().await;
}
