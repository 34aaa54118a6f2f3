//! A real server on 127.0.0.1:0 with a temporary data directory and a manual clock, and a
//! small JSON client for it.
#![allow(dead_code, clippy::unwrap_used)]

pub mod load;
pub mod mirror;
pub mod pg;
pub mod process;
pub mod proxied;
pub mod proxy;
pub mod seeded;
pub mod ws;

use std::path::Path;
use std::sync::Arc;

use napalmsky::clock::{ManualClock, SharedClock};
use napalmsky::config::Config;
use napalmsky::server::{RunningServer, start};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z: tests run on their own timeline.
pub const T0: i64 = 1_767_225_600_000;

pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config::defaults();
    config.net.listen = "127.0.0.1:0".parse().unwrap();
    config.store.data_dir = data_dir.to_path_buf();
    // Cheap hashes keep tests fast; production parameters are the defaults.
    config.accounts.argon2_memory_kib = 64;
    config.accounts.argon2_iterations = 1;
    // Tests sign up many guests from 127.0.0.1; `edge.rs` tests the signup limit itself.
    config.limits.signup_rate_limit = 1_000_000;
    // Every test client is 127.0.0.1; `bounded.rs` tests the per-address limits.
    config.limits.handshake_rate_limit = 1_000_000;
    config.realtime.max_connections_per_ip = config.realtime.max_connections;
    config
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_at(T0);
        Self::start_in(dir, clock, tweak).await
    }

    pub async fn start_in(
        dir: tempfile::TempDir,
        clock: Arc<ManualClock>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = test_config(dir.path());
        tweak(&mut config);
        let shared: SharedClock = clock.clone();
        let server = start(config, shared).await.unwrap();
        let base = format!("http://{}", server.addr());
        Self {
            server: Some(server),
            base,
            clock,
            dir,
            http: reqwest::Client::new(),
        }
    }

    pub fn running(&self) -> &RunningServer {
        self.server.as_ref().unwrap()
    }

    /// Stops the server and hands back its data directory and clock for a restart.
    pub async fn stop(mut self) -> (tempfile::TempDir, Arc<ManualClock>) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        (self.dir, self.clock)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "{path} answered non-JSON: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `GET /metrics` (Prometheus text, not JSON).
    pub async fn metrics_text(&self) -> String {
        reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.send(
            Method::POST,
            path,
            token,
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await
    }

    pub async fn put(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.send(
            Method::PUT,
            path,
            token,
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await
    }

    /// Signs up a guest; returns (userId, sessionToken).
    pub async fn guest(&self, name: &str) -> (String, String) {
        let reply = self
            .post(
                "/auth/guest",
                json!({"name": name, "gender": "female"}),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        (
            reply.body["userId"].as_str().unwrap().to_owned(),
            reply.body["sessionToken"].as_str().unwrap().to_owned(),
        )
    }

    /// A guest linked to `email`/`password`; returns (userId, token of the linked session).
    pub async fn permanent(&self, name: &str, email: &str, password: &str) -> (String, String) {
        let (user_id, token) = self.guest(name).await;
        let reply = self
            .post(
                "/auth/link",
                json!({"sessionToken": token, "email": email, "password": password}),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        (user_id, token)
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await
    }
}

/// Asserts an error reply: status and `error` text.
pub fn assert_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status, "body: {}", reply.body);
    assert_eq!(reply.body["error"], message, "body: {}", reply.body);
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// Opens a stopped server's data directory (small caches, the system clock).
pub fn open_store(dir: &Path) -> napalmsky::store::Store {
    napalmsky::store::Store::open(
        dir,
        1,
        1,
        std::time::Duration::from_secs(1),
        Arc::new(napalmsky::clock::SystemClock),
    )
    .unwrap()
}

/// Polls `check` every 20 ms until it holds, failing after `seconds`. For conditions that
/// depend on background work (the sync draining), never a fixed sleep.
pub async fn wait_until<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Sets fields of a stored user directly, as a later capability (bans, import) would.
pub async fn edit_user(
    server: &TestServer,
    user_id: &str,
    edit: impl FnOnce(&mut napalmsky::store::records::User) + Send + 'static,
) {
    let id = napalmsky::accounts::parse_id(user_id).unwrap();
    server
        .running()
        .internals()
        .store()
        .write(move |tx| {
            let mut user = tx.user(&id)?.unwrap();
            edit(&mut user);
            tx.put_user(&mut user)
        })
        .await
        .unwrap();
}
