//! `POST /payment/webhook`: a signed Stripe event marks a user paid and gives them their own
//! code, once. The original acted on every `checkout.session.completed` without looking at
//! the payment, and minted a new code on each retry (§7.22); here an event is acted on only
//! if it is paid at the configured price, and each event id is acted on at most once.

use serde_json::Value;

use super::client::Price;
use super::signature::{SignatureError, verify_signature};
use crate::clock::Millis;
use crate::paywall::mint_user_code;
use crate::store::records::{PaidStatus, PaymentEvent};
use crate::store::{Id, Store, StoreError};

const PAID_EVENT: &str = "checkout.session.completed";

/// Why a delivery was not taken; each has the original's status and plain-text answer.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No `--stripe-webhook-secret`: 500, so Stripe keeps the event until one is set.
    #[error("Webhook secret not configured")]
    NotConfigured,
    #[error("Webhook Error: {0}")]
    Signature(SignatureError),
    /// Signed, but not an event this can read.
    #[error("Webhook Error: {0}")]
    Payload(&'static str),
    #[error("No userId in payload")]
    NoUserId,
    /// 500, so Stripe retries: the user may exist by then (or an operator restores them).
    #[error("User not found")]
    UserNotFound,
    #[error("Webhook processing failed")]
    Unavailable(StoreError),
}

impl From<StoreError> for WebhookError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// What a taken delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The user is paid and has their own code.
    Paid { event_id: String, user_id: Id },
    /// Recorded, nothing else: another type, unpaid, or not at our price.
    Ignored {
        event_id: String,
        reason: &'static str,
    },
    /// This event id was processed before: nothing changed.
    AlreadyProcessed { event_id: String },
}

/// What one event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    id: String,
    kind: String,
    action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Pay {
        user_id: Id,
        payment_id: Option<String>,
    },
    Ignore(&'static str),
}

/// Checks the signature of `payload` (the raw body), reads the event and applies it in one
/// store write. `secret` is `--stripe-webhook-secret`; `now` the server's clock.
pub async fn receive_webhook(
    store: &Store,
    secret: Option<&str>,
    price: &Price,
    signature: Option<&str>,
    payload: &[u8],
    now: Millis,
) -> Result<WebhookOutcome, WebhookError> {
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::NotConfigured)?;
    verify_signature(signature, payload, secret, now.div_euclid(1000))
        .map_err(WebhookError::Signature)?;
    let value: Value = serde_json::from_slice(payload)
        .map_err(|_| WebhookError::Payload("Payload is not valid JSON"))?;
    let event = read_event(&value, price)?;
    store.write(move |tx| apply(tx, event, now)).await?
}

/// The event's id and what it asks for. Only a paid completed checkout at our price needs a
/// user id; anything else is recorded and ignored even when it names nobody, so Stripe is
/// not made to retry an event that can never pay.
fn read_event(value: &Value, price: &Price) -> Result<Event, WebhookError> {
    let id = non_empty(&value["id"]).ok_or(WebhookError::Payload("Event has no id"))?;
    let kind = value["type"].as_str().unwrap_or_default();
    let session = &value["data"]["object"];
    let action = if kind != PAID_EVENT {
        Action::Ignore("not a completed checkout")
    } else if session["payment_status"].as_str() != Some("paid") {
        Action::Ignore("not paid")
    } else if session["amount_total"].as_u64() != Some(u64::from(price.amount)) {
        Action::Ignore("not the price's amount")
    } else if !session["currency"]
        .as_str()
        .is_some_and(|c| c.eq_ignore_ascii_case(&price.currency))
    {
        Action::Ignore("not the price's currency")
    } else {
        let user = non_empty(&session["client_reference_id"])
            .or_else(|| non_empty(&session["metadata"]["userId"]))
            .ok_or(WebhookError::NoUserId)?;
        // An id that is not a UUID names no user of ours.
        let user_id = uuid::Uuid::try_parse(user.trim())
            .map_err(|_| WebhookError::UserNotFound)?
            .into_bytes();
        // `payment_intent` is an id, or the object itself when the event expanded it.
        let intent = &session["payment_intent"];
        let payment_id = non_empty(intent).or_else(|| non_empty(&intent["id"]));
        Action::Pay {
            user_id,
            payment_id: payment_id.map(str::to_owned),
        }
    };
    Ok(Event {
        id: id.to_owned(),
        kind: kind.to_owned(),
        action,
    })
}

fn non_empty(value: &Value) -> Option<&str> {
    value.as_str().filter(|s| !s.is_empty())
}

