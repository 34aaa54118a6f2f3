//! Command line and the validated run settings.
//!
//! The generator only ever talks to the local machine: a load test aimed at someone else's
//! server is an attack, so [`check_loopback`] refuses any target that is not 127.0.0.0/8, ::1
//! or `localhost`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;

use super::client::model::ClientModel;

/// Plays a "speed-dating evening" against a local napalmsky server and measures it.
#[derive(Parser, Debug, Clone)]
#[command(name = "loadgen", version)]
pub struct Args {
    /// Server base URL; must be a loopback address (127.0.0.0/8, ::1, localhost).
    #[arg(long, default_value = "http://127.0.0.1:3001")]
    pub target: String,
    /// Simulated users (each one HTTP client identity and one WebSocket).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// Users started per second during the ramp.
    #[arg(long, default_value_t = 200.0)]
    pub ramp_rate: f64,
    /// Seconds of the steady phase after the ramp.
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Invites per second per idle user (Poisson arrivals).
    #[arg(long, default_value_t = 0.02)]
    pub invite_rate: f64,
    /// Probability that an invite is accepted (else declined).
    #[arg(long, default_value_t = 0.7)]
    pub accept_probability: f64,
    /// Real seconds a call lasts before the initiator sends `call:end`.
    #[arg(long, default_value_t = 20.0)]
    pub call_length: f64,
    /// `requestedSeconds` sent with invites and accepts (the server's minimum is 60).
    #[arg(long, default_value_t = 60)]
    pub call_seconds: u32,
    /// Which web client the users imitate: `web` (the existing client's matchmaking overlay
    /// and landing page) or `legacy` (the generator's first model: fixed polls only).
    #[arg(long, value_enum, default_value_t = ClientModel::Web)]
    pub client_model: ClientModel,
    /// Seconds between two `GET /room/queue` polls of one user (the web client's 5 s).
    #[arg(long, default_value_t = 5.0)]
    pub poll_interval: f64,
    /// Check that every user's view of every other user's presence follows the truth (web
    /// model, one process only; see `client::presence`).
    #[arg(long)]
    pub check_presence: bool,
    /// The server's `--presence-interval` in seconds: how long `--check-presence` waits for
    /// a change to be announced (two intervals plus one second).
    #[arg(long, default_value_t = 2.0)]
    pub presence_interval: f64,
    /// Seconds an expected answer may take before it counts as `timeout:<event>`.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// The server's invite TTL in seconds (`--invite-ttl` of napalmsky serve): an invite's
    /// answer is expected within it plus `--timeout`.
    #[arg(long, default_value_t = 20.0)]
    pub invite_ttl: f64,
    /// `rtc:ice` messages each side sends per call.
    #[arg(long, default_value_t = 3)]
    pub ice_per_call: u32,
    /// `room:chat` messages each side sends per call.
    #[arg(long, default_value_t = 2)]
    pub chats_per_call: u32,
    /// The server's process id: its CPU and RSS are sampled from /proc every second.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Write the JSON report here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write an SVG plot (latency p99, server CPU and RSS, connected users over time) here.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Idle sockets only: signup, connect, auth, `presence:join`; no queue, polls or calls
    /// (for the server's memory per idle socket).
    #[arg(long)]
    pub idle: bool,
    /// Fork this many child processes, each running users/N at ramp-rate/N, and merge their
    /// results (a process holds at most ~20,000 file descriptors).
    #[arg(long, default_value_t = 1)]
    pub processes: usize,
    /// Exit 0 even when errors were counted.
    #[arg(long)]
    pub allow_errors: bool,
    /// Internal: this process is child number N of a `--processes` run.
    #[arg(long, hide = true)]
    pub child_index: Option<usize>,
    /// Internal: the parent's start time (wall-clock ms), so all series share one origin.
    #[arg(long, hide = true)]
    pub epoch_ms: Option<u64>,
}

