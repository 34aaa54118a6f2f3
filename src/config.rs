//! Every limit and threshold of the server in one struct.
//!
//! Each field is a `napalmsky serve` flag and a `NAPALMSKY_*` environment variable. Defaults
//! follow the original server where its value was sane (see `shared/reference`). Later
//! capabilities (sockets, sync, paywall) read their thresholds from here too, so the whole
//! operational surface is documented by `--help` in one place.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;

fn duration(s: &str) -> Result<Duration, humantime::DurationError> {
    humantime::parse_duration(s)
}

/// Whether `/room/queue` and `/room/reel` require a paid (or code-verified) account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Paywall {
    On,
    Off,
}

#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on (HTTP and WebSocket share it).
    #[arg(long, env = "NAPALMSKY_LISTEN", default_value = "127.0.0.1:3001")]
    pub listen: SocketAddr,

    /// Directory holding the redb database and uploaded media.
    #[arg(long, env = "NAPALMSKY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

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

    /// PostgreSQL mirror (write-behind sync). Without it the server runs standalone.
    #[arg(long, env = "NAPALMSKY_POSTGRES_URL", hide_env_values = true)]
    pub postgres_url: Option<String>,

    /// Outbox entries drained into PostgreSQL per transaction.
    #[arg(long, env = "NAPALMSKY_SYNC_BATCH_SIZE", default_value_t = 1000)]
    pub sync_batch_size: usize,

    /// Pause between sync passes when the outbox is empty.
    #[arg(long, env = "NAPALMSKY_SYNC_INTERVAL", default_value = "200ms", value_parser = duration)]
    pub sync_interval: Duration,

    /// Outbox depth above which a warning is logged.
    #[arg(long, env = "NAPALMSKY_OUTBOX_WARN_DEPTH", default_value_t = 100_000)]
    pub outbox_warn_depth: u64,

    /// Global limit of realtime connections.
    #[arg(long, env = "NAPALMSKY_MAX_CONNECTIONS", default_value_t = 5000)]
    pub max_connections: u32,

    /// Realtime connections per user; past it the oldest is disconnected.
    #[arg(long, env = "NAPALMSKY_MAX_CONNECTIONS_PER_USER", default_value_t = 2)]
    pub max_connections_per_user: u32,

    /// Connection count at which a capacity warning is logged.
    #[arg(long, env = "NAPALMSKY_CONNECTIONS_WARNING", default_value_t = 4000)]
    pub connections_warning: u32,

    /// Entries of the verified-session cache.
    #[arg(long, env = "NAPALMSKY_SESSION_CACHE_SIZE", default_value_t = 1200)]
    pub session_cache_size: u64,

    /// Entries of the user-profile cache (rendered `/user/me` bodies).
    #[arg(long, env = "NAPALMSKY_USER_CACHE_SIZE", default_value_t = 800)]
    pub user_cache_size: u64,

    /// Time to live of cache entries.
    #[arg(long, env = "NAPALMSKY_CACHE_TTL", default_value = "60s", value_parser = duration)]
    pub cache_ttl: Duration,

    /// Resident memory (MiB) above which caches are dropped and a warning logged.
    #[arg(long, env = "NAPALMSKY_MEMORY_WARNING_MB", default_value_t = 1200)]
    pub memory_warning_mb: u64,

    /// Resident memory (MiB) at which caches are dropped, an error logged, and load shed
    /// (new sockets and heavy routes refused) until memory falls halfway back to the warning
    /// level.
    #[arg(long, env = "NAPALMSKY_MEMORY_CRITICAL_MB", default_value_t = 1400)]
    pub memory_critical_mb: u64,

    /// Interval of the memory monitor.
    #[arg(long, env = "NAPALMSKY_MONITOR_INTERVAL", default_value = "15s", value_parser = duration)]
    pub monitor_interval: Duration,

    /// Interval of the periodic cleanup (expired sessions, cooldowns, stale state).
    #[arg(long, env = "NAPALMSKY_CLEANUP_INTERVAL", default_value = "3m", value_parser = duration)]
    pub cleanup_interval: Duration,

    /// Presence and queue broadcasts are coalesced per tick of this length.
    #[arg(long, env = "NAPALMSKY_PRESENCE_INTERVAL", default_value = "2s", value_parser = duration)]
    pub presence_interval: Duration,

    /// Users whose presence change one tick announces at most (the most recent ones).
    #[arg(long, env = "NAPALMSKY_PRESENCE_BROADCAST_MAX", default_value_t = 8)]
    pub presence_broadcast_max: usize,

    /// How long a call invite waits for an answer.
    #[arg(long, env = "NAPALMSKY_INVITE_TTL", default_value = "20s", value_parser = duration)]
    pub invite_ttl: Duration,

    /// How many times `call:extend-wait` may extend one invite.
    #[arg(long, env = "NAPALMSKY_INVITE_MAX_EXTENSIONS", default_value_t = 3)]
    pub invite_max_extensions: u32,

    /// Lifetime of a guest session.
    #[arg(long, env = "NAPALMSKY_GUEST_SESSION_TTL", default_value = "7d", value_parser = duration)]
    pub guest_session_ttl: Duration,

    /// Lifetime of a permanent account's session (login, link).
    #[arg(long, env = "NAPALMSKY_PERMANENT_SESSION_TTL", default_value = "30d", value_parser = duration)]
    pub permanent_session_ttl: Duration,

    /// Cooldown between two users after a call or a decline.
    #[arg(long, env = "NAPALMSKY_CALL_COOLDOWN", default_value = "24h", value_parser = duration)]
    pub call_cooldown: Duration,

    /// Cooldown between two users after a rescinded invite.
    #[arg(long, env = "NAPALMSKY_RESCIND_COOLDOWN", default_value = "1h", value_parser = duration)]
    pub rescind_cooldown: Duration,

    /// Shortest call length a user may ask for, in seconds.
    #[arg(long, env = "NAPALMSKY_MIN_CALL_SECONDS", default_value_t = 60)]
    pub min_call_seconds: u32,

    /// Longest call length a user may ask for, in seconds.
    #[arg(long, env = "NAPALMSKY_MAX_CALL_SECONDS", default_value_t = 1800)]
    pub max_call_seconds: u32,

    /// Extra time past the agreed length before the server closes a room.
    #[arg(long, env = "NAPALMSKY_CALL_GRACE", default_value = "10s", value_parser = duration)]
    pub call_grace: Duration,

    /// Time a user has to reconnect after a transport drop before full cleanup.
    #[arg(long, env = "NAPALMSKY_DISCONNECT_GRACE", default_value = "5s", value_parser = duration)]
    pub disconnect_grace: Duration,

    /// Call history younger than this stays in the hot table; older entries are archived.
    #[arg(long, env = "NAPALMSKY_HISTORY_HOT_WINDOW", default_value = "7d", value_parser = duration)]
    pub history_hot_window: Duration,

    /// Most users returned by `GET /room/queue`.
    #[arg(long, env = "NAPALMSKY_QUEUE_MAX_RESULTS", default_value_t = 200)]
    pub queue_max_results: usize,

    /// Paywall on `/room/queue` and `/room/reel`.
    #[arg(long, env = "NAPALMSKY_PAYWALL", value_enum, default_value = "on")]
    pub paywall: Paywall,

    /// Failed `/auth` and `/admin` requests per IP per auth window.
    #[arg(long, env = "NAPALMSKY_AUTH_RATE_LIMIT", default_value_t = 6)]
    pub auth_rate_limit: u32,

    /// Window of the auth rate limit.
    #[arg(long, env = "NAPALMSKY_AUTH_RATE_WINDOW", default_value = "10m", value_parser = duration)]
    pub auth_rate_window: Duration,

    /// Guest signups per IP per auth window (the original limited only failed ones, §7.32).
    #[arg(long, env = "NAPALMSKY_SIGNUP_RATE_LIMIT", default_value_t = 30)]
    pub signup_rate_limit: u32,

    /// Requests per IP per API window on `/user`, `/room`, `/media`, `/referral`.
    #[arg(long, env = "NAPALMSKY_API_RATE_LIMIT", default_value_t = 500)]
    pub api_rate_limit: u32,

    /// Window of the API rate limit.
    #[arg(long, env = "NAPALMSKY_API_RATE_WINDOW", default_value = "1m", value_parser = duration)]
    pub api_rate_window: Duration,

    /// TURN credential requests per IP per TURN window.
    #[arg(long, env = "NAPALMSKY_TURN_RATE_LIMIT", default_value_t = 10)]
    pub turn_rate_limit: u32,

    /// Window of the TURN rate limit.
    #[arg(long, env = "NAPALMSKY_TURN_RATE_WINDOW", default_value = "1h", value_parser = duration)]
    pub turn_rate_window: Duration,

    /// Report requests per IP per report window.
    #[arg(long, env = "NAPALMSKY_REPORT_RATE_LIMIT", default_value_t = 50)]
    pub report_rate_limit: u32,

    /// Window of the report rate limit.
    #[arg(long, env = "NAPALMSKY_REPORT_RATE_WINDOW", default_value = "1h", value_parser = duration)]
    pub report_rate_window: Duration,

    /// Invite-code validation attempts per IP per hour.
    #[arg(long, env = "NAPALMSKY_VALIDATE_CODE_RATE_LIMIT", default_value_t = 5)]
    pub validate_code_rate_limit: u32,

    /// Socket events per second a socket may send (token bucket rate).
    #[arg(long, env = "NAPALMSKY_SOCKET_EVENT_RATE", default_value_t = 20)]
    pub socket_event_rate: u32,

    /// Burst size of the per-socket event token bucket.
    #[arg(long, env = "NAPALMSKY_SOCKET_EVENT_BURST", default_value_t = 60)]
    pub socket_event_burst: u32,

    /// Largest JSON request body, in bytes.
    #[arg(long, env = "NAPALMSKY_JSON_BODY_LIMIT", default_value_t = 100 * 1024)]
    pub json_body_limit: usize,

    /// Largest realtime message (reassembled), in bytes.
    #[arg(long, env = "NAPALMSKY_MAX_PAYLOAD", default_value_t = 1_000_000)]
    pub max_payload: usize,

    /// Largest media upload, in bytes.
    #[arg(long, env = "NAPALMSKY_UPLOAD_LIMIT", default_value_t = 50 * 1024 * 1024)]
    pub upload_limit: usize,

    /// Engine.IO ping interval.
    #[arg(long, env = "NAPALMSKY_PING_INTERVAL", default_value = "25s", value_parser = duration)]
    pub ping_interval: Duration,

    /// Engine.IO ping timeout.
    #[arg(long, env = "NAPALMSKY_PING_TIMEOUT", default_value = "20s", value_parser = duration)]
    pub ping_timeout: Duration,

    /// Frames queued per socket before a slow reader is disconnected.
    #[arg(long, env = "NAPALMSKY_SEND_QUEUE_CAPACITY", default_value_t = 256)]
    pub send_queue_capacity: usize,

    /// A WebSocket client whose connection accepts no bytes for this long is disconnected.
    #[arg(long, env = "NAPALMSKY_WRITE_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub write_timeout: Duration,

    /// Password hashes computed at once (each Argon2id hash holds its memory cost).
    #[arg(long, env = "NAPALMSKY_PASSWORD_HASH_CONCURRENCY", default_value_t = 2)]
    pub password_hash_concurrency: usize,

    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(long, env = "NAPALMSKY_ARGON2_MEMORY_KIB", default_value_t = 19_456)]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (OWASP: 2).
    #[arg(long, env = "NAPALMSKY_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,

    /// Time a client has to send its request headers.
    #[arg(long, env = "NAPALMSKY_HEADER_READ_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub header_read_timeout: Duration,

    /// Time a client has to send a request body.
    #[arg(long, env = "NAPALMSKY_BODY_READ_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub body_read_timeout: Duration,

    /// Time each shutdown phase gets: in-flight requests, the tasks they started, the
    /// outbox flush to Postgres.
    #[arg(long, env = "NAPALMSKY_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub shutdown_timeout: Duration,
}

