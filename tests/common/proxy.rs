//! A TCP proxy a test can cut and restore, to simulate a Postgres outage.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct Proxy {
    pub addr: SocketAddr,
    /// `None` while cut: new connections are closed at once, live ones were dropped.
    live: Arc<Mutex<Option<CancellationToken>>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let live = Arc::new(Mutex::new(Some(CancellationToken::new())));
        let state = live.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let token = state.lock().unwrap().clone();
                let Some(token) = token else {
                    drop(inbound);
                    continue;
                };
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        () = token.cancelled() => {}
                    }
                });
            }
        });
        Self { addr, live }
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
}
