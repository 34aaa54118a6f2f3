//! A raw Socket.IO client over WebSocket, for protocol-level tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TestServer;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const WAIT: Duration = Duration::from_secs(5);

pub async fn connect(server: &TestServer) -> Ws {
    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket",
        server.running().addr()
    );
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws
}

/// The next text frame, or `None` once the server closed the connection.
pub async fn recv(ws: &mut Ws) -> Option<String> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("server answers in time")
        {
            Some(Ok(Message::Text(text))) => return Some(text.to_string()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Frames until one starts with `prefix` (skipping pings, broadcasts and anything else before
/// it); [`expect_next`] where the order matters.
pub async fn expect(ws: &mut Ws, prefix: &str) -> String {
    loop {
        let text = recv(ws)
            .await
            .unwrap_or_else(|| panic!("closed while waiting for {prefix}"));
        if text.starts_with(prefix) {
            return text;
        }
    }
}

/// The very next frame, which must start with `prefix`: for tests where the order is what is
/// tested. Only for sockets that get no asynchronous frames meanwhile (presence broadcasts go
/// to authenticated sockets, pings come every `--ping-interval`).
pub async fn expect_next(ws: &mut Ws, prefix: &str) -> String {
    let text = recv(ws)
        .await
        .unwrap_or_else(|| panic!("closed while waiting for {prefix}"));
    assert!(
        text.starts_with(prefix),
        "expected a frame starting with {prefix}, got {text}"
    );
    text
}

pub async fn expect_closed(ws: &mut Ws) {
    while recv(ws).await.is_some() {}
}

pub async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
}

/// A socket through the handshake and CONNECT with `token`, authenticated.
pub async fn authenticate_as(server: &TestServer, token: &str) -> Ws {
    let mut ws = connect(server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, &format!("40{}", json!({ "token": token }))).await;
    expect_next(&mut ws, "40{\"sid\":").await;
    expect(&mut ws, "42[\"auth:success\"").await;
    ws
}

/// A socket authenticated as a new guest; returns it with the guest's id.
pub async fn authenticated(server: &TestServer) -> (Ws, String) {
    let (user_id, token) = server.guest("Wire").await;
    (authenticate_as(server, &token).await, user_id)
}

/// A socket connected without a token that then sends the `auth` event with `token` (the
/// web client's second way in); the answers are left to the caller.
pub async fn auth_event_as(server: &TestServer, token: &str) -> Ws {
    let mut ws = connect(server).await;
    expect_next(&mut ws, "0{").await;
    send(&mut ws, "40").await;
    expect_next(&mut ws, "40{").await;
    send(
        &mut ws,
        &format!("42[\"auth\",{}]", json!({ "sessionToken": token })),
    )
    .await;
    ws
}
