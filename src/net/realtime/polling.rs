//! The HTTP long-polling transport, for clients whose network blocks WebSocket.
//!
//! `GET` without a sid is the handshake; `GET ?sid=` waits for queued packets and returns them
//! joined by the record separator; `POST ?sid=` carries the client's packets. Sessions never
//! upgrade (`upgrades: []`). A session ends when the hub closes it (heartbeat, kick, slow
//! reader), when the client sends a close packet, or when a second GET arrives concurrently.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use tokio::sync::Notify;

use super::Transports;
use super::polling_sessions::PollingSession;
use super::session::{Flow, SocketSession};
use super::{engine_error, open_within_capacity};
use crate::app::Out;
use crate::net::body::{BodyError, read_limited};
use crate::net::respond::{Resp, full};
use crate::proto::engine;

/// Packets returned by one GET, at most (the rest wait for the next GET); its bytes are
/// capped by `--max-payload`, the size the client was told it may receive.
const MAX_PACKETS_PER_POLL: usize = 256;
/// How long a closed session waits for the client's last GET before it is forgotten.
const LAST_POLL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn text(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}

fn unknown_sid() -> Resp {
    engine_error(1, "Session ID unknown")
}

pub fn handshake(state: &Arc<Transports>, ip: std::net::IpAddr) -> Resp {
    let (socket, outlet) = match open_within_capacity(state, ip) {
        Ok(opened) => opened,
        Err(refused) => return refused,
    };
    let sid = uuid::Uuid::new_v4().simple().to_string();
    let session = SocketSession::new(state.clone(), socket, outlet.clone(), ip);
    let open = session.open_packet(&sid, &[]);
    let polling = Arc::new(PollingSession {
        session: Mutex::new(session),
        outlet: outlet.clone(),
        polling: AtomicBool::new(false),
        drained: Notify::new(),
    });
    state.polling.lock().insert(sid.clone(), polling.clone());
    // When the session ends, for whatever reason, it leaves the registry and the domain.
    let state = state.clone();
    state.realtime.clone().spawn(async move {
        outlet.closed().await;
        lock_session(&polling).finish();
        tokio::select! {
            _ = polling.drained.notified() => {}
            _ = tokio::time::sleep(LAST_POLL_WAIT) => {}
            // During shutdown no GET can come any more.
            _ = state.requests_over.cancelled() => {}
        }
        state.polling.lock().remove(&sid);
    });
    text(StatusCode::OK, open)
}

/// The one GET a session may have waiting. Released when dropped, not at the end of the
/// handler: hyper drops a request's future when its client goes away mid-wait, and a flag
/// reset only after the await would then stay set, so the client's next GET would be taken
/// for a concurrent one and close the session.
struct GetInFlight<'a>(&'a AtomicBool);

impl<'a> GetInFlight<'a> {
    /// `None` if another GET of the session is already waiting.
    fn claim(polling: &'a AtomicBool) -> Option<Self> {
        (!polling.swap(true, Ordering::SeqCst)).then_some(Self(polling))
    }
}

impl Drop for GetInFlight<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

fn lock_session(polling: &PollingSession) -> std::sync::MutexGuard<'_, SocketSession> {
    polling.session.lock().unwrap_or_else(|p| p.into_inner())
}

pub async fn poll(state: &Arc<Transports>, sid: &str) -> Resp {
    let Some(polling) = state.polling.get(sid) else {
        return unknown_sid();
    };
    let Some(in_flight) = GetInFlight::claim(&polling.polling) else {
        // Two concurrent GETs: the client is broken or hostile; engine.io closes the session.
        polling.outlet.close();
        return engine_error(3, "Bad request");
    };
    // Queued packets go out before a close, so a kicked client still reads why. A close
    // packet is not appended to them: socket.io-client hands decoded events on a tick later
    // and would drop them if the close came in the same payload; the next GET gets it.
    polling.outlet.ready().await;
    let mut payload = Vec::new();
    let max_bytes = state.realtime.config().max_payload;
    let open = polling
        .outlet
        .drain(MAX_PACKETS_PER_POLL, max_bytes, |out| {
            let mut append = |packet: &[u8]| {
                if !payload.is_empty() {
                    payload.push(engine::RECORD_SEPARATOR as u8);
                }
                payload.extend_from_slice(packet);
            };
            match out {
                Out::Text(packet) => append(&packet),
                Out::Batch(batch) => batch.packets().iter().for_each(|p| append(p)),
                Out::Pong(_) => {}
            }
        });
    drop(in_flight);
    if !open {
        polling.drained.notify_one();
        return text(StatusCode::OK, "1");
    }
    text(StatusCode::OK, payload)
}

