//! The WebSocket transport: fastwebsockets answers the upgrade handshake, then one task per
//! socket reads client frames, writes the socket's outlet queue, and watches for a close.
//!
//! One task instead of a reader and a writer, and no per-socket read buffer: the task waits
//! for readiness, reads into its thread's buffer, and decodes frames from it (`ws_frames`).
//! An idle socket therefore costs its task, its outlet and the decoder's empty vectors. Frames
//! queued for the client leave in batches, one `write` per batch (`outgoing`); while a batch
//! is unwritten no new one is taken, so a client that stops reading fills its bounded outlet
//! and is dropped, and one whose writes make no progress for `--write-timeout` is closed.

use std::cell::RefCell;
use std::io;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::Transports;
use super::outgoing::Outgoing;
use super::session::{Flow, SocketSession};
use super::ws_frames::{Decoder, Inbound, Violation};
use super::{engine_error, open_within_capacity};
use crate::app::{Out, Outlet};
use crate::domain::SocketId;
use crate::net::Admitted;
use crate::net::respond::{Resp, full};

/// Frames taken from the outlet for one write, and their payload bytes at most (a larger
/// frame goes alone): the batch buffer of a socket stays small however big its queue.
const WRITE_BATCH: usize = 64;
const WRITE_BATCH_BYTES: usize = 64 * 1024;
/// Bytes read per readiness event.
const READ_CHUNK: usize = 16 * 1024;

thread_local! {
    /// One read buffer per runtime thread, lent to whichever socket is reading: a waiting
    /// socket holds none, and reads land in its spare capacity, so nothing is zeroed per read.
    /// It is only borrowed inside the synchronous `read_once`, never across an await.
    static READ_BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(READ_CHUNK));
}

pub async fn upgrade(
    state: &Arc<Transports>,
    ip: std::net::IpAddr,
    mut request: Request<Incoming>,
) -> Resp {
    // The socket's place is taken before the upgrade is answered, so a burst of handshakes
    // cannot pass the limit while upgrades are pending.
    let (socket, outlet) = match open_within_capacity(state, ip) {
        Ok(opened) => opened,
        Err(refused) => return refused,
    };
    // The connection is taken first, so fastwebsockets only checks the request and writes the
    // handshake answer: awaiting its own upgrade future would build (and allocate the read
    // buffer of) a WebSocket this transport does not use.
    // The connection's place under the HTTP connection limits, held until the socket ends.
    let place = request.extensions_mut().remove::<Arc<Admitted>>();
    let pending = hyper::upgrade::on(&mut request);
    let (response, _) = match fastwebsockets::upgrade::upgrade(&mut request) {
        Ok(upgrade) => upgrade,
        Err(_) => {
            state.realtime.forget_socket(socket);
            return engine_error(3, "Bad request");
        }
    };
    let owned = state.clone();
    let task = async move {
        let _place = place;
        let upgraded = match pending.await {
            Ok(upgraded) => upgraded,
            Err(e) => {
                owned.realtime.forget_socket(socket);
                return tracing::debug!(error = %e, "websocket upgrade failed");
            }
        };
        // The server serves plain TCP connections, so this is the accepted stream.
        match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => {
                // Copied out so the HTTP layer's read buffer, which `read_buf` still
                // points into even when empty, is freed now rather than with the socket.
                let hyper::upgrade::Parts { io, read_buf, .. } = parts;
                let early = read_buf.to_vec();
                drop(read_buf);
                run(owned, io.into_inner(), early, ip, (socket, outlet)).await
            }
            Err(_) => {
                owned.realtime.forget_socket(socket);
                tracing::error!("websocket upgraded over an unexpected transport")
            }
        }
    };
    state.realtime.spawn(task);
    let (parts, _) = response.into_parts();
    let mut response = hyper::Response::from_parts(parts, full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    response
}

