//! `GET /` and `GET /stats/live`.

use std::sync::Arc;

use serde_json::json;

use crate::net::Http;
use crate::net::respond::{Resp, ok};

pub fn index(state: &Arc<Http>) -> Resp {
    let postgres = if state.config.mirror_enabled {
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

pub fn stats_live(state: &Arc<Http>) -> Resp {
    ok(&json!({
        "onlineUsers": state.realtime.online_users(),
        "timestamp": state.clock.now_ms(),
    }))
}
