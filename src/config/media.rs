//! Media uploads: how large a file may be, how long its upload may take, and the address
//! stored URLs start with.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Media")]
pub struct MediaConfig {
    /// Largest media upload (`POST /media/selfie`, `/media/video`), in bytes.
    #[arg(long, env = "NAPALMSKY_UPLOAD_LIMIT", default_value_t = 50 * 1024 * 1024, value_parser = positive::<usize>)]
    pub upload_limit: usize,

    /// Time a client has to send a whole upload (a 50 MB video over a slow link takes a while,
    /// so this is longer than `--body-read-timeout`).
    #[arg(long, env = "NAPALMSKY_UPLOAD_READ_TIMEOUT", default_value = "5m", value_parser = positive_duration)]
    pub upload_read_timeout: Duration,

    /// Public address of this server, as clients reach it (`https://api.example.com`): stored
    /// media URLs are `<this>/uploads/<name>`. Never taken from the request's Host header
    /// (§7.12). Default: `http://` and the listening address (127.0.0.1 when listening on
    /// every interface).
    #[arg(long, env = "NAPALMSKY_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl MediaConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let Some(url) = &self.public_url else {
            return Ok(());
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match rest {
            Some(rest) if !rest.is_empty() && !rest.contains(['?', '#', ' ']) => Ok(()),
            _ => fail(
                "public-url",
                "must look like https://host[:port][/path], without query or fragment",
            ),
        }
    }

    /// `--public-url` without a trailing slash, or the address derived from where the server
    /// listens (`bound`: the real port when `--listen` asked for port 0).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let mut addr = bound;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("http://{addr}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: Option<&str>) -> MediaConfig {
        MediaConfig {
            upload_limit: 1,
            upload_read_timeout: Duration::from_secs(1),
            public_url: url.map(str::to_owned),
        }
    }

    #[test]
    fn the_public_url_is_the_flag_or_the_listening_address() {
        let bound: SocketAddr = "0.0.0.0:3001".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(config(None).public_url(bound), "http://127.0.0.1:3001");
        let bound: SocketAddr = "10.0.0.2:80".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(config(None).public_url(bound), "http://10.0.0.2:80");
        let set = config(Some("https://api.example.com/"));
        assert_eq!(set.public_url(bound), "https://api.example.com");
    }

    #[test]
    fn a_public_url_must_be_an_http_address() {
        assert_eq!(config(None).validate(), Ok(()));
        assert_eq!(config(Some("https://a.example/api")).validate(), Ok(()));
        for bad in ["api.example.com", "https://", "http://a?x=1", "ftp://a"] {
            let error = config(Some(bad)).validate().expect_err(bad);
            assert_eq!(error.flag, "public-url");
        }
    }
}
