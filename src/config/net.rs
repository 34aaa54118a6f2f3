//! The HTTP edge: where to listen, who may call, how long a client may take.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use ipnet::IpNet;

use super::parse::{positive, positive_duration};
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Network")]
pub struct NetConfig {
    /// Address to listen on (HTTP and WebSocket share it).
    #[arg(long, env = "NAPALMSKY_LISTEN", default_value = "127.0.0.1:3001")]
    pub listen: SocketAddr,

    /// Comma-separated browser origins allowed by CORS and the WebSocket Origin check.
    #[arg(
        long,
        env = "NAPALMSKY_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "http://localhost:3000"
    )]
    pub allowed_origins: Vec<String>,

    /// Comma-separated proxy addresses or CIDRs whose X-Forwarded-For is trusted.
    #[arg(long, env = "NAPALMSKY_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,

    /// Environment name reported by `GET /`.
    #[arg(long, env = "NAPALMSKY_ENVIRONMENT", default_value = "development")]
    pub environment: String,

    /// Send Strict-Transport-Security (enable when served over HTTPS).
    #[arg(long, env = "NAPALMSKY_HSTS")]
    pub hsts: bool,

    /// Time a client has to send its request headers.
    #[arg(long, env = "NAPALMSKY_HEADER_READ_TIMEOUT", default_value = "30s", value_parser = positive_duration)]
    pub header_read_timeout: Duration,

    /// Time a client has to send a request body.
    #[arg(long, env = "NAPALMSKY_BODY_READ_TIMEOUT", default_value = "30s", value_parser = positive_duration)]
    pub body_read_timeout: Duration,

    /// Open HTTP connections (WebSockets included) per peer address; a trusted proxy is not
    /// counted per peer. Past it a new connection is closed at once.
    #[arg(long, env = "NAPALMSKY_MAX_HTTP_CONNECTIONS_PER_IP", default_value_t = 1000, value_parser = positive::<usize>)]
    pub max_http_connections_per_ip: usize,

    /// File descriptors never used for client connections (the store, uploads, Postgres,
    /// logs; half of it for local `/health` checks): connections are capped at the open-file
    /// limit minus this, the reserve taking at most a quarter of the limit.
    #[arg(long, env = "NAPALMSKY_FD_RESERVE", default_value_t = 1000)]
    pub fd_reserve: usize,

    /// Largest JSON request body, in bytes.
    #[arg(long, env = "NAPALMSKY_JSON_BODY_LIMIT", default_value_t = 100 * 1024, value_parser = positive::<usize>)]
    pub json_body_limit: usize,
}

impl NetConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for origin in &self.allowed_origins {
            let origin = origin.trim();
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return fail(
                    "allowed-origins",
                    format!("'{origin}' must look like https://host[:port] with no path"),
                );
            }
        }
        Ok(())
    }

    /// Allowed origins as the browser sends them (trimmed, the original did not trim).
    pub fn origins(&self) -> Vec<String> {
        self.allowed_origins
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }
}