/// One transaction: the event record and the user change land together or not at all, so a
/// delivery either happened once or can be retried whole.
fn apply(
    tx: &mut crate::store::Tx<'_>,
    event: Event,
    now: Millis,
) -> Result<Result<WebhookOutcome, WebhookError>, StoreError> {
    if tx.payment_event(&event.id)?.is_some() {
        return Ok(Ok(WebhookOutcome::AlreadyProcessed { event_id: event.id }));
    }
    let mut record = PaymentEvent {
        event_id: event.id.clone(),
        kind: event.kind,
        user_id: None,
        payment_id: None,
        processed_at: now,
        version: 0,
    };
    let (user_id, payment_id) = match event.action {
        Action::Ignore(reason) => {
            tx.put_payment_event(&mut record)?;
            return Ok(Ok(WebhookOutcome::Ignored {
                event_id: event.id,
                reason,
            }));
        }
        Action::Pay {
            user_id,
            payment_id,
        } => (user_id, payment_id),
    };
    // Not recorded: the retry Stripe makes after the 500 must still be able to pay.
    let Some(mut user) = tx.user(&user_id)? else {
        return Ok(Err(WebhookError::UserNotFound));
    };
    user.paid_status = PaidStatus::Paid;
    user.paid_at = Some(now);
    if payment_id.is_some() {
        user.payment_id.clone_from(&payment_id);
    }
    user.updated_at = now;
    // A user who already has a code (an earlier payment, a redeemed code) keeps it.
    mint_user_code(tx, &mut user, now)?;
    tx.put_user(&mut user)?;
    record.user_id = Some(user_id);
    record.payment_id = payment_id;
    tx.put_payment_event(&mut record)?;
    Ok(Ok(WebhookOutcome::Paid {
        event_id: event.id,
        user_id,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const USER: &str = "0190c0de-0000-7000-8000-000000000001";

    fn price() -> Price {
        Price {
            amount: 50,
            currency: "usd".into(),
        }
    }

    fn completed(session: Value) -> Value {
        json!({"id": "evt_1", "type": PAID_EVENT, "data": {"object": session}})
    }

    fn paid_session() -> Value {
        json!({
            "payment_status": "paid", "amount_total": 50, "currency": "usd",
            "client_reference_id": USER, "payment_intent": "pi_1",
        })
    }

    fn action(value: &Value) -> Action {
        read_event(value, &price())
            .map(|e| e.action)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn user_id() -> Id {
        uuid::Uuid::try_parse(USER)
            .map(|u| u.into_bytes())
            .unwrap_or_default()
    }

    #[test]
    fn a_paid_session_at_the_price_pays_for_its_user() {
        assert_eq!(
            action(&completed(paid_session())),
            Action::Pay {
                user_id: user_id(),
                payment_id: Some("pi_1".into())
            }
        );
        let mut session = paid_session();
        session["client_reference_id"] = Value::Null;
        session["metadata"] = json!({"userId": USER});
        session["payment_intent"] = json!({"id": "pi_2", "object": "payment_intent"});
        assert_eq!(
            action(&completed(session)),
            Action::Pay {
                user_id: user_id(),
                payment_id: Some("pi_2".into())
            }
        );
    }

    #[test]
    fn other_events_unpaid_or_mispriced_sessions_are_ignored() {
        let mut other = completed(paid_session());
        other["type"] = json!("payment_intent.succeeded");
        assert!(matches!(action(&other), Action::Ignore(_)));
        for (field, value) in [
            ("payment_status", json!("unpaid")),
            ("amount_total", json!(49)),
            ("amount_total", json!("50")),
            ("currency", json!("eur")),
            ("currency", Value::Null),
        ] {
            let mut session = paid_session();
            session[field] = value;
            // Even without a user id: an event that cannot pay is not retried.
            session["client_reference_id"] = Value::Null;
            assert!(
                matches!(action(&completed(session)), Action::Ignore(_)),
                "{field}"
            );
        }
    }

    #[test]
    fn a_paying_event_must_name_a_user_and_have_an_id() {
        let mut session = paid_session();
        session["client_reference_id"] = json!("");
        let refused = read_event(&completed(session), &price());
        assert!(matches!(refused, Err(WebhookError::NoUserId)));
        let mut session = paid_session();
        session["client_reference_id"] = json!("not-a-uuid");
        let refused = read_event(&completed(session), &price());
        assert!(matches!(refused, Err(WebhookError::UserNotFound)));
        let mut no_id = completed(paid_session());
        no_id["id"] = json!(7);
        let refused = read_event(&no_id, &price());
        assert!(matches!(refused, Err(WebhookError::Payload(_))));
        assert!(read_event(&json!([1]), &price()).is_err());
    }

    #[test]
    fn refusals_read_as_the_original_answered() {
        let signature = WebhookError::Signature(SignatureError::Stale);
        assert_eq!(
            signature.to_string(),
            "Webhook Error: Timestamp outside the tolerance zone"
        );
        assert_eq!(WebhookError::NoUserId.to_string(), "No userId in payload");
        assert_eq!(
            WebhookError::NotConfigured.to_string(),
            "Webhook secret not configured"
        );
    }
}