/// Validated settings of one run; serialized as the report's `parameters`.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// `http://host:port`, no trailing slash.
    pub target: String,
    #[serde(skip)]
    pub ws_url: String,
    pub users: usize,
    pub ramp_rate: f64,
    pub duration_s: f64,
    pub invite_rate: f64,
    pub accept_probability: f64,
    pub call_length_s: f64,
    pub call_seconds: u32,
    pub client_model: ClientModel,
    pub poll_interval_s: f64,
    pub check_presence: bool,
    pub presence_interval_s: f64,
    pub timeout_s: f64,
    pub invite_ttl_s: f64,
    pub ice_per_call: u32,
    pub chats_per_call: u32,
    pub idle: bool,
    pub processes: usize,
    pub server_pid: Option<u32>,
    pub allow_errors: bool,
    #[serde(skip)]
    pub out: Option<PathBuf>,
    #[serde(skip)]
    pub plot: Option<PathBuf>,
    #[serde(skip)]
    pub child_index: Option<usize>,
    #[serde(skip)]
    pub epoch_ms: Option<u64>,
}

impl Settings {
    pub fn call_length(&self) -> Duration {
        Duration::from_secs_f64(self.call_length_s)
    }
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs_f64(self.poll_interval_s)
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_s)
    }
    pub fn invite_ttl(&self) -> Duration {
        Duration::from_secs_f64(self.invite_ttl_s)
    }
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration_s)
    }

    pub fn presence_interval(&self) -> Duration {
        Duration::from_secs_f64(self.presence_interval_s)
    }

    /// How long a presence change may take to reach every socket before `--check-presence`
    /// calls it missed: it waits for the next tick (one interval), the tick's delivery is
    /// spread over up to one more interval, and one second covers the network and the
    /// generator's own scheduling.
    pub fn presence_window(&self) -> Duration {
        Duration::from_secs_f64(2.0 * self.presence_interval_s + 1.0)
    }

    /// The local address child `i` of a `--processes` run connects from when the target is
    /// IPv4 loopback: 127.0.0.(10 + i). Why: every connection to the server takes an
    /// ephemeral port, and with ~19,000 of them from one address the kernel's search for a
    /// free port (`__inet_hash_connect`) took ~14 % of the generator's CPU during the ramp.
    /// Each child on its own loopback address has its own port space.
    pub fn source_ip(&self) -> Option<std::net::IpAddr> {
        let index = u8::try_from(self.child_index?).ok()?.checked_add(10)?;
        let host = reqwest::Url::parse(&self.target)
            .ok()?
            .host_str()?
            .to_owned();
        match host.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) if v4.is_loopback() => {
                Some(std::net::Ipv4Addr::new(127, 0, 0, index).into())
            }
            _ => None,
        }
    }

    /// The command line of child `index` of a `--processes` run: its share of the users and
    /// of the ramp rate, everything else the same. Children never sample the server (the
    /// parent does) and always exit 0 on counted errors (the parent decides).
    pub fn child_args(&self, index: usize, users: usize, epoch_ms: u64) -> Vec<String> {
        let n = self.processes.max(1);
        let mut args = vec![
            "--target".into(),
            self.target.clone(),
            "--users".into(),
            users.to_string(),
            "--ramp-rate".into(),
            (self.ramp_rate / n as f64).to_string(),
            "--duration".into(),
            self.duration_s.to_string(),
            "--invite-rate".into(),
            self.invite_rate.to_string(),
            "--accept-probability".into(),
            self.accept_probability.to_string(),
            "--call-length".into(),
            self.call_length_s.to_string(),
            "--call-seconds".into(),
            self.call_seconds.to_string(),
            "--client-model".into(),
            self.client_model.name().into(),
            "--poll-interval".into(),
            self.poll_interval_s.to_string(),
            "--presence-interval".into(),
            self.presence_interval_s.to_string(),
            "--timeout".into(),
            self.timeout_s.to_string(),
            "--invite-ttl".into(),
            self.invite_ttl_s.to_string(),
            "--ice-per-call".into(),
            self.ice_per_call.to_string(),
            "--chats-per-call".into(),
            self.chats_per_call.to_string(),
            "--processes".into(),
            "1".into(),
            "--allow-errors".into(),
            "--child-index".into(),
            index.to_string(),
            "--epoch-ms".into(),
            epoch_ms.to_string(),
        ];
        if self.idle {
            args.push("--idle".into());
        }
        args
    }
}

