//! The WebSocket frame decoder on arbitrary client bytes: the frames (and the violation, if
//! any) are the same whether the bytes arrive at once or cut at arbitrary points, no message
//! exceeds the payload bound, and no control frame the RFC's 125 bytes.

use std::ops::ControlFlow;

use crate::net::realtime::ws_frames::{Decoder, Inbound};

/// Small enough for inputs to cross it.
const MAX_PAYLOAD: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
enum Decoded {
    Text(String),
    Ping(Vec<u8>),
    Pong,
    Close,
}

/// `input[0]` chooses where the rest is cut; the rest is what a client sent.
pub fn check(input: &[u8]) -> Result<(), String> {
    let Some((&cuts, stream)) = input.split_first() else {
        return Ok(());
    };
    let whole = decode(stream, &[stream.len()]);
    let sizes: Vec<usize> = (0..stream.len().max(1))
        .map(|i| 1 + (usize::from(cuts).wrapping_mul(31).wrapping_add(i * 7)) % 23)
        .collect();
    let pieces = decode(stream, &sizes);
    if whole != pieces {
        return Err(format!("decoded at once {whole:?}, in pieces {pieces:?}"));
    }
    for frame in &whole.0 {
        match frame {
            Decoded::Text(text) if text.len() > MAX_PAYLOAD => {
                return Err(format!("a {} byte message passed the bound", text.len()));
            }
            Decoded::Ping(payload) if payload.len() > 125 => {
                return Err(format!("a {} byte ping passed", payload.len()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Feeds `stream` in pieces of the given sizes (cycled); the frames, and the violation that
/// stopped the decoder.
fn decode(stream: &[u8], sizes: &[usize]) -> (Vec<Decoded>, Option<&'static str>) {
    let mut decoder = Decoder::new(MAX_PAYLOAD);
    let mut frames = Vec::new();
    let mut rest = stream;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, after) = rest.split_at(size.clamp(1, rest.len()));
        rest = after;
        let mut piece = piece.to_vec();
        let fed = decoder.feed(&mut piece, |frame| {
            frames.push(match frame {
                Inbound::Text(text) => Decoded::Text(text.to_owned()),
                Inbound::Ping(payload) => Decoded::Ping(payload.to_vec()),
                Inbound::Pong => Decoded::Pong,
                Inbound::Close => Decoded::Close,
            });
            ControlFlow::Continue(())
        });
        if let Err(violation) = fed {
            return (frames, Some(violation));
        }
    }
    (frames, None)
}
