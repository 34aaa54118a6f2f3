//! What all users of one generator process share: settings, the HTTP client, the metrics, the
//! run's clock origin and phase, the send-time tables for the two latencies the server's
//! payloads cannot carry a timestamp for (invite->notify, accept->start; see the `loadgen`
//! module doc), and the users' presence truths and views for `--check-presence`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use super::presence::table::PresenceTable;
use crate::loadgen::args::Settings;
use crate::loadgen::metrics::{Counter, Metrics, Step};
use crate::loadgen::wire::Http;

/// (caller, callee) user ids.
type Pair = (String, String);

#[derive(Debug)]
pub struct Shared {
    pub settings: Settings,
    pub metrics: Metrics,
    pub http: Http,
    /// The loopback address this process connects from ([`Settings::source_ip`], parsed once).
    pub source_ip: Option<std::net::IpAddr>,
    /// Wall-clock ms of the run's start: second 0 of every series (the parent's, for children).
    pub epoch_ms: u64,
    /// The ramp is over and the steady phase runs (until `stopping`).
    steady: AtomicBool,
    stopping: AtomicBool,
    pub signed_up: AtomicU64,
    pub connected: AtomicU64,
    pub connected_peak: AtomicU64,
    /// User ids living in this process (invitees are preferably picked among them).
    local: RwLock<HashSet<String>>,
    invites: Mutex<HashMap<Pair, Instant>>,
    accepts: Mutex<HashMap<Pair, Instant>>,
    /// Filled only with `--check-presence`.
    pub presence: PresenceTable,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(settings: Settings, epoch_ms: u64) -> Result<Self, String> {
        let source_ip = settings.source_ip();
        let http = Http::new(&settings.target, settings.timeout(), source_ip)?;
        Ok(Self {
            settings,
            metrics: Metrics::default(),
            http,
            source_ip,
            epoch_ms,
            steady: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            signed_up: AtomicU64::new(0),
            connected: AtomicU64::new(0),
            connected_peak: AtomicU64::new(0),
            local: RwLock::default(),
            invites: Mutex::default(),
            accepts: Mutex::default(),
            presence: PresenceTable::default(),
        })
    }

    /// Every user has been started: the steady phase begins.
    pub fn begin_steady(&self) {
        self.steady.store(true, Ordering::SeqCst);
    }

    /// The steady phase is over: failures from now on come from the shutdown itself and are
    /// not counted.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Counts an error kind (ignored once stopping).
    pub fn error(&self, kind: &str) {
        if !self.is_stopping() {
            self.metrics.error(kind);
        }
    }

    pub fn outcome(&self, kind: &str) {
        self.metrics.outcome(kind);
    }

    /// Adds to a total, if the run is in a phase that total covers
    /// ([`Counter::steady_phase_only`]); never once stopping.
    pub fn count(&self, counter: Counter, n: u64) {
        let in_phase = !counter.steady_phase_only() || self.steady.load(Ordering::Relaxed);
        if in_phase && !self.is_stopping() && n > 0 {
            self.metrics.count(counter, n);
        }
    }

    /// Seconds since the run's epoch (the series index).
    pub fn second(&self) -> u64 {
        crate::loadgen::wall_ms_u64().saturating_sub(self.epoch_ms) / 1000
    }

    pub fn record(&self, step: Step, d: Duration) {
        self.metrics.record(step, d, self.second());
    }

    pub fn connected_up(&self) {
        let now = self.connected.fetch_add(1, Ordering::Relaxed) + 1;
        self.connected_peak.fetch_max(now, Ordering::Relaxed);
    }

    pub fn connected_down(&self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn register_local(&self, user: &str) {
        self.local
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user.to_owned());
    }

    pub fn is_local(&self, user: &str) -> bool {
        self.local
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(user)
    }

    pub fn invite_sent(&self, from: &str, to: &str, at: Instant) {
        lock(&self.invites).insert((from.to_owned(), to.to_owned()), at);
    }

    /// The caller's send time, if the caller is in this process; consumed.
    pub fn take_invite(&self, from: &str, to: &str) -> Option<Instant> {
        lock(&self.invites).remove(&(from.to_owned(), to.to_owned()))
    }

    pub fn accept_sent(&self, caller: &str, callee: &str, at: Instant) {
        lock(&self.accepts).insert((caller.to_owned(), callee.to_owned()), at);
    }

    /// The callee's accept time, if the callee is in this process; consumed.
    pub fn take_accept(&self, caller: &str, callee: &str) -> Option<Instant> {
        lock(&self.accepts).remove(&(caller.to_owned(), callee.to_owned()))
    }

    /// Sizes of the two tables (they must not grow without bound).
    pub fn pending_tables(&self) -> (usize, usize) {
        (lock(&self.invites).len(), lock(&self.accepts).len())
    }
}
