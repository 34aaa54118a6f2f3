//! A TCP proxy a test can cut and restore (Postgres refusing connections), or pause and
//! resume (a network black hole: connections stay open and nothing comes back).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub struct Proxy {
    pub addr: SocketAddr,
    /// `None` while cut: new connections are closed at once, live ones were dropped.
    live: Arc<Mutex<Option<CancellationToken>>>,
    /// `true` while paused: bytes are accepted from both sides and forwarded to neither.
    paused: watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let live = Arc::new(Mutex::new(Some(CancellationToken::new())));
        let (paused, _) = watch::channel(false);
        let (state, pause) = (live.clone(), paused.clone());
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let token = state.lock().unwrap().clone();
                let Some(token) = token else {
                    drop(inbound);
                    continue;
                };
                let pause = pause.subscribe();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (from_client, to_client) = inbound.into_split();
                    let (from_server, to_server) = outbound.into_split();
                    tokio::select! {
                        () = forward(from_client, to_server, pause.clone()) => {}
                        () = forward(from_server, to_client, pause) => {}
                        () = token.cancelled() => {}
                    }
                });
            }
        });
        Self { addr, live, paused }
    }

    /// Drops every proxied connection and refuses new ones.
    pub fn cut(&self) {
        if let Some(token) = self.live.lock().unwrap().take() {
            token.cancel();
        }
    }

    pub fn restore(&self) {
        *self.live.lock().unwrap() = Some(CancellationToken::new());
    }

    /// Stops forwarding in both directions; connections (new ones too) stay open.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Forwards again, starting with what was held back.
    pub fn resume(&self) {
        self.paused.send_replace(false);
    }
}

/// Copies `from` to `to`, holding each chunk while the proxy is paused.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut paused: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        if paused.wait_for(|paused| !paused).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
