//! `GET /health`: the original's shape (§4.9) with real values, plus `store` and `sync`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::memory::MemoryReading;
use crate::net::Http;
use crate::net::call::{Answer, Call};
use crate::net::respond::ok;
use crate::store::CacheStats;

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / (1024.0 * 1024.0))
}

fn percent(part: f64, whole: f64, decimals: usize) -> String {
    let value = if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    };
    format!("{value:.decimals$}%")
}

fn cache(stats: CacheStats) -> Value {
    let lookups = (stats.hits + stats.misses) as f64;
    json!({
        "size": stats.size,
        "maxSize": stats.max_size,
        "hits": stats.hits,
        "misses": stats.misses,
        "hitRate": percent(stats.hits as f64, lookups, 1),
    })
}

pub async fn health(state: &Arc<Http>, _call: Call) -> Answer {
    let store = state.store.health()?;
    let now = state.clock.now_ms();
    let memory = MemoryReading::now();
    let counts = state.realtime.counts();
    let users = counts.users_connected as u64;
    let sockets = state.realtime.socket_count() as u64;
    let limit = state.realtime.config().max_connections;
    let caches = state.store.caches();
    let outbox_age = store.outbox_oldest_at.map(|at| (now - at).max(0));
    Ok(ok(&json!({
        "status": if store.failed { "degraded" } else { "ok" },
        "timestamp": now,
        "memory": {
            "heapUsed": mb(memory.heap_used),
            "heapTotal": mb(memory.heap_total),
            "rss": mb(memory.rss),
            "usage": percent(memory.heap_used as f64, memory.heap_total as f64, 1),
            "sheddingLoad": state.shedder.is_active(),
        },
        "connections": {
            "users": users,
            "total": sockets,
            "avgPerUser": format!("{:.2}", if users > 0 { sockets as f64 / users as f64 } else { 0.0 }),
            "limit": limit,
            "utilization": percent(sockets as f64, limit as f64, 1),
        },
        "cache": {
            "users": cache(caches.users.stats()),
            "sessions": cache(caches.sessions.stats()),
            // No query layer exists: requests never query a database. Kept for the shape.
            "queries": {
                "size": 0, "maxSize": 0, "hits": 0, "misses": 0, "hitRate": "0.0%", "totalQueries": 0,
            },
        },
        "scalability": {
            "currentCapacity": format!("{users} users"),
            "maxCapacity": format!("{limit} connections single-instance (--max-connections)"),
            "optimization": "embedded redb store with group commit, rkyv zero-copy reads, in-process caches",
        },
        "store": {
            "file": store.path.display().to_string(),
            "fileBytes": store.file_bytes,
            "users": store.users,
            "sessions": store.sessions,
            "commits": store.writer.commits,
            "writes": store.writer.writes,
            "largestBatch": store.writer.largest_batch,
            "lastCommitMicros": store.writer.last_commit_micros,
            "failed": store.failed,
        },
        "realtime": {
            "onlineUsers": counts.online_users,
            "availableUsers": counts.available_users,
            "pendingInvites": counts.pending_invites,
            "rooms": counts.rooms,
            "pollingSessions": state.transports.polling_sessions(),
        },
        "sync": {
            "enabled": state.config.mirror_enabled,
            "connected": state.sync.connected(),
            "stalled": state.sync.stalled(),
            "outboxDepth": store.outbox_depth,
            "oldestPendingAgeMs": outbox_age,
            "lagMs": outbox_age.unwrap_or(0),
            "rowsSynced": state.sync.rows_synced(),
            "rowsRejected": state.sync.rows_rejected(),
            "batches": state.sync.batches(),
            "lastSyncAt": (state.sync.last_success_at() > 0).then(|| state.sync.last_success_at()),
            "lastError": state.sync.last_error(),
        },
    })))
}
