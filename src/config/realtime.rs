//! Sockets: how many, how often they are pinged and told about presence, how much they may send and hold.

use std::time::Duration;

use clap::Args;

use super::parse::{positive, positive_duration};
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Realtime")]
pub struct RealtimeConfig {
    /// Global limit of realtime connections.
    #[arg(long, env = "NAPALMSKY_MAX_CONNECTIONS", default_value_t = 5000, value_parser = positive::<u32>)]
    pub max_connections: u32,

    /// Realtime connections per client IP (sized for a campus or carrier NAT).
    #[arg(long, env = "NAPALMSKY_MAX_CONNECTIONS_PER_IP", default_value_t = 200, value_parser = positive::<u32>)]
    pub max_connections_per_ip: u32,

    /// Realtime connections per user; past it the oldest is disconnected.
    #[arg(long, env = "NAPALMSKY_MAX_CONNECTIONS_PER_USER", default_value_t = 2, value_parser = positive::<u32>)]
    pub max_connections_per_user: u32,

    /// Connection count at which a capacity warning is logged.
    #[arg(long, env = "NAPALMSKY_CONNECTIONS_WARNING", default_value_t = 4000)]
    pub connections_warning: u32,

    /// Presence and queue broadcasts are coalesced per tick of this length.
    #[arg(long, env = "NAPALMSKY_PRESENCE_INTERVAL", default_value = "2s", value_parser = positive_duration)]
    pub presence_interval: Duration,

    /// Frame deliveries (frames x authenticated sockets) a presence tick may make while it
    /// sends every change to every socket; past it each socket gets what its queue page needs.
    #[arg(long, env = "NAPALMSKY_PRESENCE_BUDGET", default_value_t = 20_000)]
    pub presence_budget: usize,

    /// Engine.IO ping interval.
    #[arg(long, env = "NAPALMSKY_PING_INTERVAL", default_value = "25s", value_parser = positive_duration)]
    pub ping_interval: Duration,

    /// Engine.IO ping timeout.
    #[arg(long, env = "NAPALMSKY_PING_TIMEOUT", default_value = "20s", value_parser = positive_duration)]
    pub ping_timeout: Duration,

    /// Frames queued per socket before a slow reader is disconnected.
    #[arg(long, env = "NAPALMSKY_SEND_QUEUE_CAPACITY", default_value_t = 256, value_parser = positive::<usize>)]
    pub send_queue_capacity: usize,

    /// Payload bytes queued per socket before a slow reader is disconnected (and its queue
    /// dropped); one frame larger than this is still accepted into an empty queue.
    #[arg(long, env = "NAPALMSKY_SEND_QUEUE_BYTES", default_value_t = 1 << 20, value_parser = positive::<usize>)]
    pub send_queue_bytes: usize,

    /// A WebSocket client whose connection accepts no bytes for this long is disconnected.
    #[arg(long, env = "NAPALMSKY_WRITE_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub write_timeout: Duration,

    /// Largest realtime message (reassembled), in bytes.
    #[arg(long, env = "NAPALMSKY_MAX_PAYLOAD", default_value_t = 1_000_000, value_parser = positive::<usize>)]
    pub max_payload: usize,

    /// Socket events per second a socket may send (token bucket rate).
    #[arg(long, env = "NAPALMSKY_SOCKET_EVENT_RATE", default_value_t = 20, value_parser = positive::<u32>)]
    pub socket_event_rate: u32,

    /// Burst size of the per-socket event token bucket.
    #[arg(long, env = "NAPALMSKY_SOCKET_EVENT_BURST", default_value_t = 60, value_parser = positive::<u32>)]
    pub socket_event_burst: u32,
}

impl RealtimeConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.connections_warning > self.max_connections {
            return fail("connections-warning", "must not exceed --max-connections");
        }
        if self.max_connections_per_user > self.max_connections {
            return fail(
                "max-connections-per-user",
                "must not exceed --max-connections",
            );
        }
        Ok(())
    }
}
