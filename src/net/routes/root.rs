//! `GET /` and `GET /stats/live`.

use std::sync::Arc;

use serde_json::json;

use crate::net::Http;
use crate::net::call::{Answer, Call};
use crate::net::respond::ok;

pub async fn index(state: &Arc<Http>, _call: Call) -> Answer {
    let postgres = if state.config.mirror_enabled {
        "connected"
    } else {
        "not configured"
    };
    Ok(ok(&json!({
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
    })))
}

pub async fn stats_live(state: &Arc<Http>, _call: Call) -> Answer {
    Ok(ok(&json!({
        "onlineUsers": state.realtime.online_users(),
        "timestamp": state.clock.now_ms(),
    })))
}
