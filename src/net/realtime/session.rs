//! One realtime connection, whatever its transport: Engine.IO packets in, Socket.IO handling,
//! frames out through the connection's outlet. Synchronous: transports call it per packet.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use super::Transports;
use super::bucket::TokenBucket;
use crate::app::{Out, Outlet, SocketAuth, event_command};
use crate::config::Paywall;
use crate::domain::{Command, Notice, SocketId, UserId, event, message};
use crate::paywall;
use crate::proto::ProtoError;
use crate::proto::engine::{self, EnginePacket};
use crate::proto::socketio::{self, SioKind};
use crate::referrals;

/// What the transport does after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Close the connection (after flushing what is queued); the reason is for logs.
    Close(&'static str),
}

pub struct SocketSession {
    state: Arc<Transports>,
    pub socket: SocketId,
    outlet: Arc<Outlet>,
    /// The Socket.IO CONNECT to the default namespace was accepted.
    connected: bool,
    user: Option<UserId>,
    bucket: TokenBucket,
    /// The client's address, recorded for the user once the socket authenticates.
    ip: std::net::IpAddr,
}

impl SocketSession {
    pub fn new(
        state: Arc<Transports>,
        socket: SocketId,
        outlet: Arc<Outlet>,
        ip: std::net::IpAddr,
    ) -> Self {
        let now = state.realtime.monotonic_ms();
        let bucket = TokenBucket::new(
            state.realtime.config().socket_event_rate,
            state.realtime.config().socket_event_burst,
            now,
        );
        Self {
            state,
            socket,
            outlet,
            connected: false,
            user: None,
            bucket,
            ip,
        }
    }

    /// The Engine.IO handshake for this connection.
    pub fn open_packet(&self, sid: &str, upgrades: &[&str]) -> String {
        let config = self.state.realtime.config();
        engine::open_packet(
            sid,
            upgrades,
            u64::try_from(config.ping_interval.as_millis()).unwrap_or(u64::MAX),
            u64::try_from(config.ping_timeout.as_millis()).unwrap_or(u64::MAX),
            config.max_payload,
        )
    }

