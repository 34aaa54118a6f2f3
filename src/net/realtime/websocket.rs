//! The WebSocket transport over fastwebsockets: a reader loop and a writer task per socket,
//! joined by the socket's bounded outlet queue.
//!
//! fastwebsockets' `read_frame` is not cancel-safe, so the reader is only raced against the
//! close signal, which ends the connection anyway. Its per-frame size limit does not bound a
//! fragmented message, so fragments are reassembled here under `--max-payload`. Automatic
//! pong/close replies are off: control frames are answered through the same writer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastwebsockets::{Frame, OpCode, Payload, WebSocket, WebSocketError, WebSocketWrite};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::WriteHalf;

use super::batch_writer::BatchWriter;
use super::session::{Flow, SocketSession};
use super::{at_capacity, engine_error};
use crate::app::{Out, Outlet};
use crate::net::respond::Resp;
use crate::server::AppState;

/// A write that makes no progress for this long means a dead or hostile peer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames written before one flush.
const WRITE_BATCH: usize = 64;

type Io = TokioIo<Upgraded>;
type Writer = WebSocketWrite<BatchWriter<WriteHalf<Io>>>;

pub async fn upgrade(state: &Arc<AppState>, mut request: Request<Incoming>) -> Resp {
    if let Some(refused) = at_capacity(state) {
        return refused;
    }
    let (response, pending) = match fastwebsockets::upgrade::upgrade(&mut request) {
        Ok(upgrade) => upgrade,
        Err(_) => return engine_error(3, "Bad request"),
    };
    let state = state.clone();
    tokio::spawn(async move {
        match pending.await {
            Ok(ws) => run(state, ws).await,
            Err(e) => tracing::debug!(error = %e, "websocket upgrade failed"),
        }
    });
    let (parts, _) = response.into_parts();
    let mut response = hyper::Response::from_parts(parts, Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    response
}

async fn run(state: Arc<AppState>, ws: WebSocket<Io>) {
    let (socket, outlet) = state.realtime.open_socket();
    let (mut reader, mut writer) = ws.split(|io| {
        let (read, write) = tokio::io::split(io);
        (read, BatchWriter::new(write))
    });
    // Frames go into the batch buffer and out with one syscall per batch (see batch_writer).
    writer.set_writev(false);
    reader.set_auto_close(false);
    reader.set_auto_pong(false);
    reader.set_max_message_size(state.config.max_payload);
    tokio::spawn(write_loop(writer, outlet.clone()));

    let mut session = SocketSession::new(state.clone(), socket, outlet.clone());
    let sid = format!("{socket:x}");
    let open = session.open_packet(&sid, &[]);
    let _ = outlet.try_send(Out::Text(Bytes::from(open)));

    let max = state.config.max_payload;
    let mut message: Vec<u8> = Vec::new();
    let mut no_obligations = |_: Frame<'_>| async { Ok::<(), std::io::Error>(()) };
    let reason = loop {
        let frame = tokio::select! {
            biased;
            () = outlet.closed() => break "closed by server",
            frame = reader.read_frame(&mut no_obligations) => frame,
        };
        let frame = match frame {
            Ok(frame) => frame,
            Err(WebSocketError::FrameTooLarge) => break "frame too large",
            Err(_) => break "transport closed",
        };
        let complete = match frame.opcode {
            OpCode::Text if frame.fin && message.is_empty() => Some(frame.payload.to_vec()),
            OpCode::Text | OpCode::Continuation => {
                if message.len() + frame.payload.len() > max {
                    break "message too large";
                }
                message.extend_from_slice(&frame.payload);
                frame.fin.then(|| std::mem::take(&mut message))
            }
            OpCode::Binary => break "binary frames are not supported",
            OpCode::Close => break "client closed",
            OpCode::Ping => {
                let _ = outlet.try_send(Out::Pong(Bytes::copy_from_slice(&frame.payload)));
                None
            }
            OpCode::Pong => None,
        };
        let Some(bytes) = complete else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            break "text frame is not UTF-8";
        };
        if let Flow::Close(reason) = session.on_packet(text) {
            break reason;
        }
    };
    tracing::debug!(socket, reason, "websocket closed");
    outlet.close();
    session.finish();
}

/// Writes queued frames in batches; on close, writes what was queued and a close frame.
async fn write_loop(mut writer: Writer, outlet: Arc<Outlet>) {
    while let Some(batch) = outlet.next_batch(WRITE_BATCH).await {
        if write_all(&mut writer, batch).await.is_err() {
            outlet.close();
            return;
        }
    }
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
        writer.write_frame(Frame::close(1000, b"")).await?;
        writer.flush().await
    })
    .await;
}

/// Encodes the batch into the buffer, then writes it with one flush.
async fn write_all(writer: &mut Writer, batch: Vec<Out>) -> Result<(), ()> {
    for out in &batch {
        let frame = match out {
            Out::Text(bytes) => Frame::text(Payload::Borrowed(bytes)),
            Out::Pong(bytes) => Frame::pong(Payload::Borrowed(bytes)),
        };
        // Only fills the buffer (or flushes past 64 KiB), so the timeout rarely matters here.
        match tokio::time::timeout(WRITE_TIMEOUT, writer.write_frame(frame)).await {
            Ok(Ok(())) => {}
            _ => return Err(()),
        }
    }
    match tokio::time::timeout(WRITE_TIMEOUT, writer.flush()).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