pub async fn post(state: &Arc<Transports>, sid: &str, body: Incoming) -> Resp {
    let Some(polling) = state.polling.get(sid) else {
        return unknown_sid();
    };
    let max_payload = state.realtime.config().max_payload;
    let bytes = match read_limited(body, max_payload, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(BodyError::TimedOut) => {
            polling.outlet.close();
            return text(StatusCode::REQUEST_TIMEOUT, "payload not received in time");
        }
        Err(BodyError::TooLarge) => {
            polling.outlet.close();
            return text(StatusCode::PAYLOAD_TOO_LARGE, "payload too large");
        }
        Err(BodyError::Unreadable) => {
            polling.outlet.close();
            return engine_error(3, "Bad request");
        }
    };
    let Ok(payload) = std::str::from_utf8(&bytes) else {
        polling.outlet.close();
        return engine_error(3, "Bad request");
    };
    let mut session = lock_session(&polling);
    for packet in engine::split_payload(payload) {
        if let Flow::Close(reason) = session.on_packet(packet) {
            tracing::debug!(socket = session.socket, reason, "polling session closed");
            polling.outlet.close();
            break;
        }
    }
    text(StatusCode::OK, "ok")
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use http_body_util::BodyExt;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    use super::*;
    use crate::app::Realtime;
    use crate::clock::ManualClock;
    use crate::domain::DomainConfig;
    use crate::net::LoadShedder;
    use crate::store::Store;

    fn transports(dir: &std::path::Path) -> Arc<Transports> {
        let clock = ManualClock::starting_at(1_767_225_600_000);
        let limits_clock: crate::clock::SharedClock = clock.clone();
        let store = Arc::new(
            Store::open(dir, 10, 10, Duration::from_secs(60), clock.clone()).expect("store"),
        );
        let mut flags = crate::config::Config::defaults().realtime;
        flags.send_queue_capacity = 16;
        flags.max_payload = 1000;
        let realtime = Realtime::start(
            DomainConfig::default(),
            flags,
            store.clone(),
            clock,
            TaskTracker::new(),
            CancellationToken::new(),
        );
        let shedder = Arc::new(LoadShedder::default());
        let body_read_timeout = Duration::from_secs(10);
        Transports::new(
            realtime,
            store,
            body_read_timeout,
            shedder,
            crate::config::Paywall::On,
            crate::net::handshake_limiter(&crate::config::Config::defaults().limits, &limits_clock),
            CancellationToken::new(),
        )
    }

    async fn body(response: Resp) -> (StatusCode, String) {
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A handshake's sid and its session.
    async fn open_session(state: &Arc<Transports>) -> (String, Arc<PollingSession>) {
        let (_, open) = body(handshake(state, std::net::Ipv4Addr::LOCALHOST.into())).await;
        let handshake: serde_json::Value = serde_json::from_str(&open[1..]).expect("open packet");
        let sid = handshake["sid"].as_str().expect("sid").to_owned();
        let session = state.polling.get(&sid).expect("registered");
        (sid, session)
    }

    /// Polls `future` once, as hyper does before the client's connection goes away.
    fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    fn queue(session: &PollingSession, packet: &'static str) {
        let frame = Out::Text(Bytes::from_static(packet.as_bytes()));
        session.outlet.try_send(frame).expect("room");
    }

    #[tokio::test]
    async fn a_get_dropped_while_waiting_leaves_the_session_open_for_the_next() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = transports(dir.path());
        let (sid, session) = open_session(&state).await;
        {
            let get = pin!(poll(&state, &sid));
            assert!(poll_once(get).is_pending(), "nothing queued: the GET waits");
            // Dropped here: its client disconnected.
        }
        queue(&session, "42[\"later\"]");
        assert_eq!(
            body(poll(&state, &sid).await).await,
            (StatusCode::OK, "42[\"later\"]".to_owned())
        );
        assert!(!session.outlet.is_closed(), "the session is still alive");
    }

    #[tokio::test]
    async fn a_second_get_while_one_waits_closes_the_session() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = transports(dir.path());
        let (sid, session) = open_session(&state).await;
        let mut first = pin!(poll(&state, &sid));
        assert!(poll_once(first.as_mut()).is_pending());
        let (status, _) = body(poll(&state, &sid).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(session.outlet.is_closed());
        assert_eq!(body(first.await).await, (StatusCode::OK, "1".to_owned()));
    }

    #[tokio::test]
    async fn one_get_carries_at_most_max_payload_bytes_and_the_rest_waits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = transports(dir.path());
        let (sid, session) = open_session(&state).await;
        for _ in 0..3 {
            let frame = Out::Text(Bytes::from(vec![b'4'; 400]));
            session.outlet.try_send(frame).expect("room");
        }
        let (_, first) = body(poll(&state, &sid).await).await;
        assert_eq!(first.len(), 400 + 1 + 400, "two packets and a separator");
        let (_, second) = body(poll(&state, &sid).await).await;
        assert_eq!(second.len(), 400, "the third waited for the next GET");
    }
}
