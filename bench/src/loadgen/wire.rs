//! The generator's two transports: JSON over HTTP (reqwest, plain TCP) and Engine.IO v4 /
//! Socket.IO v5 text packets over a WebSocket (tokio-tungstenite), using napalmsky's own pure
//! codec (`napalmsky::proto`) to read what the server sends.
//!
//! Every failure maps to a short, low-cardinality error kind ([`WireError::kind`]) so the
//! report can count them.

mod presence;

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use napalmsky::proto::engine::{self, EnginePacket, OpenHandshake};
use napalmsky::proto::socketio::{self, SioKind, SioPacket};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use self::presence::PresenceUpdate;
use super::validate::{self, QueueEntry, Signup};

/// Why a request or a socket failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// A non-2xx answer.
    Status { route: &'static str, status: u16 },
    /// Connection refused/reset, or the body could not be read.
    Transport {
        route: &'static str,
        what: &'static str,
    },
    /// No complete answer within the timeout.
    Timeout { what: &'static str },
    /// An answer we could not accept (bad JSON, missing field).
    Protocol { what: String },
    /// The WebSocket closed or failed.
    Closed { what: &'static str },
}

impl WireError {
    /// The report's error kind, e.g. `http:room_queue:500`, `timeout:http:auth_guest`.
    pub fn kind(&self) -> String {
        match self {
            WireError::Status { route, status } => format!("http:{route}:{status}"),
            WireError::Transport { route, what } => format!("http:{route}:{what}"),
            WireError::Timeout { what } => format!("timeout:{what}"),
            WireError::Protocol { what } => format!("protocol:{what}"),
            WireError::Closed { what } => format!("ws:{what}"),
        }
    }
}

/// Requests in flight per process, at most. Without a bound, a burst of polls opens a
/// connection per request and the server (holding ~19,000 WebSockets under a 20,000 file
/// descriptor limit) runs out of descriptors; a browser also keeps only a few connections
/// per origin.
const MAX_IN_FLIGHT: usize = 64;

/// A `GET /room/queue` answer: the users, and the size of the body they came in (the
/// report's bytes per second).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueList {
    pub entries: Vec<QueueEntry>,
    pub body_bytes: usize,
}

/// JSON over HTTP to the target; one pooled client per process.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Http {
    pub fn new(
        base: &str,
        timeout: Duration,
        source: Option<std::net::IpAddr>,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .local_address(source)
            .no_proxy()
            .timeout(timeout)
            .tcp_nodelay(true)
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            client,
            base: base.to_owned(),
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    /// `POST /auth/guest {name, gender}`.
    pub async fn signup(&self, name: &str, gender: &str) -> Result<Signup, WireError> {
        let route = "auth_guest";
        let request = self
            .client
            .post(format!("{}/auth/guest", self.base))
            .json(&json!({ "name": name, "gender": gender }));
        let body = self.json(request, route, "http:auth_guest").await?;
        validate::signup(&body).map_err(|field| WireError::Protocol {
            what: format!("auth_guest:{field}"),
        })
    }

    /// `GET /room/queue` with the session token.
    pub async fn queue(&self, token: &str) -> Result<QueueList, WireError> {
        let route = "room_queue";
        let request = self
            .client
            .get(format!("{}/room/queue", self.base))
            .bearer_auth(token);
        let body = self.body(request, route, "http:room_queue").await?;
        let entries = validate::queue(&body).map_err(|field| WireError::Protocol {
            what: format!("room_queue:{field}"),
        })?;
        Ok(QueueList {
            entries,
            body_bytes: body.len(),
        })
    }

    /// `GET /stats/live`, the landing page's online count; without a token, as the landing
    /// page is public.
    pub async fn stats_live(&self) -> Result<u64, WireError> {
        let route = "stats_live";
        let request = self.client.get(format!("{}/stats/live", self.base));
        let body = self.json(request, route, "http:stats_live").await?;
        validate::stats_live(&body).map_err(|field| WireError::Protocol {
            what: format!("stats_live:{field}"),
        })
    }

    async fn json(
        &self,
        request: reqwest::RequestBuilder,
        route: &'static str,
        timeout_what: &'static str,
    ) -> Result<Value, WireError> {
        let bytes = self.body(request, route, timeout_what).await?;
        serde_json::from_slice(&bytes).map_err(|_| WireError::Protocol {
            what: format!("{route}:json"),
        })
    }

    /// A successful response's body; any other status is an error.
    async fn body(
        &self,
        request: reqwest::RequestBuilder,
        route: &'static str,
        timeout_what: &'static str,
    ) -> Result<bytes::Bytes, WireError> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| WireError::Transport {
                route,
                what: "closed",
            })?;
        let transport = |e: reqwest::Error, what| {
            if e.is_timeout() {
                WireError::Timeout { what: timeout_what }
            } else {
                WireError::Transport { route, what }
            }
        };
        let response = request.send().await.map_err(|e| {
            let what = if e.is_connect() { "connect" } else { "send" };
            transport(e, what)
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(WireError::Status {
                route,
                status: status.as_u16(),
            });
        }
        response.bytes().await.map_err(|e| transport(e, "body"))
    }
}

