//! `POST /payment/create-checkout`: a Stripe Checkout Session for one user, paid by card, at
//! the configured price; Stripe sends the browser back to the web client afterwards.

use serde_json::Value;

use super::client::{Price, STRIPE_VERSION, StripeClient};
use crate::store::records::PaidStatus;
use crate::store::{Id, Store, StoreError};

/// What the client redirects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
}

#[derive(Debug)]
pub enum CheckoutError {
    UserNotFound,
    /// Paid or QR-verified already (a grace-period user may still pay).
    AlreadyVerified,
    /// No `--stripe-secret-key`.
    NotConfigured,
    /// Stripe refused, answered something unreadable, or could not be reached. The text is
    /// for the log (Stripe's own message, never the key); the client gets a generic answer.
    Stripe(String),
    Unavailable(StoreError),
}

impl From<StoreError> for CheckoutError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// Where Stripe sends the browser back: the request's `Origin` when it is one of the
/// server's allowed origins, else `--frontend-url`. The original used any `Origin` it was
/// sent, so a page anywhere could make the payment return to itself.
pub fn return_origin<'a>(
    origin: Option<&'a str>,
    allowed: &[String],
    frontend: &'a str,
) -> &'a str {
    origin
        .filter(|origin| allowed.iter().any(|a| a == origin))
        .unwrap_or(frontend)
        .trim_end_matches('/')
}

/// The form fields of the session, as the original created it.
pub fn checkout_form(
    user_id: &str,
    user_name: &str,
    origin: &str,
    price: &Price,
) -> Vec<(&'static str, String)> {
    vec![
        ("mode", "payment".into()),
        ("payment_method_types[0]", "card".into()),
        (
            "line_items[0][price_data][currency]",
            price.currency.clone(),
        ),
        (
            "line_items[0][price_data][product_data][name]",
            "Napalm Sky Access".into(),
        ),
        (
            "line_items[0][price_data][product_data][description]",
            "One-time payment for platform access + 4 friend invites".into(),
        ),
        (
            "line_items[0][price_data][unit_amount]",
            price.amount.to_string(),
        ),
        ("line_items[0][quantity]", "1".into()),
        // `{CHECKOUT_SESSION_ID}` is literal: Stripe fills it in on the redirect.
        (
            "success_url",
            format!("{origin}/payment-success?session_id={{CHECKOUT_SESSION_ID}}"),
        ),
        ("cancel_url", format!("{origin}/onboarding")),
        ("client_reference_id", user_id.to_owned()),
        ("metadata[userId]", user_id.to_owned()),
        ("metadata[userName]", user_name.to_owned()),
    ]
}

/// Checks the user may pay, then asks Stripe for a session returning to `origin`.
pub async fn create_checkout(
    store: &Store,
    stripe: &StripeClient,
    user_id: Id,
    origin: &str,
) -> Result<CheckoutSession, CheckoutError> {
    let user = store
        .read()?
        .user(&user_id)?
        .ok_or(CheckoutError::UserNotFound)?;
    if matches!(user.paid_status, PaidStatus::Paid | PaidStatus::QrVerified) {
        return Err(CheckoutError::AlreadyVerified);
    }
    let key = stripe
        .secret_key
        .as_deref()
        .ok_or(CheckoutError::NotConfigured)?;
    let user_id = uuid::Uuid::from_bytes(user_id).hyphenated().to_string();
    let form = checkout_form(&user_id, &user.name, origin, &stripe.price);
    let response = stripe
        .http
        .post(format!("{}/v1/checkout/sessions", stripe.api_base))
        .bearer_auth(key)
        .header("Stripe-Version", STRIPE_VERSION)
        .form(&form)
        .send()
        .await
        .map_err(|e| CheckoutError::Stripe(format!("Stripe unreachable: {e}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| CheckoutError::Stripe(format!("Stripe answer unreadable: {e}")))?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !status.is_success() {
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        return Err(CheckoutError::Stripe(format!(
            "Stripe refused the session ({status}): {message}"
        )));
    }
    match (body["id"].as_str(), body["url"].as_str()) {
        (Some(id), Some(url)) => Ok(CheckoutSession {
            id: id.to_owned(),
            url: url.to_owned(),
        }),
        _ => Err(CheckoutError::Stripe(
            "Stripe answered a session without id or url".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_allowed_origin_is_returned_to() {
        let allowed = vec!["https://napalmsky.com".to_owned()];
        let frontend = "https://app.example/";
        let pick = |origin| return_origin(origin, &allowed, frontend);
        assert_eq!(pick(Some("https://napalmsky.com")), "https://napalmsky.com");
        assert_eq!(pick(Some("https://evil.example")), "https://app.example");
        assert_eq!(pick(None), "https://app.example");
    }

    #[test]
    fn the_form_carries_the_price_and_the_user() {
        let price = Price {
            amount: 50,
            currency: "usd".into(),
        };
        let form = checkout_form("u-1", "Ann", "https://a.example", &price);
        let field = |name| {
            form.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(field("line_items[0][price_data][unit_amount]"), Some("50"));
        assert_eq!(field("line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(
            field("success_url"),
            Some("https://a.example/payment-success?session_id={CHECKOUT_SESSION_ID}")
        );
        assert_eq!(field("cancel_url"), Some("https://a.example/onboarding"));
        assert_eq!(field("client_reference_id"), Some("u-1"));
        assert_eq!(field("metadata[userName]"), Some("Ann"));
        assert_eq!(form.len(), 12);
    }
}