/// Serves one socket from the upgrade to the end. `early` holds bytes the client sent right
/// behind its upgrade request, which the HTTP layer had already read.
async fn run(
    state: Arc<Transports>,
    stream: TcpStream,
    mut early: Vec<u8>,
    ip: std::net::IpAddr,
    (socket, outlet): (SocketId, Arc<Outlet>),
) {
    let mut session = SocketSession::new(state.clone(), socket, outlet.clone(), ip);
    // A random sid: a counter would tell anyone how many connections the server has had.
    let open = session.open_packet(&uuid::Uuid::new_v4().simple().to_string(), &[]);
    let _ = outlet.try_send(Out::Text(Bytes::from(open)));

    let mut connection = Connection {
        stream,
        decoder: Decoder::new(state.realtime.config().max_payload),
        outgoing: Outgoing::default(),
        write_timeout: state.realtime.config().write_timeout,
    };
    let received = connection.receive(&mut early, &mut session, &outlet);
    drop(early);
    let reason = match received {
        Ok(()) => connection.serve(&mut session, &outlet).await,
        Err(reason) => reason,
    };
    tracing::debug!(socket, reason, "websocket closed");
    outlet.close();
    session.finish();
    if reason != "write timed out" {
        connection.say_goodbye(&outlet).await;
    }
}

struct Connection {
    stream: TcpStream,
    decoder: Decoder,
    outgoing: Outgoing,
    /// A write that makes no progress for this long means a dead or hostile peer.
    write_timeout: Duration,
}

impl Connection {
    /// Reads, writes and waits until the connection must end; returns why.
    async fn serve(&mut self, session: &mut SocketSession, outlet: &Outlet) -> Violation {
        let mut write_deadline = Instant::now();
        loop {
            let writing = !self.outgoing.is_empty();
            tokio::select! {
                biased;
                () = outlet.closed() => return "closed by server",
                ready = self.stream.writable(), if writing => {
                    if ready.is_err() {
                        return "transport closed";
                    }
                    match self.outgoing.write_some(&self.stream) {
                        Ok(true) => write_deadline = Instant::now() + self.write_timeout,
                        Ok(false) => {}
                        Err(_) => return "transport closed",
                    }
                }
                () = tokio::time::sleep_until(write_deadline), if writing => {
                    return "write timed out";
                }
                ready = self.stream.readable() => {
                    if ready.is_err() {
                        return "transport closed";
                    }
                    if let Err(reason) = self.read_once(session, outlet) {
                        return reason;
                    }
                }
                () = outlet.ready(), if !writing => {
                    if !outlet.drain(WRITE_BATCH, WRITE_BATCH_BYTES, |out| self.outgoing.push(out)) {
                        return "closed by server";
                    }
                    if self.outgoing.write_some(&self.stream).is_err() {
                        return "transport closed";
                    }
                    write_deadline = Instant::now() + self.write_timeout;
                }
            }
        }
    }

    /// One non-blocking read, decoded and handled, in this thread's read buffer.
    fn read_once(&mut self, session: &mut SocketSession, outlet: &Outlet) -> Result<(), Violation> {
        READ_BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            match self.stream.try_read_buf(buffer) {
                Ok(0) => Err("transport closed"),
                Ok(_) => self.receive(buffer, session, outlet),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                Err(_) => Err("transport closed"),
            }
        })
    }

    fn receive(
        &mut self,
        bytes: &mut [u8],
        session: &mut SocketSession,
        outlet: &Outlet,
    ) -> Result<(), Violation> {
        self.decoder.feed(bytes, |frame| match frame {
            Inbound::Text(text) => match session.on_packet(text) {
                Flow::Close(reason) => ControlFlow::Break(reason),
                Flow::Continue => ControlFlow::Continue(()),
            },
            Inbound::Ping(payload) => {
                // Through the outlet, so the pong keeps its place among queued frames.
                let _ = outlet.try_send(Out::Pong(Bytes::copy_from_slice(payload)));
                ControlFlow::Continue(())
            }
            Inbound::Pong => ControlFlow::Continue(()),
            Inbound::Close => ControlFlow::Break("client closed"),
        })
    }

    /// Writes what was queued before the close, a batch at a time (never the whole queue in
    /// one buffer), then a close frame, then shuts the socket.
    async fn say_goodbye(&mut self, outlet: &Outlet) {
        let _ = tokio::time::timeout(self.write_timeout, async {
            self.outgoing.write_all(&self.stream).await?;
            // Closed: `drain` never waits, and says when the queue is empty.
            while outlet.drain(WRITE_BATCH, WRITE_BATCH_BYTES, |out| {
                self.outgoing.push(out)
            }) {
                self.outgoing.write_all(&self.stream).await?;
            }
            self.outgoing.push_close();
            self.outgoing.write_all(&self.stream).await?;
            self.stream.shutdown().await
        })
        .await;
    }
}
