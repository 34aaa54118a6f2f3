//! Arbitrary JSON bodies against every JSON route of a real server (in this process, on
//! 127.0.0.1:0, with a temporary data directory): each answer is a well-formed HTTP response
//! with a JSON body and never a 5xx other than a deliberate 503, and the server keeps
//! answering.
//!
//! The input's first byte picks the route, the rest is the body. Left out: the multipart
//! media routes, Stripe's webhook (its refusals are plain text, as Stripe expects), the two
//! logouts (they would end the harness's own session and with it every deeper path) and
//! `/admin/login` (each failure is answered after a second on purpose; `tests/admin.rs`
//! covers its bodies).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::clock::SystemClock;
use crate::config::{Config, Paywall};
use crate::server::{RunningServer, start};

const ROUTES: [(&str, &str); 13] = [
    ("POST", "/auth/guest"),
    ("POST", "/auth/link"),
    ("POST", "/auth/login"),
    ("PUT", "/user/me"),
    ("POST", "/payment/apply-code"),
    ("POST", "/payment/validate-code"),
    ("POST", "/payment/admin/generate-code"),
    ("POST", "/payment/admin/deactivate-code"),
    ("POST", "/payment/create-checkout"),
    ("POST", "/referral/generate"),
    ("POST", "/referral/direct-match"),
    ("POST", "/report/user"),
    (
        "POST",
        "/report/review/00000000-0000-0000-0000-000000000000",
    ),
];

/// A server and a keep-alive connection to it, signed in as a guest.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    addr: SocketAddr,
    dir: PathBuf,
    token: String,
    connection: Option<BufReader<TcpStream>>,
}

/// One answer: its status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
    closes: bool,
}

impl Harness {
    /// Starts the server; panics if it cannot (a harness without a server checks nothing).
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "napalmsky-fuzz-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime
            .block_on(start(config(&dir), Arc::new(SystemClock)))
            .expect("the server starts");
        let addr = server.addr();
        let mut harness = Self {
            runtime,
            server: Some(server),
            addr,
            dir,
            token: String::new(),
            connection: None,
        };
        let signup = harness
            .send("POST", "/auth/guest", br#"{"name":"Fuzz","gender":"male"}"#)
            .expect("the guest signup answers");
        let body: Value = serde_json::from_slice(&signup.body).unwrap_or_default();
        harness.token = body["sessionToken"].as_str().unwrap_or_default().to_owned();
        harness
    }

    /// Sends `input[1..]` as the body of the route `input[0]` picks.
    pub fn check(&mut self, input: &[u8]) -> Result<(), String> {
        let Some((&pick, body)) = input.split_first() else {
            return Ok(());
        };
        let (method, path) = ROUTES[usize::from(pick) % ROUTES.len()];
        let answer = self.send(method, path, body)?;
        // 503 is a deliberate answer (checkout without Stripe configured); any other 5xx is
        // a failure inside.
        if answer.status >= 500 && answer.status != 503 {
            return Err(format!("{method} {path} answered {}", answer.status));
        }
        if serde_json::from_slice::<Value>(&answer.body).is_err() {
            return Err(format!(
                "{method} {path} answered {} with a body that is not JSON: {:?}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        Ok(())
    }

    /// Sends on the kept connection, or on a new one if the server had closed the kept one
    /// (hyper closes a connection whose request body a route did not read, without saying
    /// so in the answer).
    fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Result<Answer, String> {
        if let Some(kept) = self.connection.take()
            && let Ok(answer) = self.send_on(kept, method, path, body)
        {
            return Ok(answer);
        }
        let stream = TcpStream::connect(self.addr).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        self.send_on(BufReader::new(stream), method, path, body)
    }

    fn send_on(
        &mut self,
        mut connection: BufReader<TcpStream>,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Answer, String> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
            self.token,
            body.len()
        );
        let stream = connection.get_mut();
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .map_err(|e| format!("{method} {path}: sending: {e}"))?;
        let answer = read_answer(&mut connection).map_err(|e| format!("{method} {path}: {e}"))?;
        if !answer.closes {
            self.connection = Some(connection);
        }
        Ok(answer)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads one response: the status line, the headers, a `Content-Length` body.
fn read_answer(connection: &mut BufReader<TcpStream>) -> Result<Answer, String> {
    let mut line = String::new();
    connection
        .read_line(&mut line)
        .map_err(|e| format!("reading the status line: {e}"))?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line: {line:?}"))?;
    let (mut length, mut closes) = (0usize, false);
    loop {
        line.clear();
        connection
            .read_line(&mut line)
            .map_err(|e| format!("reading headers: {e}"))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| format!("bad length {value:?}"))?;
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            closes = true;
        }
    }
    let mut body = vec![0; length];
    connection
        .read_exact(&mut body)
        .map_err(|e| format!("reading the body: {e}"))?;
    Ok(Answer {
        status,
        body,
        closes,
    })
}

/// The defaults, on an ephemeral port, without the limits meant for one user per address
/// (every request comes from 127.0.0.1) and with cheap password hashes.
fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults();
    config.net.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.store.data_dir = dir.to_path_buf();
    config.accounts.argon2_memory_kib = 64;
    config.accounts.argon2_iterations = 1;
    config.rules.paywall = Paywall::Off;
    config.limits.signup_rate_limit = u32::MAX;
    config.limits.auth_rate_limit = u32::MAX;
    config.limits.api_rate_limit = u32::MAX;
    config.limits.report_rate_limit = u32::MAX;
    config
}