/// What one server frame means to a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Engine.IO PING: answer with [`PONG`].
    Ping,
    /// Socket.IO CONNECT accepted (`40{"sid":..}`).
    Connected,
    /// Socket.IO CONNECT_ERROR with its message.
    ConnectError(String),
    /// An event and its first argument (`Null` when none).
    Event { name: String, payload: Value },
    /// A broadcast counted but not decoded ([`PresenceFrames::Count`]).
    Skipped(Skipped),
    /// A broadcast decoded ([`PresenceFrames::Decode`]).
    Presence(PresenceUpdate),
    /// Engine.IO CLOSE or Socket.IO DISCONNECT from the server.
    Close,
    /// Anything harmless we do not act on (PONG, NOOP, ACK).
    Ignored,
}

/// Broadcasts the generator does not need to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    Presence,
    Queue,
}

/// What [`parse_frame`] does with `presence:update` and `queue:update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PresenceFrames {
    /// Recognise them by their prefix and count them, unread (the legacy model): every user
    /// receives every other user's changes, so at 19,000 users they are most of the traffic,
    /// and decoding them would make the generator, not the server, the bottleneck.
    #[default]
    Count,
    /// Decode them (the web model reacts to them); see [`presence`].
    Decode,
}

/// Engine.IO PONG, the answer to the server's PING.
pub const PONG: &str = "3";

/// Decodes one text frame from the server; the presence broadcasts as `broadcasts` says.
pub fn parse_frame(text: &str, broadcasts: PresenceFrames) -> Result<Frame, String> {
    match broadcasts {
        PresenceFrames::Count => {
            if text.starts_with(presence::PRESENCE_PREFIX) {
                return Ok(Frame::Skipped(Skipped::Presence));
            }
            if text.starts_with(presence::QUEUE_PREFIX) {
                return Ok(Frame::Skipped(Skipped::Queue));
            }
        }
        PresenceFrames::Decode => {
            if let Some(update) = presence::parse(text) {
                return update.map(Frame::Presence);
            }
        }
    }
    let packet = engine::decode(text).map_err(|e| format!("engine:{e:?}"))?;
    match packet {
        EnginePacket::Ping(_) => Ok(Frame::Ping),
        EnginePacket::Close => Ok(Frame::Close),
        EnginePacket::Pong(_) | EnginePacket::Noop => Ok(Frame::Ignored),
        EnginePacket::Open | EnginePacket::Upgrade => Err("engine:unexpected_packet".into()),
        EnginePacket::Message(message) => {
            let packet = socketio::decode(message).map_err(|e| format!("socketio:{e:?}"))?;
            if !packet.is_default_namespace() {
                return Err("socketio:namespace".into());
            }
            match packet.kind {
                SioKind::Connect => Ok(Frame::Connected),
                SioKind::Disconnect => Ok(Frame::Close),
                SioKind::Ack => Ok(Frame::Ignored),
                SioKind::ConnectError => Ok(Frame::ConnectError(connect_error_message(
                    packet.data.as_ref(),
                ))),
                SioKind::Event => {
                    let event =
                        socketio::decode_event(packet).map_err(|e| format!("socketio:{e:?}"))?;
                    let payload = event.args.into_iter().next().unwrap_or(Value::Null);
                    Ok(Frame::Event {
                        name: event.name,
                        payload,
                    })
                }
            }
        }
    }
}

