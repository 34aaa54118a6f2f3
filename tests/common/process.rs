//! The real `napalmsky` binary as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Served {
    pub child: Child,
    pub base: String,
    pub log: std::sync::mpsc::Receiver<String>,
}

/// A test that fails before stopping its server must not leave the process running (it
/// would hold CPU and ports for every later test); a stopped one is not signalled again.
impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `napalmsky serve` on an ephemeral port and reads the bound address from its log.
pub fn serve(data_dir: &std::path::Path) -> Served {
    serve_with(data_dir, &[])
}

/// Like `serve`, with extra flags.
pub fn serve_with(data_dir: &std::path::Path, flags: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_napalmsky"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(flags)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("JOURNAL_STREAM", "1") // plain lines, no ANSI
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (sender, log) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let addr = loop {
        let line = log
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the server logs its address");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    Served {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

pub fn terminate(mut served: Served) -> Vec<String> {
    let status = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = served.child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    served.log.try_iter().collect()
}

/// SIGKILL: no shutdown of any kind.
pub fn kill(mut served: Served) {
    let status = Command::new("kill")
        .args(["-KILL", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = served.child.wait();
}

/// The `/health` body of a server process, or `null` while it does not answer.
pub async fn health(base: &str) -> serde_json::Value {
    match reqwest::get(format!("{base}/health")).await {
        Ok(reply) => reply.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

/// Waits until the process's outbox is empty and its last sync step succeeded.
pub async fn wait_for_mirror(base: &str) {
    super::wait_until(120, "the mirror to catch up", || async {
        let sync = health(base).await["sync"].clone();
        sync["outboxDepth"] == 0 && sync["lastError"].is_null()
    })
    .await;
}
