//! A mixed write load against a real server process (signups, socials, calls ending with
//! history), recording only what the server acknowledged, for crash and outage tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Client;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::ws::Ws;

/// The flags a load needs from a server: no paywall in the way of calls, no limits meant
/// for one real user per address (all load comes from 127.0.0.1), and calls of any length
/// written to history.
pub const LOAD_FLAGS: [&str; 14] = [
    "--paywall",
    "off",
    "--min-history-call-seconds",
    "0",
    "--signup-rate-limit",
    "1000000",
    "--api-rate-limit",
    "1000000",
    "--handshake-rate-limit",
    "1000000",
    "--max-connections-per-ip",
    "5000",
    "--socket-event-rate",
    "100000",
];

/// A guest the server created: its id and session token.
#[derive(Debug, Clone)]
pub struct Guest {
    pub id: String,
    pub token: String,
}

/// What the server acknowledged: a 200 for a signup or a socials update, and a call once the
/// caller's `/room/history` showed it (a read sees only committed, durable changes).
#[derive(Debug, Default)]
pub struct Acknowledged {
    pub guests: Vec<Guest>,
    /// A guest and the socials it stored (each guest updates them at most once).
    pub socials: Vec<(Guest, Value)>,
    /// The caller and the room of a call that ended.
    pub calls: Vec<(Guest, String)>,
}

impl Acknowledged {
    pub fn extend(&mut self, other: Acknowledged) {
        self.guests.extend(other.guests);
        self.socials.extend(other.socials);
        self.calls.extend(other.calls);
    }
}

/// The server stopped answering (killed, or the request failed): the load ends there.
#[derive(Debug)]
pub struct Gone;

/// Runs the load from one worker until a request fails; returns what was acknowledged and
/// whether anything failed (`Gone`) or `until` ended it first.
pub async fn run(
    http: Client,
    base: String,
    tag: String,
    until: tokio_util::sync::CancellationToken,
) -> (Acknowledged, Option<Gone>) {
    let mut acknowledged = Acknowledged::default();
    let mut round = 0u64;
    loop {
        if until.is_cancelled() {
            return (acknowledged, None);
        }
        let name = format!("{tag}-{round}");
        let step = tokio::select! {
            step = one_round(&http, &base, &name, &mut acknowledged) => step,
            () = until.cancelled() => return (acknowledged, None),
        };
        if let Err(gone) = step {
            return (acknowledged, Some(gone));
        }
        round += 1;
    }
}

/// Two signups, one socials update, one call from the first to the second.
async fn one_round(
    http: &Client,
    base: &str,
    tag: &str,
    acknowledged: &mut Acknowledged,
) -> Result<(), Gone> {
    let caller = signup(http, base, &format!("{tag}a")).await?;
    acknowledged.guests.push(caller.clone());
    let callee = signup(http, base, &format!("{tag}b")).await?;
    acknowledged.guests.push(callee.clone());
    let socials = json!({"x": format!("@{tag}")});
    let reply = http
        .put(format!("{base}/user/me"))
        .bearer_auth(&caller.token)
        .json(&json!({ "socials": socials }))
        .send()
        .await
        .map_err(|_| Gone)?;
    if reply.status() != 200 {
        return Err(Gone);
    }
    acknowledged.socials.push((caller.clone(), socials));
    let room = call(base, &caller, &callee).await?;
    wait_for_history(http, base, &caller, &room).await?;
    acknowledged.calls.push((caller, room));
    Ok(())
}

pub async fn signup(http: &Client, base: &str, name: &str) -> Result<Guest, Gone> {
    let reply = http
        .post(format!("{base}/auth/guest"))
        .json(&json!({"name": name, "gender": "female"}))
        .send()
        .await
        .map_err(|_| Gone)?;
    let body = ok_json(reply).await?;
    Ok(Guest {
        id: body["userId"].as_str().ok_or(Gone)?.to_owned(),
        token: body["sessionToken"].as_str().ok_or(Gone)?.to_owned(),
    })
}

