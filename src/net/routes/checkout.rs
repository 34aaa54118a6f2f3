//! Paying through Stripe: `POST /payment/create-checkout` (a Checkout Session for the caller)
//! and `POST /payment/webhook` (Stripe's signed word that a session was paid).

use std::sync::Arc;

use hyper::header::ORIGIN;
use serde_json::json;

use crate::accounts::id_string;
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::body::{BodyError, read_limited};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;
use crate::paywall::{self, WebhookOutcome};

/// Stripe's events are a few kB; this bounds what an unauthenticated caller can make the
/// server hold before the signature is checked.
const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// `POST /payment/create-checkout` -> `{checkoutUrl, sessionId}`.
pub async fn create_checkout(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let origin = call
        .request
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok());
    let frontend = state.config.paywall.frontend_base();
    let origin = paywall::return_origin(origin, &state.origins, frontend).to_owned();
    let session =
        paywall::create_checkout(&state.store, &state.stripe, context.user_id, &origin).await?;
    tracing::info!(user = %id_string(&context.user_id), "checkout session created");
    Ok(ok(
        &json!({ "checkoutUrl": session.url, "sessionId": session.id }),
    ))
}

/// `POST /payment/webhook` (raw body, `Stripe-Signature`) -> `{received:true}`; refusals in
/// plain text, as the original.
pub async fn webhook(state: &Arc<Http>, call: Call) -> Answer {
    let (parts, body) = call.request.into_parts();
    let payload = read_limited(body, WEBHOOK_BODY_LIMIT, state.config.net.body_read_timeout)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => ApiError::PayloadTooLarge,
            BodyError::Unreadable => ApiError::bad_request("Could not read request body"),
            BodyError::TimedOut => ApiError::RequestTimeout,
        })?;
    let signature = parts
        .headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let outcome = paywall::receive_webhook(
        &state.store,
        state.config.paywall.stripe_webhook_secret.as_deref(),
        state.stripe.price(),
        signature,
        &payload,
        state.clock.now_ms(),
    )
    .await;
    // Event and user ids only: never the signature, the secret or the minted code.
    match &outcome {
        Ok(WebhookOutcome::Paid { event_id, user_id }) => {
            tracing::info!(event = %event_id, user = %id_string(user_id), "payment recorded");
        }
        Ok(WebhookOutcome::Ignored { event_id, reason }) => {
            tracing::info!(event = %event_id, reason, "webhook event recorded, nothing to do");
        }
        Ok(WebhookOutcome::AlreadyProcessed { event_id }) => {
            tracing::info!(event = %event_id, "webhook event already processed");
        }
        Err(e) => tracing::warn!(error = %e, "webhook delivery refused"),
    }
    outcome?;
    Ok(ok(&json!({ "received": true })))
}