fn connect_error_message(data: Option<&Value>) -> String {
    match data {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned(),
        None => "?".to_owned(),
    }
}

/// `40{"token":".."}`: Socket.IO CONNECT to the default namespace with `auth.token`.
pub fn connect_frame(token: &str) -> String {
    SioPacket {
        kind: SioKind::Connect,
        namespace: socketio::DEFAULT_NAMESPACE,
        id: None,
        data: Some(json!({ "token": token })),
    }
    .encode()
}

/// `42["name",payload]`.
pub fn event_frame(name: &str, payload: &Value) -> String {
    socketio::encode_event(name, payload)
}

/// `42["name"]`, an event without arguments (`presence:join`, `queue:join`).
pub fn bare_event_frame(name: &str) -> String {
    socketio::encode_event_no_payload(name)
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A TCP connection to the URL's host and port, from `source` (port chosen by the kernel)
/// when given.
async fn connect_tcp(
    url: &str,
    source: Option<std::net::IpAddr>,
) -> Result<MaybeTlsStream<TcpStream>, &'static str> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "connect:url")?;
    let host = parsed.host_str().ok_or("connect:url")?;
    let port = parsed.port_or_known_default().ok_or("connect:url")?;
    let target = tokio::net::lookup_host((host, port))
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or("connect:resolve")?;
    let refused = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect:refused",
        _ => "connect:io",
    };
    let stream = match source {
        Some(source) => {
            let socket = match source {
                std::net::IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
                std::net::IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
            }
            .map_err(refused)?;
            socket
                .bind(std::net::SocketAddr::new(source, 0))
                .map_err(|_| "connect:bind")?;
            socket.connect(target).await.map_err(refused)?
        }
        None => TcpStream::connect(target).await.map_err(refused)?,
    };
    let _ = stream.set_nodelay(true);
    Ok(MaybeTlsStream::Plain(stream))
}

/// One Engine.IO session over WebSocket.
pub struct Socket {
    ws: Ws,
    broadcasts: PresenceFrames,
}

impl Socket {
    /// Opens the WebSocket and reads the Engine.IO OPEN packet.
    ///
    /// Buffers are small (4 KiB read, writes flushed per batch) because a process holds up to
    /// ~9,500 of these and tungstenite's default is 128 KiB each.
    ///
    /// `source`, when given, is the local address to connect from (see
    /// [`crate::loadgen::args::Settings::source_ip`]).
    pub async fn open(
        url: &str,
        source: Option<std::net::IpAddr>,
    ) -> Result<(Self, OpenHandshake), WireError> {
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(16 * 1024);
        let stream = connect_tcp(url, source)
            .await
            .map_err(|what| WireError::Closed { what })?;
        let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
            .await
            .map_err(|e| WireError::Closed {
                what: match e {
                    tungstenite::Error::Http(ref r) if r.status().as_u16() == 503 => {
                        "connect:http_503"
                    }
                    tungstenite::Error::Http(_) => "connect:http",
                    tungstenite::Error::Io(ref io)
                        if io.kind() == std::io::ErrorKind::ConnectionRefused =>
                    {
                        "connect:refused"
                    }
                    tungstenite::Error::Io(_) => "connect:io",
                    _ => "connect:handshake",
                },
            })?;
        let mut socket = Socket {
            ws,
            broadcasts: PresenceFrames::default(),
        };
        let handshake = match socket.ws.next().await {
            Some(Ok(Message::Text(text))) => {
                engine::decode_open(text.as_str()).map_err(|e| WireError::Protocol {
                    what: format!("open:{e:?}"),
                })?
            }
            Some(Ok(_)) => {
                return Err(WireError::Protocol {
                    what: "open:not_text".into(),
                });
            }
            Some(Err(_)) | None => return Err(WireError::Closed { what: "closed" }),
        };
        Ok((socket, handshake))
    }

    /// From now on, `recv` hands out presence broadcasts as `broadcasts` says.
    pub fn set_presence_frames(&mut self, broadcasts: PresenceFrames) {
        self.broadcasts = broadcasts;
    }

