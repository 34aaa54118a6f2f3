//! `GET /` and `GET /stats/live`.

use std::sync::Arc;

use serde_json::json;

use crate::net::respond::{Resp, ok};
use crate::server::AppState;

pub fn index(state: &Arc<AppState>) -> Resp {
    let postgres = if state.config.sync.postgres_url.is_some() {
        "connected"
    } else {
        "not configured"
    };
    ok(&json!({
        "name": "Napalm Sky API",
        "version": env!("CARGO_PKG_VERSION"),
        "status": "running",
        "timestamp": state.clock.now_ms(),
        "environment": state.config.net.environment,
        "endpoints": {
            "health": "/health",
            "auth": "/auth/*",
            "user": "/user/*",
            "matchmaking": "/room/queue",
            "payment": "/payment/*",
            "admin": "/admin/*",
        },
        "databases": { "postgresql": postgres, "redis": "not configured" },
        "message": "Napalm Sky Backend API - For frontend integration only",
    }))
}

pub fn stats_live(state: &Arc<AppState>) -> Resp {
    ok(&json!({
        "onlineUsers": state.realtime.online_users(),
        "timestamp": state.clock.now_ms(),
    }))
}
