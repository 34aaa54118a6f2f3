//! Encoded frames waiting for the socket: a batch of frames leaves in one `write` syscall, and
//! an idle socket holds no buffer of its size.

use std::io;

use fastwebsockets::OpCode;
use tokio::net::TcpStream;

use super::ws_frames;
use crate::app::Out;

/// Kept across flushes (the common small batch); a larger buffer is released once written.
/// Measured: releasing every buffer after each flush left more memory per idle socket
/// (allocator fragmentation), not less.
const KEEP_CAPACITY: usize = 512;

#[derive(Default)]
pub struct Outgoing {
    bytes: Vec<u8>,
    /// Bytes of `bytes` already written.
    written: usize,
}

impl Outgoing {
    pub fn is_empty(&self) -> bool {
        self.written == self.bytes.len()
    }

    pub fn push(&mut self, out: Out) {
        match out {
            Out::Text(text) => ws_frames::encode(&mut self.bytes, OpCode::Text, &text),
            Out::Batch(batch) => {
                for text in batch.packets() {
                    ws_frames::encode(&mut self.bytes, OpCode::Text, text);
                }
            }
            Out::Pong(payload) => ws_frames::encode(&mut self.bytes, OpCode::Pong, &payload),
        }
    }

    pub fn push_close(&mut self) {
        ws_frames::encode_close(&mut self.bytes);
    }

    /// Writes what the socket takes without waiting; `Ok(true)` if anything was written.
    pub fn write_some(&mut self, stream: &TcpStream) -> io::Result<bool> {
        let before = self.written;
        while !self.is_empty() {
            match stream.try_write(&self.bytes[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        let progressed = self.written > before;
        if self.is_empty() {
            self.release();
        }
        Ok(progressed)
    }

    /// Writes everything, waiting for the socket as needed.
    pub async fn write_all(&mut self, stream: &TcpStream) -> io::Result<()> {
        while !self.is_empty() {
            stream.writable().await?;
            self.write_some(stream)?;
        }
        Ok(())
    }

    fn release(&mut self) {
        self.written = 0;
        self.bytes.clear();
        if self.bytes.capacity() > KEEP_CAPACITY {
            self.bytes = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use tokio::io::AsyncReadExt;

    async fn pair() -> (TcpStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("addr"));
        let (client, accepted) = tokio::join!(client, listener.accept());
        (accepted.expect("accept").0, client.expect("connect"))
    }

    #[tokio::test]
    async fn a_batch_leaves_as_consecutive_frames_and_big_buffers_are_released() {
        let (server, mut client) = pair().await;
        let mut out = Outgoing::default();
        let big = Bytes::from(vec![b'b'; 10_000]);
        out.push(Out::Text(Bytes::from_static(b"40")));
        out.push(Out::Pong(Bytes::from_static(b"p")));
        out.push(Out::Text(big));
        out.push_close();
        out.write_all(&server).await.expect("write");
        assert!(out.is_empty());
        assert_eq!(out.bytes.capacity(), 0, "a grown buffer is released");

        let mut got = vec![0u8; 4 + 3 + 4 + 10_000 + 4];
        client.read_exact(&mut got).await.expect("read");
        assert_eq!(&got[..4], [0x81, 2, b'4', b'0']);
        assert_eq!(&got[4..7], [0x8a, 1, b'p']);
        assert_eq!(&got[7..11], [0x81, 126, 0x27, 0x10]);
        assert!(got[11..10_011].iter().all(|b| *b == b'b'));
        assert_eq!(&got[10_011..], [0x88, 2, 0x03, 0xe8]);
    }

    #[tokio::test]
    async fn a_peer_that_does_not_read_leaves_the_rest_pending() {
        let (server, _client) = pair().await;
        let mut out = Outgoing::default();
        // Far more than the kernel's socket buffers hold.
        let chunk = Bytes::from(vec![b'x'; 1 << 20]);
        for _ in 0..64 {
            out.push(Out::Text(chunk.clone()));
        }
        assert!(out.write_some(&server).expect("write"), "some was taken");
        assert!(!out.is_empty(), "the rest waits for the peer");
    }
}