    /// Sends frames as one batch: queued, then flushed once (one write for a burst of
    /// `rtc:ice` and chat messages, as a browser's event loop would produce).
    pub async fn send_all(&mut self, frames: Vec<String>) -> Result<(), WireError> {
        if frames.is_empty() {
            return Ok(());
        }
        for frame in frames {
            self.ws
                .feed(Message::text(frame))
                .await
                .map_err(|_| WireError::Closed { what: "send" })?;
        }
        self.ws
            .flush()
            .await
            .map_err(|_| WireError::Closed { what: "send" })
    }

    /// The next meaningful frame; `Ok(None)` when the server closed the WebSocket.
    /// Cancel-safe: the only await point is the stream's `next`.
    pub async fn recv(&mut self) -> Result<Option<Frame>, WireError> {
        loop {
            match self.ws.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(_)) => return Err(WireError::Closed { what: "read_error" }),
                Some(Ok(Message::Text(text))) => {
                    return parse_frame(text.as_str(), self.broadcasts)
                        .map(Some)
                        .map_err(|what| WireError::Protocol { what });
                }
                Some(Ok(Message::Binary(_))) => {
                    return Err(WireError::Protocol {
                        what: "binary_frame".into(),
                    });
                }
                // WebSocket-level pings are answered by tungstenite itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Frame, String> {
        parse_frame(text, PresenceFrames::Count)
    }

    #[test]
    fn frames_are_classified() {
        assert_eq!(parse("2"), Ok(Frame::Ping));
        assert_eq!(parse("3"), Ok(Frame::Ignored));
        assert_eq!(parse("1"), Ok(Frame::Close));
        assert_eq!(parse(r#"40{"sid":"a"}"#), Ok(Frame::Connected));
        assert_eq!(parse("41"), Ok(Frame::Close));
        assert_eq!(parse("430[]"), Ok(Frame::Ignored));
        assert_eq!(
            parse(r#"44{"message":"Session invalidated"}"#),
            Ok(Frame::ConnectError("Session invalidated".into()))
        );
        assert_eq!(
            parse(r#"42["auth:success"]"#),
            Ok(Frame::Event {
                name: "auth:success".into(),
                payload: Value::Null
            })
        );
        assert_eq!(
            parse(r#"42["call:start",{"roomId":"r"}]"#),
            Ok(Frame::Event {
                name: "call:start".into(),
                payload: json!({"roomId": "r"})
            })
        );
        assert_eq!(
            parse(r#"42["presence:update",{"userId":"u"}]"#),
            Ok(Frame::Skipped(Skipped::Presence))
        );
        assert_eq!(
            parse(r#"42["queue:update",{"userId":"u"}]"#),
            Ok(Frame::Skipped(Skipped::Queue))
        );
    }

    #[test]
    fn the_web_model_decodes_presence_broadcasts() {
        let id = "00000000-0000-4000-8000-000000000001";
        let text = format!(r#"42["queue:update",{{"userId":"{id}","available":false}}]"#);
        assert_eq!(
            parse_frame(&text, PresenceFrames::Decode),
            Ok(Frame::Presence(PresenceUpdate::Queue {
                user_id: id.into(),
                available: false
            }))
        );
        assert!(parse_frame(r#"42["queue:update",{}]"#, PresenceFrames::Decode).is_err());
        // Other frames are read the same either way.
        assert_eq!(parse_frame("2", PresenceFrames::Decode), Ok(Frame::Ping));
    }

    #[test]
    fn malformed_frames_are_errors() {
        for text in [
            "",
            "x",
            "42[",
            "42{}",
            "451-[\"a\"]",
            r#"40/admin,{}"#,
            "0{}",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn client_frames() {
        assert_eq!(connect_frame("tok"), r#"40{"token":"tok"}"#);
        assert_eq!(bare_event_frame("queue:join"), r#"42["queue:join"]"#);
        assert_eq!(
            event_frame("call:end", &json!({"roomId": "r"})),
            r#"42["call:end",{"roomId":"r"}]"#
        );
    }

    #[test]
    fn error_kinds() {
        assert_eq!(
            WireError::Status {
                route: "room_queue",
                status: 500
            }
            .kind(),
            "http:room_queue:500"
        );
        assert_eq!(
            WireError::Timeout {
                what: "http:auth_guest"
            }
            .kind(),
            "timeout:http:auth_guest"
        );
        assert_eq!(WireError::Closed { what: "closed" }.kind(), "ws:closed");
    }
}
