//! Stripe: the Checkout Session a user pays through, and the signed webhook that tells us
//! they paid. HTTP to Stripe goes through one `StripeClient`; nothing here knows hyper.
//!
//! Module order: `signature` (pure), `client` (the connection and the price), `checkout`
//! (create a session), `webhook` (verify, read and apply an event).

mod checkout;
mod client;
mod signature;
mod webhook;

pub use checkout::{CheckoutError, CheckoutSession, checkout_form, create_checkout, return_origin};
pub use client::{Price, STRIPE_VERSION, StripeClient};
pub use signature::{SignatureError, TOLERANCE_SECS, verify_signature};
pub use webhook::{WebhookError, WebhookOutcome, receive_webhook};
