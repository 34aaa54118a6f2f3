//! WebSocket frames (RFC 6455) as a server sees them: decoding client frames from bytes the
//! caller has just read, encoding server frames into an output buffer.
//!
//! Why not fastwebsockets' reader: it keeps an 8 KiB read buffer per socket for the socket's
//! whole life, half of the per-socket memory budget at tens of thousands of idle sockets. Here
//! the caller reads into a short-lived buffer and the decoder keeps only the tail of a frame
//! that has not fully arrived (nothing at all between messages). Header and unmasking rules are
//! the RFC's; the masking loop and the header encoding are fastwebsockets'.

use std::ops::ControlFlow;

use fastwebsockets::{Frame, OpCode, Payload};

/// A complete client message or control frame, borrowed from the decoder's input.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound<'a> {
    Text(&'a str),
    Ping(&'a [u8]),
    Pong,
    Close,
}

/// Why the connection must end, for the log.
pub type Violation = &'static str;

/// Longest frame header a client sends: 2 bytes, 8 of extended length, 4 of mask.
const MAX_HEADER: usize = 14;
/// Control frames carry at most this many payload bytes (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

pub struct Decoder {
    /// Bytes of a frame that has not fully arrived; unallocated between frames.
    partial: Vec<u8>,
    /// A fragmented text message being reassembled; unallocated between messages.
    message: Vec<u8>,
    /// True while a fragmented message is open (its first fragment may have been empty).
    in_message: bool,
    /// Bound on one message, whole or reassembled.
    max_payload: usize,
}

/// A parsed frame header.
struct Header {
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    header_len: usize,
    payload_len: usize,
}

impl Decoder {
    pub fn new(max_payload: usize) -> Self {
        Self {
            partial: Vec::new(),
            message: Vec::new(),
            in_message: false,
            max_payload,
        }
    }

    /// Decodes every complete frame of what was buffered plus `input`, calling `on_frame`
    /// for each message and control frame in order, and keeps an incomplete tail for the
    /// next call. Stops at the first protocol violation or when `on_frame` breaks.
    pub fn feed(
        &mut self,
        input: &mut [u8],
        mut on_frame: impl FnMut(Inbound<'_>) -> ControlFlow<Violation>,
    ) -> Result<(), Violation> {
        if self.partial.is_empty() {
            let used = self.decode(input, &mut on_frame)?;
            self.partial.extend_from_slice(&input[used..]);
        } else {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(input);
            let used = self.decode(&mut joined, &mut on_frame)?;
            joined.drain(..used);
            if !joined.is_empty() {
                self.partial = joined;
            }
        }
        Ok(())
    }

    /// Decodes complete frames from the front of `bytes`; returns how many bytes they took.
    fn decode(
        &mut self,
        bytes: &mut [u8],
        on_frame: &mut impl FnMut(Inbound<'_>) -> ControlFlow<Violation>,
    ) -> Result<usize, Violation> {
        let mut used = 0;
        while let Some(header) = self.header(&bytes[used..])? {
            let end = used + header.header_len + header.payload_len;
            if end > bytes.len() {
                break;
            }
            let payload = &mut bytes[used + header.header_len..end];
            fastwebsockets::unmask(payload, header.mask);
            used = end;
            if let ControlFlow::Break(reason) = self.frame(&header, payload, on_frame)? {
                return Err(reason);
            }
        }
        Ok(used)
    }

    /// The header at the front of `bytes`, `None` while incomplete; refuses frames this
    /// server never accepts before their payload is buffered.
    fn header(&self, bytes: &[u8]) -> Result<Option<Header>, Violation> {
        let [first, second, ..] = *bytes else {
            return Ok(None);
        };
        if first & 0b0111_0000 != 0 {
            return Err("reserved bits set");
        }
        if second & 0b1000_0000 == 0 {
            return Err("client frame not masked");
        }
        let fin = first & 0b1000_0000 != 0;
        let opcode = first & 0b0000_1111;
        let (length_bytes, short_len) = match second & 0b0111_1111 {
            126 => (2, 0),
            127 => (8, 0),
            len => (0, usize::from(len)),
        };
        let header_len = 2 + length_bytes + 4;
        if bytes.len() < header_len {
            return Ok(None);
        }
        let payload_len = match length_bytes {
            0 => short_len,
            _ => {
                let mut be = [0u8; 8];
                be[8 - length_bytes..].copy_from_slice(&bytes[2..2 + length_bytes]);
                usize::try_from(u64::from_be_bytes(be)).unwrap_or(usize::MAX)
            }
        };
        let is_control = opcode & 0b1000 != 0;
        if is_control && (!fin || payload_len > MAX_CONTROL_PAYLOAD) {
            return Err("malformed control frame");
        }
        if payload_len > self.max_payload {
            return Err("frame too large");
        }
        let mut mask = [0u8; 4];
        mask.copy_from_slice(&bytes[header_len - 4..header_len]);
        debug_assert!(header_len <= MAX_HEADER);
        Ok(Some(Header {
            fin,
            opcode,
            mask,
            header_len,
            payload_len,
        }))
    }

    /// Applies one unmasked frame: control frames and whole messages go to `on_frame`,
    /// fragments are reassembled under the message bound.
    fn frame(
        &mut self,
        header: &Header,
        payload: &[u8],
        on_frame: &mut impl FnMut(Inbound<'_>) -> ControlFlow<Violation>,
    ) -> Result<ControlFlow<Violation>, Violation> {
        const CONTINUATION: u8 = OpCode::Continuation as u8;
        const TEXT: u8 = OpCode::Text as u8;
        const BINARY: u8 = OpCode::Binary as u8;
        const CLOSE: u8 = OpCode::Close as u8;
        const PING: u8 = OpCode::Ping as u8;
        const PONG: u8 = OpCode::Pong as u8;
        match header.opcode {
            TEXT if self.in_message => Err("new message inside a fragmented one"),
            TEXT if header.fin => Ok(on_frame(Inbound::Text(utf8(payload)?))),
            TEXT => {
                self.in_message = true;
                self.message.extend_from_slice(payload);
                Ok(ControlFlow::Continue(()))
            }
            CONTINUATION if !self.in_message => Err("continuation without a message"),
            CONTINUATION => {
                if self.message.len() + payload.len() > self.max_payload {
                    return Err("message too large");
                }
                self.message.extend_from_slice(payload);
                if !header.fin {
                    return Ok(ControlFlow::Continue(()));
                }
                let message = std::mem::take(&mut self.message);
                self.in_message = false;
                Ok(on_frame(Inbound::Text(utf8(&message)?)))
            }
            BINARY => Err("binary frames are not supported"),
            CLOSE => Ok(on_frame(Inbound::Close)),
            PING => Ok(on_frame(Inbound::Ping(payload))),
            PONG => Ok(on_frame(Inbound::Pong)),
            _ => Err("unknown opcode"),
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Violation> {
    std::str::from_utf8(bytes).map_err(|_| "text frame is not UTF-8")
}

/// Appends one unmasked, final server frame.
pub fn encode(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let mut head = [0u8; MAX_HEADER];
    let len = Frame::new(true, opcode, None, Payload::Borrowed(payload)).fmt_head(&mut head);
    out.extend_from_slice(&head[..len]);
    out.extend_from_slice(payload);
}

/// Appends a close frame with a normal-closure code.
pub fn encode_close(out: &mut Vec<u8>) {
    encode(out, OpCode::Close, &1000u16.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

    /// A masked client frame, as a browser sends it.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![(u8::from(fin) << 7) | opcode];
        match payload.len() {
            len @ 0..=125 => frame.push(0x80 | len as u8),
            len @ 126..=65535 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&MASK);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        frame
    }

    #[derive(Debug, PartialEq, Eq)]
    enum Got {
        Text(String),
        Ping(Vec<u8>),
        Pong,
        Close,
    }

    fn feed(decoder: &mut Decoder, bytes: &[u8], got: &mut Vec<Got>) -> Result<(), Violation> {
        let mut input = bytes.to_vec();
        decoder.feed(&mut input, |frame| {
            got.push(match frame {
                Inbound::Text(text) => Got::Text(text.to_owned()),
                Inbound::Ping(payload) => Got::Ping(payload.to_vec()),
                Inbound::Pong => Got::Pong,
                Inbound::Close => Got::Close,
            });
            ControlFlow::Continue(())
        })
    }

    fn decode_all(bytes: &[u8]) -> Result<Vec<Got>, Violation> {
        let mut got = Vec::new();
        feed(&mut Decoder::new(1 << 20), bytes, &mut got).map(|()| got)
    }

    #[test]
    fn decodes_several_frames_of_every_length_form_in_one_read() {
        let long = "x".repeat(300);
        let huge = "y".repeat(70_000);
        let mut bytes = client_frame(true, 1, b"42[\"a\"]");
        bytes.extend(client_frame(true, 1, long.as_bytes()));
        bytes.extend(client_frame(true, 1, huge.as_bytes()));
        bytes.extend(client_frame(true, 9, b"hi"));
        bytes.extend(client_frame(true, 10, b""));
        bytes.extend(client_frame(true, 8, &1000u16.to_be_bytes()));
        assert_eq!(
            decode_all(&bytes).expect("valid"),
            vec![
                Got::Text("42[\"a\"]".into()),
                Got::Text(long),
                Got::Text(huge),
                Got::Ping(b"hi".to_vec()),
                Got::Pong,
                Got::Close,
            ]
        );
    }

    #[test]
    fn keeps_an_incomplete_frame_until_the_rest_arrives_byte_by_byte() {
        let mut bytes = client_frame(true, 1, "é".repeat(200).as_bytes());
        bytes.extend(client_frame(true, 1, b"2"));
        let mut decoder = Decoder::new(1 << 20);
        let mut got = Vec::new();
        for byte in &bytes {
            feed(&mut decoder, std::slice::from_ref(byte), &mut got).expect("valid");
        }
        assert_eq!(got, vec![Got::Text("é".repeat(200)), Got::Text("2".into())]);
        assert_eq!(decoder.partial.capacity(), 0, "nothing kept between frames");
    }

    #[test]
    fn reassembles_fragments_with_control_frames_between_them() {
        let mut bytes = client_frame(false, 1, b"42[\"chat\",");
        bytes.extend(client_frame(true, 9, b"p"));
        bytes.extend(client_frame(false, 0, b"\"hello\""));
        bytes.extend(client_frame(true, 0, b"]"));
        assert_eq!(
            decode_all(&bytes).expect("valid"),
            vec![
                Got::Ping(b"p".to_vec()),
                Got::Text("42[\"chat\",\"hello\"]".into())
            ]
        );
    }

    #[test]
    fn bounds_whole_and_fragmented_messages() {
        let mut decoder = Decoder::new(100);
        let mut got = Vec::new();
        assert_eq!(
            feed(&mut decoder, &client_frame(true, 1, &[b'a'; 101]), &mut got),
            Err("frame too large")
        );
        // The header alone is enough to refuse: the payload is never buffered.
        let announced = &client_frame(true, 1, &[b'a'; 70_000])[..14];
        assert_eq!(
            feed(&mut Decoder::new(100), announced, &mut got),
            Err("frame too large")
        );
        let mut decoder = Decoder::new(100);
        let mut bytes = client_frame(false, 1, &[b'a'; 60]);
        bytes.extend(client_frame(true, 0, &[b'a'; 60]));
        assert_eq!(
            feed(&mut decoder, &bytes, &mut got),
            Err("message too large")
        );
        assert!(got.is_empty());
    }

    #[test]
    fn refuses_what_the_protocol_forbids() {
        let cases: [(Vec<u8>, Violation); 8] = [
            (vec![0x81, 0x01, b'a'], "client frame not masked"),
            (client_frame(true, 1 | 0x40, b"a"), "reserved bits set"),
            (
                client_frame(true, 2, b"\x01"),
                "binary frames are not supported",
            ),
            (client_frame(true, 3, b""), "unknown opcode"),
            (client_frame(false, 9, b""), "malformed control frame"),
            (client_frame(true, 9, &[0; 126]), "malformed control frame"),
            (
                client_frame(true, 0, b"a"),
                "continuation without a message",
            ),
            (
                client_frame(true, 1, &[0xff, 0xfe]),
                "text frame is not UTF-8",
            ),
        ];
        for (bytes, violation) in cases {
            assert_eq!(decode_all(&bytes), Err(violation), "{bytes:?}");
        }
        let mut nested = client_frame(false, 1, b"a");
        nested.extend(client_frame(true, 1, b"b"));
        assert_eq!(
            decode_all(&nested),
            Err("new message inside a fragmented one")
        );
    }

    #[test]
    fn stops_where_the_handler_breaks() {
        let mut bytes = client_frame(true, 1, b"first");
        bytes.extend(client_frame(true, 1, b"second"));
        let mut seen = 0;
        let result = Decoder::new(100).feed(&mut bytes, |_| {
            seen += 1;
            ControlFlow::Break("handler said stop")
        });
        assert_eq!((result, seen), (Err("handler said stop"), 1));
    }

    /// 10,000 streams of valid, mutated and random frames, cut at random points: the
    /// decoder never panics, never holds more than one frame's worth, and decodes every
    /// unmutated stream exactly (up to a message over the bound, which ends the connection).
    #[test]
    fn survives_random_and_mutated_streams_cut_anywhere() {
        const MAX: usize = 4096;
        let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..10_000 {
            let mut stream = Vec::new();
            let mut texts = Vec::new();
            for _ in 0..rng.below(4) + 1 {
                let len = *rng.pick(&[0, 1, 5, 125, 126, 300, MAX, MAX + 1]);
                let text = "x".repeat(len);
                if rng.chance(8) {
                    stream.extend(client_frame(false, 1, text.as_bytes()));
                    stream.extend(client_frame(true, 0, b"!"));
                    texts.push(format!("{text}!"));
                } else {
                    stream.extend(client_frame(true, 1, text.as_bytes()));
                    texts.push(text);
                }
            }
            let mutated = round % 3 != 0;
            if mutated {
                for _ in 0..rng.below(4) + 1 {
                    let at = rng.below(stream.len());
                    stream[at] = rng.next() as u8;
                }
                if rng.chance(4) {
                    stream = (0..rng.below(64) + 1).map(|_| rng.next() as u8).collect();
                }
            }
            let mut decoder = Decoder::new(MAX);
            let mut got = Vec::new();
            let mut rest = stream.as_slice();
            let mut failed = false;
            while !rest.is_empty() && !failed {
                let cut = rng.below(rest.len()) + 1;
                failed = feed(&mut decoder, &rest[..cut], &mut got).is_err();
                rest = &rest[cut..];
                assert!(decoder.partial.len() <= MAX + MAX_HEADER, "round {round}");
            }
            if !mutated {
                let fitting = texts.iter().take_while(|t| t.len() <= MAX);
                let want: Vec<Got> = fitting.cloned().map(Got::Text).collect();
                assert_eq!(got, want, "round {round}");
                assert_eq!(failed, want.len() < texts.len(), "round {round}");
            }
        }
    }

    #[test]
    fn encodes_server_frames_unmasked_with_the_right_length_form() {
        for (len, header_len) in [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let payload = vec![b'z'; len];
            let mut out = Vec::new();
            encode(&mut out, OpCode::Text, &payload);
            assert_eq!(out.len(), header_len + len);
            assert_eq!(out[0], 0x81, "final text frame");
            assert_eq!(out[1] & 0x80, 0, "server frames are not masked");
            assert_eq!(&out[header_len..], &payload[..]);
        }
        let mut out = Vec::new();
        encode_close(&mut out);
        assert_eq!(out, [0x88, 2, 0x03, 0xe8]);
    }
}
