//! Engine.IO / Socket.IO at the wire, with a raw WebSocket and raw polling requests: the
//! handshake, malformed packets, wrong payload types for every event, oversized fragmented
//! messages, clients that never read or never pong. Each gets its error or is closed, and
//! the server keeps answering.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use common::ws::{authenticated, connect, expect, expect_closed, expect_next, recv, send};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};

async fn assert_healthy(server: &TestServer) {
    assert_eq!(server.get("/health", None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_announces_the_engine_settings() {
    let server = TestServer::start().await;
    // Not authenticated, so no broadcast comes between: each answer is the very next frame.
    let mut ws = connect(&server).await;
    let open = expect_next(&mut ws, "0").await;
    let handshake: Value = serde_json::from_str(&open[1..]).unwrap();
    assert!(handshake["sid"].as_str().is_some_and(|sid| !sid.is_empty()));
    assert_eq!(handshake["upgrades"], json!([]));
    assert_eq!(handshake["pingInterval"], 25_000);
    assert_eq!(handshake["pingTimeout"], 20_000);
    assert_eq!(handshake["maxPayload"], 1_000_000);
    // CONNECT without a token is accepted unauthenticated; events then ask for auth.
    send(&mut ws, "40").await;
    expect_next(&mut ws, "40{\"sid\":").await;
    send(&mut ws, r#"42["call:invite",{"toUserId":"x"}]"#).await;
    let error = expect_next(&mut ws, "42[\"error\"").await;
    assert!(
        error.contains("Please wait for authentication to complete"),
        "{error}"
    );
    send(&mut ws, r#"42["queue:join"]"#).await;
    assert!(
        expect_next(&mut ws, "42[\"error\"")
            .await
            .contains("Not authenticated")
    );
    // Another namespace is refused cleanly, the socket stays.
    send(&mut ws, "40/admin,").await;
    assert!(
        expect_next(&mut ws, "44/admin,")
            .await
            .contains("Invalid namespace")
    );
    send(&mut ws, "2").await;
    expect_next(&mut ws, "3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_close_only_that_socket() {
    let server = TestServer::start().await;
    let (mut bystander, _) = authenticated(&server).await;
    let cases = [
        "9garbage",
        "",
        "4X",
        "42[not json",
        "42{\"an\":\"object\"}",
        "42[5]",
        "451-[\"binary\",{\"_placeholder\":true,\"num\":0}]",
        "0{}",
        "44{\"message\":\"client says no\"}",
    ];
    for packet in cases {
        let mut ws = connect(&server).await;
        expect_next(&mut ws, "0{").await;
        send(&mut ws, "40").await;
        expect_next(&mut ws, "40{").await;
        send(&mut ws, packet).await;
        expect_closed(&mut ws).await;
    }
    // An event before CONNECT, and a binary frame, close too.
    let mut ws = connect(&server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, r#"42["presence:join"]"#).await;
    expect_closed(&mut ws).await;
    let mut ws = connect(&server).await;
    expect_next(&mut ws, "0{").await;
    ws.send(Message::binary(vec![4, 1, 2, 3])).await.unwrap();
    expect_closed(&mut ws).await;

    assert_healthy(&server).await;
    send(&mut bystander, "421[\"presence:join\"]").await;
    assert_eq!(
        expect(&mut bystander, "431").await,
        "431[]",
        "others are untouched"
    );
}

/// What the server answers `socket` before the ack `ack` of the event just sent, leaving out
/// the presence broadcasts (they come on the tick, whatever was sent).
async fn answers_before_ack(ws: &mut common::ws::Ws, ack: u32) -> Vec<String> {
    let ack_frame = format!("43{ack}[]");
    let mut answers = Vec::new();
    loop {
        let frame = recv(ws)
            .await
            .unwrap_or_else(|| panic!("closed before ack {ack}; answered {answers:?}"));
        if frame == ack_frame {
            return answers;
        }
        let broadcast = ["42[\"presence:update\"", "42[\"queue:update\""];
        if !broadcast.iter().any(|prefix| frame.starts_with(prefix)) {
            answers.push(frame);
        }
    }
}

fn error_frame(message: &str) -> String {
    format!("42{}", json!(["error", {"message": message}]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_payload_types_for_every_event_get_errors_not_crashes() {
    let server = TestServer::start_with(|c| {
        // The payloads are what is tested; `paywall.rs` tests the paywall on sockets.
        c.rules.paywall = napalmsky::config::Paywall::Off;
        c.realtime.socket_event_rate = 100_000;
        c.realtime.socket_event_burst = 100_000;
    })
    .await;
    let (mut ws, _) = authenticated(&server).await;
    // Each event's answer to a payload it cannot use, whatever the wrong shape: the error
    // its missing or unparsable field earns, or nothing where no field is read.
    let room = error_frame("Room not found");
    let target = error_frame("Invalid target user");
    let invite = error_frame("Invite not found or expired");
    let events: [(&str, Option<String>); 18] = [
        ("auth", Some("42[\"auth:failed\"]".to_owned())),
        ("presence:join", None),
        ("presence:leave", None),
        ("queue:join", None),
        ("queue:leave", None),
        ("call:invite", Some(target.clone())),
        ("call:accept", Some(invite.clone())),
        ("call:decline", Some(invite)),
        ("call:extend-wait", Some(target.clone())),
        ("call:rescind", Some(target)),
        ("room:join", Some(room.clone())),
        ("rtc:offer", Some(room.clone())),
        ("rtc:answer", Some(room.clone())),
        ("rtc:ice", Some(room.clone())),
        ("room:chat", Some(room.clone())),
        ("room:giveSocial", Some(room)),
        ("call:end", None),
        ("unknown:event", None),
    ];
    let wrong = json!({
        "toUserId": [1], "inviteId": {"x": 1}, "roomId": 5, "requestedSeconds": "sixty",
        "text": {"t": 1}, "socials": "nope", "offer": null, "candidate": [], "sessionToken": 7,
    });
    let payloads = [
        json!(null),
        json!(5),
        json!("x"),
        json!([]),
        json!({}),
        wrong,
        json!("x".repeat(5000)),
    ];
    let mut ack = 0;
    for (event, answer) in &events {
        for payload in &payloads {
            ack += 1;
            send(&mut ws, &format!("42{ack}{}", json!([event, payload]))).await;
            let answers = answers_before_ack(&mut ws, ack).await;
            assert_eq!(
                answers,
                answer.iter().cloned().collect::<Vec<_>>(),
                "{event} with {payload}"
            );
        }
    }
    assert_eq!(
        ack,
        18 * 7,
        "every event and payload was answered and acked"
    );
    assert_healthy(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_past_the_burst_are_refused_with_slow_down() {
    const BURST: u32 = 10;
    let server = TestServer::start_with(|c| {
        // No refill (a rate the flag refuses, set only here): however slowly this test
        // runs, exactly the burst is accepted.
        c.realtime.socket_event_rate = 0;
        c.realtime.socket_event_burst = BURST;
    })
    .await;
    // CONNECT without a token: an unauthenticated socket gets no presence broadcasts, so
    // every frame it receives answers what it sent, in order.
    let mut ws = connect(&server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, "40").await;
    expect_next(&mut ws, "40{\"sid\":").await;
    let sent = 3 * BURST;
    for ack in 1..=sent {
        send(&mut ws, &format!("42{ack}[\"unknown:event\"]")).await;
    }
    let slow_down = error_frame("Too many events; slow down");
    for ack in 1..=sent {
        let frame = expect_next(&mut ws, "4").await;
        if ack <= BURST {
            assert_eq!(
                frame,
                format!("43{ack}[]"),
                "event {ack} is within the burst"
            );
        } else {
            assert_eq!(frame, slow_down, "event {ack} is past the burst");
        }
    }
    // Refused events cost the socket nothing else: it stays open and answers pings.
    send(&mut ws, "2").await;
    assert_eq!(expect_next(&mut ws, "3").await, "3");
    assert_healthy(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragmented_message_over_max_payload_is_refused() {
    let server = TestServer::start().await;
    let (mut bystander, _) = authenticated(&server).await;
    let mut ws = connect(&server).await;
    expect_next(&mut ws, "0{").await;
    // 4 MiB in 16 fragments of 256 KiB: each fragment is small, the message is not.
    let chunk = vec![b'a'; 256 * 1024];
    let fragments = 16;
    let mut result = Ok(());
    for i in 0..fragments {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let header = FrameHeader {
            is_final: i == fragments - 1,
            opcode,
            ..FrameHeader::default()
        };
        result = ws
            .send(Message::Frame(Frame::from_payload(
                header,
                chunk.clone().into(),
            )))
            .await;
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        expect_closed(&mut ws).await;
    }
    assert_healthy(&server).await;
    send(&mut bystander, "421[\"presence:join\"]").await;
    assert_eq!(expect(&mut bystander, "431").await, "431[]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_accepts_no_bytes_is_closed_after_the_write_timeout() {
    // The queue is far larger than what is sent, so only the write timeout can end this.
    let server = TestServer::start_with(|c| {
        c.realtime.send_queue_capacity = 1_000_000;
        c.realtime.write_timeout = Duration::from_millis(300);
        c.realtime.socket_event_rate = 100_000_000;
        c.realtime.socket_event_burst = 100_000_000;
    })
    .await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(server.running().addr()).await.unwrap();
    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket",
        server.running().addr()
    );
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let realtime = &server.running().internals().realtime();
    assert_eq!(realtime.socket_count(), 1);
    // Each event of an unauthenticated socket earns an `error` frame: ~16 MB of them, far
    // beyond what the socket buffers hold, while this client never reads. The heartbeat
    // (25 s + 20 s) cannot end it in time. (Pings no longer echo their data.)
    ws.send(Message::text("40")).await.unwrap();
    for _ in 0..300_000 {
        if ws.send(Message::text(r#"42["queue:join"]"#)).await.is_err() {
            break;
        }
    }
    common::wait_until(
        10,
        "the connection that accepts nothing to close",
        || async { realtime.socket_count() == 0 },
    )
    .await;
    assert_healthy(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_disconnected() {
    let server = TestServer::start_with(|c| {
        c.realtime.send_queue_capacity = 16;
        c.realtime.socket_event_rate = 1_000_000;
        c.realtime.socket_event_burst = 1_000_000;
    })
    .await;
    let (mut ws, _) = authenticated(&server).await;
    let realtime = &server.running().internals().realtime();
    assert_eq!(realtime.socket_count(), 1);
    // Every unanswerable invite earns an `error` frame the client never reads, until the
    // socket's bounded queue is full and the server drops it.
    let spam = r#"42["call:invite",{"toUserId":"x","requestedSeconds":60}]"#;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while realtime.socket_count() > 0 && tokio::time::Instant::now() < deadline {
        let mut batch = Vec::with_capacity(1000);
        for _ in 0..1000 {
            batch.push(Ok(Message::text(spam)));
        }
        if ws
            .send_all(&mut futures_util::stream::iter(batch))
            .await
            .is_err()
        {
            break;
        }
    }
    // The socket is gone from the registry (the write side may lag behind a full buffer).
    common::wait_until(10, "the slow reader to leave the registry", || async {
        realtime.socket_count() == 0
    })
    .await;
    assert_healthy(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_pongs_is_closed() {
    // A ping timeout ten times the interval: the answering client below has a whole second
    // to answer each ping, so only a client that does not answer at all is closed.
    let interval = Duration::from_millis(100);
    let timeout = Duration::from_secs(1);
    let server = TestServer::start_with(|c| {
        c.realtime.ping_interval = interval;
        c.realtime.ping_timeout = timeout;
    })
    .await;
    let started = tokio::time::Instant::now();
    let (mut ws, _) = authenticated(&server).await;
    // It receives pings and ignores them. The server pings one interval after the open and
    // closes once the ping has gone unanswered for longer than the timeout: never sooner,
    // and within a bound.
    let bound = Duration::from_secs(10);
    tokio::time::timeout(bound, async { while recv(&mut ws).await.is_some() {} })
        .await
        .unwrap_or_else(|_| panic!("a client that never pongs is still open after {bound:?}"));
    assert!(
        started.elapsed() > interval + timeout,
        "closed after {:?}, before its ping timed out",
        started.elapsed()
    );
    assert_eq!(server.running().internals().realtime().socket_count(), 0);
    // A client that answers stays, for longer than the silent one lasted.
    let (mut alive, _) = authenticated(&server).await;
    let since = tokio::time::Instant::now();
    let mut pings = 0;
    while since.elapsed() < 2 * (interval + timeout) {
        expect(&mut alive, "2").await;
        send(&mut alive, "3").await;
        pings += 1;
    }
    assert!(pings >= 2, "{pings} pings");
    send(&mut alive, "421[\"presence:join\"]").await;
    assert_eq!(expect(&mut alive, "431").await, "431[]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banned_and_invalidated_tokens_are_refused_at_connect() {
    let server = TestServer::start().await;
    let (user_id, token) = server.guest("Banned").await;
    common::edit_user(&server, &user_id, |u| {
        u.ban_status = napalmsky::store::records::BanStatus::Permanent;
    })
    .await;
    let mut ws = connect(&server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, &format!("40{}", json!({ "token": token }))).await;
    assert_eq!(
        expect_next(&mut ws, "44").await,
        r#"44{"message":"Account suspended"}"#
    );
    expect_closed(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polling_handshake_and_errors() {
    let server = TestServer::start().await;
    let base = format!("{}/socket.io/?EIO=4&transport=polling", server.base);
    let http = reqwest::Client::new();
    let open = http.get(&base).send().await.unwrap().text().await.unwrap();
    assert!(open.starts_with("0{"), "{open}");
    let sid = serde_json::from_str::<Value>(&open[1..]).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{base}&sid={sid}");
    let ok = http.post(&url).body("40").send().await.unwrap();
    assert_eq!(ok.text().await.unwrap(), "ok");
    let poll = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(poll.starts_with("40{\"sid\":"), "{poll}");

    let unknown = server
        .get("/socket.io/?EIO=4&transport=polling&sid=nope", None)
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body,
        json!({"code": 1, "message": "Session ID unknown"})
    );
    let version = server
        .get("/socket.io/?EIO=3&transport=polling", None)
        .await;
    assert_eq!(version.status, 400);

    // A malformed packet ends the session; the next poll is told to close.
    http.post(&url).body("4X").send().await.unwrap();
    let closing = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(closing, "1");
    assert_healthy(&server).await;
}
