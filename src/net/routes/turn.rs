//! `/turn`: ICE servers for a call (reference §1.9). With `--turn-secret` the answer carries
//! a coturn REST credential (`provider:'coturn'`); without it, STUN only, which the original
//! answered as `provider:'fallback'`. The original's public "openrelay" TURN is not handed
//! out: it is someone else's service with a published password.
//!
//! The limit is per user, applied here after authentication (the router does not limit
//! `/turn` per IP): see `RateLimits::turn`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::accounts::id_string;
use crate::clock::duration_ms;
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;

/// `GET /turn/credentials` (requireAuth, banned users refused).
pub async fn credentials(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let limiter = &state.limits.turn;
    let decision = limiter.hit(context.user_id);
    if decision.limited {
        let mut refusal = limiter.limited_response(&decision);
        limiter.decorate(&mut refusal, &decision);
        return Err(ApiError::RateLimited(refusal));
    }
    let now = state.clock.now_ms();
    let config = &state.config.turn;
    let stun = json!({ "urls": config.stun_urls });
    let body = match &state.turn {
        Some(issuer) => {
            let issued = issuer.credential_for(&id_string(&context.user_id), now);
            json!({
                "iceServers": [stun, {
                    "urls": config.turn_urls,
                    "username": issued.username,
                    "credential": issued.credential,
                }],
                "expiresAt": issued.expires_at_ms(),
                "provider": "coturn",
            })
        }
        None => json!({
            "iceServers": [stun],
            "expiresAt": now + duration_ms(config.turn_ttl),
            "provider": "fallback",
        }),
    };
    let mut response = ok(&body);
    limiter.decorate(&mut response, &decision);
    Ok(response)
}

/// `GET /turn/status`: the original's `{cloudflare, twilio, timestamp}` (neither is used
/// here, so both are false), plus `coturn`: whether credentials are signed.
pub async fn status(state: &Arc<Http>, _call: Call) -> Answer {
    let body: Value = json!({
        "cloudflare": false,
        "twilio": false,
        "coturn": state.turn.is_some(),
        "timestamp": state.clock.now_ms(),
    });
    Ok(ok(&body))
}
