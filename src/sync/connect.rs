//! Connecting to Postgres with bounded waits: a connect timeout, a statement timeout and TCP
//! keepalives, so a hung server delays the mirror, never the process. The sync worker adds
//! its own deadline on every exchange (`--sync-timeout`): a network black hole leaves the
//! connection open and answers nothing, which none of these settings catches quickly alone.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

use super::SyncError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// No mirror statement should take this long; one that does is abandoned and retried.
const STATEMENT_TIMEOUT_MS: u32 = 30_000;
/// Keepalive probes start after this much silence, then repeat at `KEEPALIVE_INTERVAL`; the
/// kernel gives up after `KEEPALIVE_RETRIES` unanswered ones (about 11 s for a dead peer).
const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
const KEEPALIVE_RETRIES: u32 = 3;
/// Data sent but unacknowledged for this long ends the connection (TCP_USER_TIMEOUT).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(20);

/// A client and the task driving its connection. Dropping it ends the connection at once,
/// even one waiting for an answer that will never come (a dropped `Client` alone leaves the
/// driver waiting for that answer, holding the socket).
pub struct PgConnection {
    client: Client,
    driver: JoinHandle<()>,
}

impl Deref for PgConnection {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for PgConnection {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Connects and spawns the connection driver. Errors never contain the URL (it may hold a
/// password).
pub async fn connect(url: &str) -> Result<PgConnection, SyncError> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| SyncError::Url(e.to_string()))?;
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(KEEPALIVE_IDLE)
        .keepalives_interval(KEEPALIVE_INTERVAL)
        .keepalives_retries(KEEPALIVE_RETRIES)
        .tcp_user_timeout(TCP_USER_TIMEOUT)
        .options(format!("-c statement_timeout={STATEMENT_TIMEOUT_MS}"))
        .application_name("napalmsky");
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .map_err(|_| SyncError::ConnectTimeout)??;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(PgConnection { client, driver })
}
