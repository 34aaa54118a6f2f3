//! `GET /metrics`: the `/health` numbers in the Prometheus text format (version 0.0.4).

use std::fmt::Write;
use std::sync::Arc;

use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

use crate::memory::MemoryReading;
use crate::net::Http;
use crate::net::call::{Answer, Call};
use crate::net::respond::full;

/// Appends one sample with its HELP and TYPE lines.
fn sample(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP napalmsky_{name} {help}");
    let _ = writeln!(out, "# TYPE napalmsky_{name} {kind}");
    let _ = writeln!(out, "napalmsky_{name} {value}");
}

pub async fn metrics(state: &Arc<Http>, _call: Call) -> Answer {
    let store = state.store.health()?;
    let now = state.clock.now_ms();
    let counts = state.realtime.counts();
    let memory = MemoryReading::now();
    let caches = state.store.caches();
    let (sessions, users) = (caches.sessions.stats(), caches.users.stats());
    let mut out = String::with_capacity(4096);
    let age = store.outbox_oldest_at.map_or(0, |at| (now - at).max(0));
    // (name, help, value), in the order they are listed; the gauges then the counters.
    let gauges: [(&str, &str, u64); 16] = [
        (
            "sockets",
            "Realtime connections",
            state.realtime.socket_count() as u64,
        ),
        (
            "users_connected",
            "Users with at least one socket",
            counts.users_connected as u64,
        ),
        (
            "users_online",
            "Users whose presence is online",
            counts.online_users as u64,
        ),
        (
            "users_available",
            "Users listed in the queue",
            counts.available_users as u64,
        ),
        ("rooms", "Calls in progress", counts.rooms as u64),
        (
            "presence_overlays",
            "Queue pages tracked for presence delivery (at most one per online user)",
            state.realtime.tracked_overlays() as u64,
        ),
        (
            "invites_pending",
            "Invites waiting for an answer",
            counts.pending_invites as u64,
        ),
        ("store_users", "Users in the store", store.users),
        ("store_sessions", "Sessions in the store", store.sessions),
        (
            "outbox_depth",
            "Changes waiting for the Postgres sync",
            store.outbox_depth,
        ),
        ("resident_memory_bytes", "Resident set size", memory.rss),
        (
            "heap_allocated_bytes",
            "Bytes allocated (jemalloc)",
            memory.heap_used,
        ),
        (
            "outbox_oldest_age_ms",
            "Age of the oldest unsynced change",
            age.unsigned_abs(),
        ),
        (
            "sync_connected",
            "1 while the sync is connected",
            u64::from(state.sync.connected()),
        ),
        (
            "sync_stalled",
            "1 while Postgres is not answering within --sync-timeout",
            u64::from(state.sync.stalled()),
        ),
        (
            "shedding_load",
            "1 while memory is at the critical level and new connections and heavy routes are refused",
            u64::from(state.shedder.is_active()),
        ),
    ];
    let counters: [(&str, &str, u64); 9] = [
        (
            "sync_rows_total",
            "Rows written to Postgres",
            state.sync.rows_synced(),
        ),
        (
            "sync_rows_rejected_total",
            "Rows Postgres refused as data, dropped from the sync",
            state.sync.rows_rejected(),
        ),
        (
            "sync_batches_total",
            "Batches committed to Postgres",
            state.sync.batches(),
        ),
        ("store_commits_total", "Store commits", store.writer.commits),
        (
            "store_writes_total",
            "Writes committed in those commits",
            store.writer.writes,
        ),
        (
            "cache_sessions_hits_total",
            "Verified-session cache hits",
            sessions.hits,
        ),
        (
            "cache_sessions_misses_total",
            "Verified-session cache misses",
            sessions.misses,
        ),
        ("cache_users_hits_total", "Profile cache hits", users.hits),
        (
            "cache_users_misses_total",
            "Profile cache misses",
            users.misses,
        ),
    ];
    let kinds = [("gauge", &gauges[..]), ("counter", &counters[..])];
    for (kind, samples) in kinds {
        for &(name, help, value) in samples {
            sample(&mut out, name, kind, help, value);
        }
    }
    let mut response = Response::new(full(out));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}