/// A configuration that cannot work, with the flag to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: --{flag}: {problem}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub problem: String,
}

fn fail(flag: &'static str, problem: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError {
        flag,
        problem: problem.into(),
    })
}

impl Config {
    /// The defaults, as `napalmsky serve` with no flags and no environment would get them.
    pub fn defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        // The defaults are literals above; parsing them cannot fail.
        Only::parse_from(["napalmsky"]).config
    }

    /// Rejects combinations that would misbehave at run time, naming the flag.
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
        let positive = [
            ("sync-batch-size", self.sync_batch_size as u64),
            ("max-connections", u64::from(self.max_connections)),
            (
                "max-connections-per-user",
                u64::from(self.max_connections_per_user),
            ),
            ("session-cache-size", self.session_cache_size),
            ("user-cache-size", self.user_cache_size),
            ("queue-max-results", self.queue_max_results as u64),
            ("presence-broadcast-max", self.presence_broadcast_max as u64),
            ("auth-rate-limit", u64::from(self.auth_rate_limit)),
            ("api-rate-limit", u64::from(self.api_rate_limit)),
            ("signup-rate-limit", u64::from(self.signup_rate_limit)),
            ("turn-rate-limit", u64::from(self.turn_rate_limit)),
            ("report-rate-limit", u64::from(self.report_rate_limit)),
            (
                "validate-code-rate-limit",
                u64::from(self.validate_code_rate_limit),
            ),
            ("socket-event-rate", u64::from(self.socket_event_rate)),
            ("socket-event-burst", u64::from(self.socket_event_burst)),
            ("json-body-limit", self.json_body_limit as u64),
            ("max-payload", self.max_payload as u64),
            ("upload-limit", self.upload_limit as u64),
            ("send-queue-capacity", self.send_queue_capacity as u64),
            (
                "password-hash-concurrency",
                self.password_hash_concurrency as u64,
            ),
            ("argon2-iterations", u64::from(self.argon2_iterations)),
        ];
        for (flag, value) in positive {
            if value == 0 {
                return fail(flag, "must be greater than 0");
            }
        }
        let nonzero_durations = [
            ("sync-interval", self.sync_interval),
            ("cache-ttl", self.cache_ttl),
            ("monitor-interval", self.monitor_interval),
            ("cleanup-interval", self.cleanup_interval),
            ("presence-interval", self.presence_interval),
            ("invite-ttl", self.invite_ttl),
            ("guest-session-ttl", self.guest_session_ttl),
            ("permanent-session-ttl", self.permanent_session_ttl),
            ("auth-rate-window", self.auth_rate_window),
            ("api-rate-window", self.api_rate_window),
            ("turn-rate-window", self.turn_rate_window),
            ("report-rate-window", self.report_rate_window),
            ("ping-interval", self.ping_interval),
            ("ping-timeout", self.ping_timeout),
            ("header-read-timeout", self.header_read_timeout),
            ("write-timeout", self.write_timeout),
            ("body-read-timeout", self.body_read_timeout),
        ];
        for (flag, value) in nonzero_durations {
            if value.is_zero() {
                return fail(flag, "must be longer than 0");
            }
        }
        // Times are milliseconds in i64 and Postgres timestamps end in the year 294276: a
        // bound far below both keeps `now + duration` meaningful everywhere.
        let bounded_durations = nonzero_durations.into_iter().chain([
            ("call-cooldown", self.call_cooldown),
            ("rescind-cooldown", self.rescind_cooldown),
            ("call-grace", self.call_grace),
            ("disconnect-grace", self.disconnect_grace),
            ("history-hot-window", self.history_hot_window),
            ("shutdown-timeout", self.shutdown_timeout),
        ]);
        for (flag, value) in bounded_durations {
            if value > MAX_DURATION {
                return fail(flag, "must be at most 10 years");
            }
        }
        if self.connections_warning > self.max_connections {
            return fail("connections-warning", "must not exceed --max-connections");
        }
        if self.max_connections_per_user > self.max_connections {
            return fail(
                "max-connections-per-user",
                "must not exceed --max-connections",
            );
        }
        if self.memory_warning_mb >= self.memory_critical_mb {
            return fail("memory-warning-mb", "must be below --memory-critical-mb");
        }
        if self.min_call_seconds == 0 || self.min_call_seconds > self.max_call_seconds {
            return fail(
                "min-call-seconds",
                "must be at least 1 and not above --max-call-seconds",
            );
        }
        if self.argon2_memory_kib < 8 {
            return fail("argon2-memory-kib", "must be at least 8");
        }
        if let Some(url) = &self.postgres_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            // The URL may hold a password: name the problem, never echo the value.
            return fail(
                "postgres-url",
                "must start with postgres:// or postgresql://",
            );
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

