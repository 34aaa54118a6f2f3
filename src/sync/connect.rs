//! Connecting to Postgres with bounded waits: a connect timeout and a statement timeout, so a
//! hung server delays the mirror, never the process.

use std::time::Duration;

use tokio_postgres::{Client, NoTls};

use super::SyncError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// No mirror statement should take this long; one that does is abandoned and retried.
const STATEMENT_TIMEOUT_MS: u32 = 30_000;

/// Connects and spawns the connection driver. Errors never contain the URL (it may hold a
/// password).
pub async fn connect(url: &str) -> Result<Client, SyncError> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| SyncError::Url(e.to_string()))?;
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .options(format!("-c statement_timeout={STATEMENT_TIMEOUT_MS}"))
        .application_name("napalmsky");
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .map_err(|_| SyncError::ConnectTimeout)??;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}
