//! The server's control socket: `<data-dir>/control.sock`, a Unix socket that only the
//! server's own user (or root) may use, never the public port. It exists because redb lets
//! one process hold the database: a backup of a running server has to be written by it.
//!
//! One connection at a time, one request each, so two backups never run together. The
//! snapshot runs on the blocking pool; the async threads only wait for it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

use super::error::BackupError;
use super::files::discard;
use super::protocol::{Answer, MAX_REQUEST, Op, Request, SOCKET_FILE, read_line};
use super::stage::{STAGING_DIR, clear_staging, now_ms, stage};
use crate::media::Uploads;
use crate::store::Store;

/// A client has this long to send its request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What a backup needs from the running server.
struct ControlHandles {
    store: Arc<Store>,
    uploads: Uploads,
    data_dir: PathBuf,
}

/// Binds the control socket now (so it exists once the server reports ready) and returns
/// the task serving it until `stopped` turns true, which then removes the socket file. A
/// socket that cannot be bound (a data directory path too long for a socket address, a
/// read-only file system) is logged and the server runs without it.
pub fn serve_control(
    store: Arc<Store>,
    uploads: Uploads,
    data_dir: PathBuf,
    stopped: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    let path = data_dir.join(SOCKET_FILE);
    let listener = bind(&path)
        .inspect_err(|e| {
            tracing::warn!(path = %path.display(), error = %e, "control socket unavailable: `napalmsky backup` cannot reach this server");
        })
        .ok();
    if listener.is_some() {
        // This process holds the store, so no other can be using what an earlier run staged.
        clear_staging(&data_dir);
        tracing::info!(path = %path.display(), "control socket listening");
    }
    let handles = ControlHandles {
        store,
        uploads,
        data_dir,
    };
    async move {
        if let Some(listener) = listener {
            accept_loop(listener, handles, stopped).await;
            let _ = std::fs::remove_file(&path);
        }
    }
}

async fn accept_loop(
    listener: UnixListener,
    handles: ControlHandles,
    mut stopped: watch::Receiver<bool>,
) {
    let handles = Arc::new(handles);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        match accepted {
            Ok((stream, _)) => serve_one(stream, &handles, stopped.clone()).await,
            Err(e) => {
                tracing::warn!(error = %e, "control socket accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Binds the socket in place of one a previous run left (this process holds the data
/// directory, so nobody else is listening on it) and makes it owner-only.
fn bind(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

async fn serve_one(
    stream: UnixStream,
    handles: &Arc<ControlHandles>,
    mut stopped: watch::Receiver<bool>,
) {
    // The file mode already keeps others out; the peer's uid is checked as well, since the
    // mode is set just after bind.
    let allowed = stream.peer_cred().is_ok_and(|cred| {
        let uid = cred.uid();
        uid == 0 || uid == rustix::process::geteuid().as_raw()
    });
    let (read, mut write) = stream.into_split();
    let answer = if allowed {
        let mut read = BufReader::new(read);
        let request = tokio::time::timeout(REQUEST_TIMEOUT, read_line(&mut read, MAX_REQUEST));
        // A client that sends nothing does not hold up a shutdown; a backup under way does
        // (shutdown's task deadline bounds it).
        let request = tokio::select! {
            request = request => request,
            _ = stopped.changed() => return,
        };
        match request {
            Err(_) => Answer::error("no request line within the time allowed"),
            Ok(Err(e)) => Answer::error(e.to_string()),
            Ok(Ok(line)) => match serde_json::from_slice::<Request>(&line) {
                Ok(Request { op: Op::Backup }) => backup(handles).await,
                Err(e) => Answer::error(format!("bad request: {e}")),
            },
        }
    } else {
        Answer::error("permission denied")
    };
    if let Err(e) = write.write_all(&answer.to_line()).await {
        tracing::warn!(error = %e, "control socket client went away before the answer");
        // Nobody will collect it.
        if let Some(name) = &answer.staged {
            discard(&handles.data_dir.join(STAGING_DIR).join(name));
        }
    }
}

async fn backup(handles: &Arc<ControlHandles>) -> Answer {
    let paused = handles.uploads.pause_removals().await;
    let now = now_ms();
    let staging = handles.clone();
    let staged =
        tokio::task::spawn_blocking(move || stage(&staging.data_dir, &staging.store, paused, now))
            .await
            .unwrap_or_else(|e| Err(BackupError::Server(e.to_string())));
    match staged {
        Ok(dir) => {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
            Answer::staged(name.unwrap_or_default())
        }
        Err(e) => {
            tracing::error!(error = %e, "backup failed");
            Answer::error(e.to_string())
        }
    }
}