/// Invite, accept, end: returns the room id.
async fn call(base: &str, caller: &Guest, callee: &Guest) -> Result<String, Gone> {
    let mut calling = socket(base, &caller.token).await?;
    let mut called = socket(base, &callee.token).await?;
    // The acknowledgement comes once the server handled the event: the callee is available.
    called
        .send(Message::text(format!("421{}", json!(["queue:join"]))))
        .await
        .map_err(|_| Gone)?;
    wait_for_frame(&mut called, "431[]").await?;
    send(
        &mut calling,
        json!(["call:invite", {"toUserId": callee.id, "requestedSeconds": 60}]),
    )
    .await?;
    let notify = wait_for(&mut called, "call:notify").await?;
    let invite = notify["inviteId"].as_str().ok_or(Gone)?.to_owned();
    send(
        &mut called,
        json!(["call:accept", {"inviteId": invite, "requestedSeconds": 60}]),
    )
    .await?;
    let start = wait_for(&mut calling, "call:start").await?;
    let room = start["roomId"].as_str().ok_or(Gone)?.to_owned();
    send(&mut calling, json!(["call:end", {"roomId": room}])).await?;
    wait_for(&mut calling, "session:finalized").await?;
    let _ = calling.close(None).await;
    let _ = called.close(None).await;
    Ok(room)
}

async fn wait_for_history(
    http: &Client,
    base: &str,
    guest: &Guest,
    room: &str,
) -> Result<(), Gone> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if history_rooms(http, base, &guest.token)
            .await?
            .iter()
            .any(|r| r == room)
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Gone);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The rooms in a user's call history.
pub async fn history_rooms(http: &Client, base: &str, token: &str) -> Result<Vec<String>, Gone> {
    let reply = http
        .get(format!("{base}/room/history"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|_| Gone)?;
    let body = ok_json(reply).await?;
    Ok(body["history"]
        .as_array()
        .ok_or(Gone)?
        .iter()
        .filter_map(|entry| entry["roomId"].as_str().map(str::to_owned))
        .collect())
}

/// The JSON body of a 200 answer.
async fn ok_json(reply: reqwest::Response) -> Result<Value, Gone> {
    if reply.status() != 200 {
        return Err(Gone);
    }
    reply.json().await.map_err(|_| Gone)
}

/// A WebSocket through the handshake and an authenticated CONNECT.
async fn socket(base: &str, token: &str) -> Result<Ws, Gone> {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        base.replacen("http://", "ws://", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|_| Gone)?;
    next_text(&mut ws).await?;
    ws.send(Message::text(format!("40{}", json!({ "token": token }))))
        .await
        .map_err(|_| Gone)?;
    wait_for(&mut ws, "auth:success").await?;
    Ok(ws)
}

async fn send(ws: &mut Ws, event: Value) -> Result<(), Gone> {
    ws.send(Message::text(format!("42{event}")))
        .await
        .map_err(|_| Gone)
}

async fn next_text(ws: &mut Ws) -> Result<String, Gone> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .map_err(|_| Gone)?;
        match frame {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(Gone),
            Some(Ok(_)) => {}
        }
    }
}

/// Skips frames (answering pings) until one equal to `frame`.
async fn wait_for_frame(ws: &mut Ws, frame: &str) -> Result<(), Gone> {
    loop {
        let text = next_text(ws).await?;
        if text == "2" {
            ws.send(Message::text("3")).await.map_err(|_| Gone)?;
        } else if text == frame {
            return Ok(());
        }
    }
}

/// Skips frames (broadcasts, pings answered) until the event `name`; returns its payload.
async fn wait_for(ws: &mut Ws, name: &str) -> Result<Value, Gone> {
    loop {
        let text = next_text(ws).await?;
        if text == "2" {
            ws.send(Message::text("3")).await.map_err(|_| Gone)?;
            continue;
        }
        let Some(event) = text.strip_prefix("42") else {
            continue;
        };
        let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(event) else {
            continue;
        };
        if parts.first().and_then(Value::as_str) == Some(name) {
            return Ok(parts.get(1).cloned().unwrap_or(Value::Null));
        }
    }
}