impl Args {
    /// Checks every value; the error names the flag.
    pub fn settings(&self) -> Result<Settings, String> {
        let (target, ws_url) = check_loopback(&self.target)?;
        let positive = |flag: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(format!("--{flag} must be a positive number, got {v}"))
            }
        };
        let non_negative = |flag: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(format!("--{flag} must be zero or more, got {v}"))
            }
        };
        if self.users == 0 {
            return Err("--users must be at least 1".into());
        }
        if self.processes == 0 || self.processes > self.users {
            return Err("--processes must be between 1 and --users".into());
        }
        if !(0.0..=1.0).contains(&self.accept_probability) {
            return Err("--accept-probability must be within 0..=1".into());
        }
        if self.call_seconds < 60 {
            return Err("--call-seconds must be at least 60 (the server's minimum)".into());
        }
        if self.check_presence && self.processes > 1 {
            // The check compares each user's view with the other users' truth, which only
            // this process's users publish.
            return Err("--check-presence needs every user in one process (--processes 1)".into());
        }
        if self.check_presence && !self.client_model.decodes_presence() {
            return Err(
                "--check-presence needs --client-model web (legacy skips presence frames)".into(),
            );
        }
        Ok(Settings {
            target,
            ws_url,
            users: self.users,
            ramp_rate: positive("ramp-rate", self.ramp_rate)?,
            duration_s: non_negative("duration", self.duration)?,
            invite_rate: non_negative("invite-rate", self.invite_rate)?,
            accept_probability: self.accept_probability,
            call_length_s: positive("call-length", self.call_length)?,
            call_seconds: self.call_seconds,
            client_model: self.client_model,
            poll_interval_s: positive("poll-interval", self.poll_interval)?,
            check_presence: self.check_presence,
            presence_interval_s: positive("presence-interval", self.presence_interval)?,
            timeout_s: positive("timeout", self.timeout)?,
            invite_ttl_s: positive("invite-ttl", self.invite_ttl)?,
            ice_per_call: self.ice_per_call,
            chats_per_call: self.chats_per_call,
            idle: self.idle,
            processes: self.processes,
            server_pid: self.server_pid,
            allow_errors: self.allow_errors,
            out: self.out.clone(),
            plot: self.plot.clone(),
            child_index: self.child_index,
            epoch_ms: self.epoch_ms,
        })
    }
}

