//! The command's side of the control socket: asks the running server for a backup.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::error::BackupError;
use super::protocol::{Answer, MAX_ANSWER, Op, Request, SOCKET_FILE, read_line};
use super::stage::staged_path;

/// The staged backup the server wrote, or `None` when no server answers on the data
/// directory's socket (none was started, or the one that made the socket is gone).
pub async fn ask_server_for_backup(data_dir: &Path) -> Result<Option<PathBuf>, BackupError> {
    let socket = data_dir.join(SOCKET_FILE);
    let stream = match UnixStream::connect(&socket).await {
        Ok(stream) => stream,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            return Ok(None);
        }
        Err(e) => {
            return Err(BackupError::Protocol(format!(
                "connecting to {}: {e}",
                socket.display()
            )));
        }
    };
    let (read, mut write) = stream.into_split();
    let mut request = serde_json::to_vec(&Request { op: Op::Backup })
        .map_err(|e| BackupError::Protocol(e.to_string()))?;
    request.push(b'\n');
    write
        .write_all(&request)
        .await
        .map_err(|e| BackupError::Protocol(format!("sending the request: {e}")))?;
    // No deadline on the answer: a large store takes a while to copy, and the server bounds
    // its own work.
    let line = read_line(&mut BufReader::new(read), MAX_ANSWER).await?;
    let answer: Answer = serde_json::from_slice(&line)
        .map_err(|e| BackupError::Protocol(format!("unreadable answer: {e}")))?;
    match (answer.ok, answer.staged) {
        (true, Some(name)) => staged_path(data_dir, &name).map(Some),
        _ => Err(BackupError::Server(
            answer.error.unwrap_or_else(|| "no reason given".to_owned()),
        )),
    }
}
