//! `loadgen`: plays a Napalm Sky "speed-dating evening" against a napalmsky server and
//! measures it.
//!
//! Each simulated user does what the web client does: `POST /auth/guest`, an Engine.IO v4 /
//! Socket.IO v5 WebSocket with `auth.token` plus the `auth` event, `presence:join` and
//! `queue:join`, fetches `GET /room/queue` (and `GET /stats/live`) as its client model says
//! ([`client::model`]: the web client's matchmaking overlay by default), invites random
//! available users (Poisson), accepts or declines invites, exchanges `rtc:*` and `room:chat`
//! in calls, ends them with `call:end` and re-joins the queue after `session:finalized`.
//! `--check-presence` also verifies that every presence change reaches every user
//! ([`client::presence`]).
//!
//! How latencies are measured (and why):
//! - Steps a user times on its own (signup, WebSocket open, connect, auth, queue GET) use the
//!   monotonic clock of its task.
//! - `rtc:*` and `room:chat` carry their send time in the payload (`offer.sentAt`,
//!   `candidate.sentAt`, chat text `t=<ms>`) as wall-clock milliseconds with microsecond
//!   decimals. The receiver subtracts it from its own wall clock; every process runs on the
//!   same machine and so reads the same `CLOCK_REALTIME`, which makes this valid across the
//!   generator's processes.
//! - `call:notify` and `call:start` are built by the server, so no timestamp can ride along.
//!   invite->notify and accept->start are measured through a per-process table of send times
//!   keyed by the (caller, callee) pair: they are measured only when both users live in the
//!   same process. With `--processes N` users therefore prefer invitees of their own process
//!   (see [`client::state`]), which keeps these samples plentiful without biasing the server.
//!
//! Module map: [`args`] (CLI, loopback rule), [`wire`] (HTTP + Socket.IO over WebSocket),
//! [`validate`] (payload checks), [`client`] (one user's state machine and task, the client
//! models, the presence check),
//! [`metrics`] (histograms, counters), [`proc_sampler`] (`/proc` CPU and RSS), [`report`]
//! (JSON and SVG), [`runner`] (ramp, steady phase, child processes and their merge).

pub mod args;
pub mod client;
pub mod metrics;
pub mod proc_sampler;
pub mod report;
pub mod runner;
pub mod validate;
pub mod wire;

/// Wall-clock milliseconds since the Unix epoch, with microsecond decimals.
///
/// Used for timestamps that travel between processes (see the module doc); a clock before
/// 1970 reads as 0 rather than failing.
pub fn wall_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

/// Whole wall-clock milliseconds since the Unix epoch (series indexes, run start).
pub fn wall_ms_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}
