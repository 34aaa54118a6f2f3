//! The connection to Stripe's API: one HTTP client for the server's life (its connection
//! pool and TLS set-up are reused), the secret key, and the price a payment must match.

use std::fmt;
use std::time::Duration;

use crate::config::PaywallConfig;

/// A Checkout Session request waits at most this long for Stripe: the user is waiting for
/// the redirect, and a hung connection must not hold the request forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The API version the original pinned; the session's fields are read as this version
/// writes them.
pub const STRIPE_VERSION: &str = "2025-09-30.clover";

/// What access costs: a paid event must carry exactly this amount and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    /// In the currency's smallest unit.
    pub amount: u32,
    /// ISO code, lower case, as Stripe writes it.
    pub currency: String,
}

pub struct StripeClient {
    pub(super) http: reqwest::Client,
    /// `--stripe-api-base` without a trailing slash.
    pub(super) api_base: String,
    /// `None`: payments are not configured (`create-checkout` answers 503).
    pub(super) secret_key: Option<String>,
    pub(super) price: Price,
}

impl StripeClient {
    pub fn new(config: &PaywallConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            api_base: config.stripe_api_base.trim_end_matches('/').to_owned(),
            secret_key: config
                .stripe_secret_key
                .clone()
                .filter(|key| !key.trim().is_empty()),
            price: Price {
                amount: config.stripe_price_cents,
                currency: config.stripe_currency.clone(),
            },
        })
    }

    pub fn price(&self) -> &Price {
        &self.price
    }

    pub fn is_configured(&self) -> bool {
        self.secret_key.is_some()
    }
}

/// Never shows the key.
impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient")
            .field("api_base", &self.api_base)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("price", &self.price)
            .finish_non_exhaustive()
    }
}
