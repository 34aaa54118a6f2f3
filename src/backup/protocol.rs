//! The control socket's protocol: one request line and one answer line of JSON per
//! connection. `{"op":"backup"}` is answered `{"ok":true,"staged":"<folder>"}` (a folder of
//! `<data-dir>/.backups`) or `{"ok":false,"error":"..."}`.

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::error::BackupError;

/// The socket's file name in the data directory.
pub const SOCKET_FILE: &str = "control.sock";
/// Longest request line read; a request is a few bytes.
pub const MAX_REQUEST: u64 = 1024;
/// Longest answer line read.
pub const MAX_ANSWER: u64 = 64 * 1024;

/// A request: an operation and nothing else (unknown members are refused, so a client
/// expecting a newer option is told instead of ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub op: Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Stage a backup in `<data-dir>/.backups/` and name its folder.
    Backup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Answer {
    pub fn staged(name: String) -> Self {
        Self {
            ok: true,
            staged: Some(name),
            error: None,
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            ok: false,
            staged: None,
            error: Some(message.into()),
        }
    }

    /// The answer as one line.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
        line.push(b'\n');
        line
    }
}

/// Reads one line of at most `max` bytes (without its newline).
pub async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    max: u64,
) -> Result<Vec<u8>, BackupError> {
    let mut line = Vec::new();
    reader
        .take(max + 1)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| BackupError::Protocol(e.to_string()))?;
    if line.last() != Some(&b'\n') {
        let why = if line.len() as u64 > max {
            format!("a line is longer than {max} bytes")
        } else {
            "the connection closed before a whole line".to_owned()
        };
        return Err(BackupError::Protocol(why));
    }
    line.pop();
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_requests_strict() {
        let mut short: &[u8] = b"{\"op\":\"backup\"}\n";
        let line = read_line(&mut short, MAX_REQUEST).await.unwrap_or_default();
        assert_eq!(
            serde_json::from_slice::<Request>(&line).ok(),
            Some(Request { op: Op::Backup })
        );

        let long = vec![b'x'; 2000];
        assert!(read_line(&mut long.as_slice(), MAX_REQUEST).await.is_err());
        let mut unfinished: &[u8] = b"{\"op\":";
        assert!(read_line(&mut unfinished, MAX_REQUEST).await.is_err());
        for bad in [
            &b"{\"op\":\"drop\"}"[..],
            b"{\"op\":\"backup\",\"to\":\"/\"}",
            b"[]",
        ] {
            assert!(serde_json::from_slice::<Request>(bad).is_err());
        }
    }
}
