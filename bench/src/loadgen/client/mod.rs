//! One simulated user: signup, connect, then the event loop that feeds its state machine
//! ([`state::User`]) with frames, timer ticks and HTTP answers ([`fetch`]), and writes what
//! it asks to send.

pub mod fetch;
pub mod model;
pub mod presence;
pub mod shared;
pub mod state;

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::watch;
use tokio::time::sleep_until;

use self::fetch::InFlight;
use self::shared::Shared;
use self::state::User;
use super::metrics::Step;
use super::wire::{Frame, PONG, PresenceFrames, Skipped, Socket, connect_frame, event_frame};

const GENDERS: [&str; 3] = ["female", "male", "nonbinary"];

/// Runs user number `index` of this process until `stop` turns true or its socket fails.
pub async fn run_user(sh: Arc<Shared>, index: usize, mut stop: watch::Receiver<bool>) {
    let name = format!(
        "loadgen {}-{index}",
        sh.settings.child_index.unwrap_or_default()
    );
    let started = Instant::now();
    let signup = match sh.http.signup(&name, GENDERS[index % GENDERS.len()]).await {
        Ok(s) => s,
        Err(e) => return sh.error(&e.kind()),
    };
    sh.record(Step::Signup, started.elapsed());
    sh.signed_up
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sh.register_local(&signup.user_id);

    let mut socket = match connect(&sh, &signup.token, &mut stop).await {
        Ok(socket) => socket,
        Err(kind) => {
            if kind != "stopped" {
                sh.error(&kind);
            }
            return;
        }
    };
    sh.connected_up();
    let authenticated_at = Instant::now();
    if sh.settings.client_model.decodes_presence() {
        socket.set_presence_frames(PresenceFrames::Decode);
    }
    let seed = (index as u64) ^ (sh.epoch_ms << 20) ^ u64::from(std::process::id());
    let presence = sh
        .settings
        .check_presence
        .then(|| sh.presence.join(&signup.user_id, authenticated_at));
    let mut user = User::new(signup.user_id, &sh, authenticated_at, seed);
    if let Some(handle) = presence.clone() {
        user = user.with_presence(handle);
    }
    user.joined(Instant::now());
    event_loop(&sh, &mut socket, &mut user, &signup.token, &mut stop).await;
    if let Some(handle) = presence {
        handle.disconnected();
    }
    sh.metrics.events("presence:update", user.presence_updates);
    sh.metrics.events("queue:update", user.queue_updates);
    sh.connected_down();
}

/// WebSocket open -> Engine.IO OPEN -> CONNECT with `auth.token` -> `auth` event (as the web
/// client sends on every connect) -> first `auth:success`. Errors are report kinds.
async fn connect(
    sh: &Shared,
    token: &str,
    stop: &mut watch::Receiver<bool>,
) -> Result<Socket, String> {
    let timeout = sh.settings.timeout();
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + timeout);
    let opened =
        tokio::time::timeout(timeout, Socket::open(&sh.settings.ws_url, sh.source_ip)).await;
    let (mut socket, _handshake) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => return Err(e.kind()),
        Err(_) => return Err("timeout:ws_open".into()),
    };
    sh.record(Step::WsOpen, started.elapsed());
    let auth_started = Instant::now();
    socket
        .send_all(vec![connect_frame(token)])
        .await
        .map_err(|e| e.kind())?;
    let mut connected = false;
    loop {
        let frame = tokio::select! {
            frame = socket.recv() => frame,
            _ = sleep_until(deadline) => {
                return Err(if connected { "timeout:auth:success" } else { "timeout:connect" }.into());
            }
            _ = stop.changed() => return Err("stopped".into()),
        };
        match frame.map_err(|e| e.kind())? {
            Some(Frame::Connected) => {
                connected = true;
                let auth = event_frame("auth", &json!({ "sessionToken": token }));
                socket.send_all(vec![auth]).await.map_err(|e| e.kind())?;
            }
            Some(Frame::Event { name, .. }) if name == "auth:success" => break,
            Some(Frame::Event { name, payload }) if name == "error" => {
                let message = payload.get("message").and_then(|m| m.as_str());
                return Err(format!("server:{}", message.unwrap_or("?")));
            }
            Some(Frame::Event { name, .. }) if name == "auth:failed" => {
                return Err("auth:failed".into());
            }
            Some(Frame::ConnectError(message)) => return Err(format!("connect_error:{message}")),
            Some(Frame::Ping) => {
                socket
                    .send_all(vec![PONG.into()])
                    .await
                    .map_err(|e| e.kind())?;
            }
            Some(Frame::Close) | None => return Err("ws:closed_during_connect".into()),
            Some(_) => {}
        }
    }
    sh.record(Step::Connect, started.elapsed());
    sh.record(Step::Auth, auth_started.elapsed());
    Ok(socket)
}

async fn event_loop(
    sh: &Arc<Shared>,
    socket: &mut Socket,
    user: &mut User,
    token: &str,
    stop: &mut watch::Receiver<bool>,
) {
    let mut in_flight = InFlight::new();
    let model = sh.settings.client_model;
    loop {
        if let Err(e) = socket.send_all(user.take_out()).await {
            sh.error(&e.kind());
            break;
        }
        let wake = tokio::time::Instant::from_std(user.next_wake(Instant::now()));
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            frame = socket.recv() => match frame {
                Ok(Some(Frame::Event { name, payload })) => {
                    user.on_event(sh, Instant::now(), &name, &payload);
                }
                Ok(Some(Frame::Presence(update))) => user.on_presence(Instant::now(), &update),
                Ok(Some(Frame::Skipped(Skipped::Presence))) => user.presence_updates += 1,
                Ok(Some(Frame::Skipped(Skipped::Queue))) => user.queue_updates += 1,
                Ok(Some(Frame::Ping)) => user.push_raw(PONG),
                Ok(Some(Frame::Ignored | Frame::Connected)) => {}
                Ok(Some(Frame::ConnectError(message))) => {
                    sh.error(&format!("connect_error:{message}"));
                    break;
                }
                Ok(Some(Frame::Close)) => {
                    sh.error("ws:server_close");
                    break;
                }
                Ok(None) => {
                    sh.error("ws:closed");
                    break;
                }
                Err(e) => {
                    sh.error(&e.kind());
                    break;
                }
            },
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => match done {
                Ok(finished) => fetch::finished(sh, user, finished),
                Err(_) => sh.error("internal:fetch_task"),
            },
            _ = sleep_until(wake) => {
                for due in user.on_tick(sh, Instant::now()) {
                    if fetch::may_start(model, in_flight.len()) {
                        fetch::start(&mut in_flight, sh, token, due);
                    }
                }
            }
        }
    }
    // Dropping `in_flight` aborts the fetches still running.
}