/// `(http base, Socket.IO WebSocket URL)` for a loopback `http://` target, else why not.
///
/// Accepted hosts: `localhost`, any 127.0.0.0/8 address, `::1` (and its IPv4-mapped form of
/// a 127/8 address). Only plain `http` (the server does not speak TLS; a proxy in front of
/// it would not be local). A path other than `/` is refused rather than silently dropped.
pub fn check_loopback(target: &str) -> Result<(String, String), String> {
    let url = reqwest::Url::parse(target).map_err(|e| format!("--target {target:?}: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "--target {target:?}: only http:// targets are supported"
        ));
    }
    if !(url.path().is_empty() || url.path() == "/") || url.query().is_some() {
        return Err(format!(
            "--target {target:?}: give the server's base URL, no path"
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("--target {target:?}: no host"))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = if bare.eq_ignore_ascii_case("localhost") {
        true
    } else {
        match bare.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => ip.is_loopback(),
            Ok(IpAddr::V6(ip)) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Err(_) => false,
        }
    };
    if !loopback {
        return Err(format!(
            "--target {target:?}: refusing a non-loopback host (only 127.0.0.0/8, ::1, localhost)"
        ));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| format!("--target {target:?}: no port"))?;
    Ok((
        format!("http://{host}:{port}"),
        format!("ws://{host}:{port}/socket.io/?EIO=4&transport=websocket"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_are_accepted() {
        for (target, base) in [
            ("http://127.0.0.1:3001", "http://127.0.0.1:3001"),
            ("http://127.8.9.10:80/", "http://127.8.9.10:80"),
            ("http://localhost:3101", "http://localhost:3101"),
            ("http://LOCALHOST", "http://localhost:80"),
            ("http://[::1]:3001", "http://[::1]:3001"),
            ("http://[::ffff:127.0.0.1]:1", "http://[::ffff:7f00:1]:1"),
        ] {
            let (http, ws) = check_loopback(target).unwrap();
            assert_eq!(http, base, "{target}");
            assert!(ws.starts_with("ws://"), "{ws}");
            assert!(
                ws.ends_with("/socket.io/?EIO=4&transport=websocket"),
                "{ws}"
            );
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for target in [
            "http://10.0.0.1:3001",
            "http://192.168.1.2",
            "http://0.0.0.0:3001",
            "http://[::]:3001",
            "http://[2001:db8::1]:3001",
            "http://example.com",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "https://127.0.0.1:3001",
            "ws://127.0.0.1:3001",
            "http://127.0.0.1:3001/api",
            "127.0.0.1:3001",
            "not a url",
        ] {
            assert!(check_loopback(target).is_err(), "{target} was accepted");
        }
    }

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["loadgen"];
        argv.extend_from_slice(extra);
        Args::parse_from(argv)
    }

    #[test]
    fn settings_are_validated_by_flag() {
        assert!(args(&[]).settings().is_ok());
        let cases: [(&[&str], &str); 9] = [
            (&["--users", "0"], "--users"),
            (&["--call-seconds", "59"], "--call-seconds"),
            (&["--accept-probability", "1.5"], "--accept-probability"),
            (&["--ramp-rate", "0"], "--ramp-rate"),
            (&["--users", "3", "--processes", "4"], "--processes"),
            (&["--target", "http://1.1.1.1"], "non-loopback"),
            (
                &["--users", "4", "--processes", "2", "--check-presence"],
                "--processes 1",
            ),
            (
                &["--client-model", "legacy", "--check-presence"],
                "--client-model web",
            ),
            (&["--presence-interval", "0"], "--presence-interval"),
        ];
        for (flags, needle) in cases {
            let error = args(flags).settings().unwrap_err();
            assert!(error.contains(needle), "{flags:?}: {error}");
        }
    }

    #[test]
    fn the_web_model_is_the_default_and_the_presence_window_follows_the_interval() {
        let settings = args(&[]).settings().unwrap();
        assert_eq!(settings.client_model, ClientModel::Web);
        assert_eq!(settings.poll_interval(), Duration::from_secs(5));
        assert_eq!(settings.presence_window(), Duration::from_secs(5));
        let fast = args(&["--presence-interval", "0.5", "--check-presence"])
            .settings()
            .unwrap();
        assert_eq!(fast.presence_window(), Duration::from_secs(2));
    }

    #[test]
    fn child_args_parse_back_to_the_childs_share() {
        let settings = args(&[
            "--users",
            "10",
            "--processes",
            "2",
            "--idle",
            "--client-model",
            "legacy",
            "--presence-interval",
            "0.5",
        ])
        .settings()
        .unwrap();
        let mut argv = vec!["loadgen".to_owned()];
        argv.extend(settings.child_args(1, 5, 1234));
        let child = Args::parse_from(argv).settings().unwrap();
        assert_eq!(child.users, 5);
        assert_eq!(child.processes, 1);
        assert_eq!(child.child_index, Some(1));
        assert_eq!(child.epoch_ms, Some(1234));
        assert!(child.idle && child.allow_errors);
        assert!((child.ramp_rate - settings.ramp_rate / 2.0).abs() < 1e-9);
        assert_eq!(child.server_pid, None);
        assert_eq!(child.client_model, ClientModel::Legacy);
        assert_eq!(child.presence_interval_s, 0.5);
        assert_eq!(child.source_ip(), Some([127, 0, 0, 11].into()));
        assert_eq!(
            settings.source_ip(),
            None,
            "a single process uses the default"
        );
    }
}