    fn send(&self, text: String) -> Flow {
        match self.outlet.try_send(Out::Text(Bytes::from(text))) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close("send queue full"),
        }
    }

    fn emit(&self, event: &str, payload: Option<Value>) -> Flow {
        self.send(match payload {
            Some(payload) => socketio::encode_event(event, &payload),
            None => socketio::encode_event_no_payload(event),
        })
    }

    /// One Engine.IO packet from the client.
    pub fn on_packet(&mut self, text: &str) -> Flow {
        self.outlet.seen(self.state.realtime.monotonic_ms());
        match engine::decode(text) {
            Ok(EnginePacket::Message(message)) => self.on_message(message),
            // Engine.IO v4 clients only ping with `probe` (the upgrade check). Any other ping
            // is answered without its data: echoing it let a client fill its own send queue
            // with megabytes per packet while never reading.
            Ok(EnginePacket::Ping("probe")) => self.send("3probe".to_owned()),
            Ok(EnginePacket::Ping(_)) => self.send("3".to_owned()),
            Ok(EnginePacket::Pong(_) | EnginePacket::Noop | EnginePacket::Upgrade) => {
                Flow::Continue
            }
            Ok(EnginePacket::Close) => Flow::Close("client closed"),
            Ok(EnginePacket::Open) => self.unexpected("OPEN from a client"),
            Err(error) => self.protocol_error(error),
        }
    }

    fn protocol_error(&self, error: ProtoError) -> Flow {
        tracing::info!(socket = self.socket, %error, "malformed packet; closing the socket");
        Flow::Close("malformed packet")
    }

    fn unexpected(&self, what: &'static str) -> Flow {
        tracing::info!(
            socket = self.socket,
            what,
            "unexpected packet; closing the socket"
        );
        Flow::Close(what)
    }

    fn on_message(&mut self, message: &str) -> Flow {
        let packet = match socketio::decode(message) {
            Ok(packet) => packet,
            Err(error) => return self.protocol_error(error),
        };
        if !packet.is_default_namespace() {
            return match packet.kind {
                SioKind::Connect => self.send(socketio::connect_error_ns(
                    packet.namespace,
                    "Invalid namespace",
                )),
                _ => Flow::Continue,
            };
        }
        match packet.kind {
            SioKind::Connect => self.on_connect(packet.data.as_ref()),
            SioKind::Disconnect => Flow::Close("client disconnected"),
            SioKind::Event if !self.connected => Flow::Close("event before CONNECT"),
            SioKind::Event => match socketio::decode_event(packet) {
                Ok(event) => self.on_event(&event.name, event.args, event.ack),
                Err(error) => self.protocol_error(error),
            },
            SioKind::Ack => Flow::Continue,
            SioKind::ConnectError => self.unexpected("CONNECT_ERROR from a client"),
        }
    }

    /// CONNECT: `auth.token` authenticates right away; no or an unknown token connects
    /// unauthenticated (the client may send `auth` later, as the original allowed).
    fn on_connect(&mut self, auth: Option<&Value>) -> Flow {
        if self.connected {
            return Flow::Continue;
        }
        let token = auth.and_then(|a| a.get("token")).and_then(Value::as_str);
        let verdict = token.map(|t| self.state.realtime.authenticate(t));
        let refusal = match &verdict {
            Some(SocketAuth::Banned) => Some("Account suspended"),
            Some(SocketAuth::Invalidated) => Some("Session invalidated"),
            Some(SocketAuth::Unavailable) => Some("Server unavailable, please retry"),
            _ => None,
        };
        if let Some(message) = refusal {
            let _ = self.send(socketio::connect_error(message));
            return Flow::Close("connect refused");
        }
        self.connected = true;
        // A random Socket.IO sid, for the same reason as the Engine.IO one.
        let sid = uuid::Uuid::new_v4().simple().to_string();
        let flow = self.send(socketio::connect_ok(&sid));
        if let Some(SocketAuth::Valid(profile)) = verdict {
            self.authenticated(profile);
        }
        flow
    }

    fn authenticated(&mut self, profile: crate::domain::Profile) {
        self.user = Some(profile.user_id());
        self.state
            .realtime
            .record_address(profile.user_id(), self.ip);
        self.state.realtime.mark_authenticated(self.socket);
        self.state.realtime.dispatch(Command::Authenticate {
            socket: self.socket,
            profile,
        });
    }

    fn on_event(&mut self, name: &str, args: Vec<Value>, ack: Option<u64>) -> Flow {
        let now = self.state.realtime.monotonic_ms();
        if !self.bucket.take(now) {
            return self.emit(event::ERROR, Some(json!({"message": message::SLOW_DOWN})));
        }
        let payload = args.into_iter().next().unwrap_or(Value::Null);
        let flow = if name == "auth" {
            self.on_auth(&payload)
        } else if matches!(name, "call:invite" | "call:accept") && !self.may_start_calls() {
            self.emit(
                event::ERROR,
                Some(json!({"message": message::PAYMENT_REQUIRED})),
            )
        } else {
            let store = &self.state.store;
            let exists = |user: &UserId| {
                store
                    .read()
                    .and_then(|r| r.with_user(user, |_| ()))
                    .is_ok_and(|found| found.is_some())
            };
            if let Some(command) = event_command(self.socket, name, &payload, exists) {
                self.state.realtime.dispatch(command);
            }
            Flow::Continue
        };
        match (flow, ack) {
            (Flow::Continue, Some(id)) => self.send(socketio::encode_ack::<Value>(id, &[])),
            _ => flow,
        }
    }

    /// After `auth`, the user's unread referral notifications, each as `referral:notification`
    /// (the original's order: `auth:success` first).
    fn send_unread_notifications(&mut self, user: &UserId) -> Flow {
        let unread = self
            .state
            .store
            .read()
            .and_then(|r| referrals::unread_notifications(&r, user));
        let unread = match unread {
            Ok(unread) => unread,
            Err(e) => {
                tracing::warn!(error = %e, "could not read referral notifications");
                return Flow::Continue;
            }
        };
        for notification in unread.iter().rev() {
            let payload = referrals::notification_event(notification);
            if let Flow::Close(reason) = self.emit(event::REFERRAL_NOTIFICATION, Some(payload)) {
                return Flow::Close(reason);
            }
        }
        Flow::Continue
    }

    /// Whether this socket's user may invite or accept: anyone with the paywall off; with it
    /// on, a user with access (§7.8: the original left sockets unguarded). An unauthenticated
    /// socket goes on to the domain, which refuses it as such. Read at each event, so a
    /// payment that lands while the socket is open counts at once.
    fn may_start_calls(&self) -> bool {
        let Some(user) = self.user else { return true };
        if self.state.paywall == Paywall::Off {
            return true;
        }
        let access = self
            .state
            .store
            .read()
            .and_then(|r| r.with_user(&user, |u| paywall::archived_has_access(&u.paid_status)));
        access.is_ok_and(|access| access == Some(true))
    }

    /// The `auth {sessionToken}` event.
    fn on_auth(&mut self, payload: &Value) -> Flow {
        let Some(token) = payload.get("sessionToken").and_then(Value::as_str) else {
            return self.emit(event::AUTH_FAILED, None);
        };
        match self.state.realtime.authenticate(token) {
            SocketAuth::Valid(profile) => {
                if self.user.is_some_and(|user| user != profile.user_id()) {
                    // The first identity of a socket stands, as in the original.
                    return self.emit(event::AUTH_SUCCESS, None);
                }
                let user = profile.user_id();
                self.authenticated(profile);
                self.send_unread_notifications(&user)
            }
            SocketAuth::Banned => {
                let notice = Notice::suspended();
                let _ = self.emit(notice.event, Some(notice.payload));
                Flow::Close("banned")
            }
            SocketAuth::Invalid | SocketAuth::Invalidated | SocketAuth::Unavailable => {
                self.emit(event::AUTH_FAILED, None)
            }
        }
    }

    /// The transport is gone: forget it and let the domain start the disconnect grace.
    pub fn finish(&self) {
        self.state.realtime.forget_socket(self.socket);
        self.state.realtime.dispatch(Command::SocketClosed {
            socket: self.socket,
        });
    }
}