/// The longest any duration flag may be.
const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_original() {
        let config = Config::defaults();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.listen.to_string(), "127.0.0.1:3001");
        assert_eq!(config.max_connections, 5000);
        assert_eq!(config.max_connections_per_user, 2);
        assert_eq!(config.connections_warning, 4000);
        assert_eq!(config.guest_session_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(
            config.permanent_session_ttl,
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(config.auth_rate_limit, 6);
        assert_eq!(config.auth_rate_window, Duration::from_secs(600));
        assert_eq!(config.api_rate_limit, 500);
        assert_eq!(config.presence_interval, Duration::from_secs(2));
    }

    #[test]
    fn bad_combinations_name_the_flag() {
        let mut config = Config::defaults();
        config.connections_warning = config.max_connections + 1;
        assert_eq!(config.validate().unwrap_err().flag, "connections-warning");

        let mut config = Config::defaults();
        config.memory_warning_mb = 2000;
        assert_eq!(config.validate().unwrap_err().flag, "memory-warning-mb");

        let mut config = Config::defaults();
        config.allowed_origins = vec!["localhost:3000".into()];
        assert_eq!(config.validate().unwrap_err().flag, "allowed-origins");

        let mut config = Config::defaults();
        config.min_call_seconds = 2000;
        assert_eq!(config.validate().unwrap_err().flag, "min-call-seconds");

        let mut config = Config::defaults();
        config.permanent_session_ttl = Duration::from_secs(3651 * 86_400);
        assert_eq!(config.validate().unwrap_err().flag, "permanent-session-ttl");

        let mut config = Config::defaults();
        config.call_cooldown = Duration::from_secs(u64::MAX / 2);
        assert_eq!(config.validate().unwrap_err().flag, "call-cooldown");

        let mut config = Config::defaults();
        config.postgres_url = Some("mysql://secret@host".into());
        let err = config.validate().unwrap_err();
        assert_eq!(err.flag, "postgres-url");
        assert!(!err.to_string().contains("secret"));
    }
}
