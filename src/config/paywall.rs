//! Payments: the Stripe account, the price, and where QR codes point.

use clap::Args;

use super::parse::positive;
use super::{ConfigError, fail};

#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Paywall")]
pub struct PaywallConfig {
    /// The web client's address: QR codes point at `<this>/onboarding?inviteCode=<code>`.
    #[arg(
        long,
        env = "NAPALMSKY_FRONTEND_URL",
        default_value = "http://localhost:3000"
    )]
    pub frontend_url: String,

    /// Stripe secret key (`sk_...`); without it `POST /payment/create-checkout` answers 503.
    #[arg(long, env = "NAPALMSKY_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Signing secret of the Stripe webhook endpoint (`whsec_...`); without it the webhook
    /// answers 500 `Webhook secret not configured`, as the original.
    #[arg(long, env = "NAPALMSKY_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// The price of access, in the currency's smallest unit (the original's 50 US cents).
    #[arg(long, env = "NAPALMSKY_STRIPE_PRICE_CENTS", default_value_t = 50, value_parser = positive::<u32>)]
    pub stripe_price_cents: u32,

    /// The price's currency (ISO code, lower case, as Stripe writes it).
    #[arg(long, env = "NAPALMSKY_STRIPE_CURRENCY", default_value = "usd")]
    pub stripe_currency: String,

    /// Stripe's API address; tests point it at a local fake.
    #[arg(
        long,
        env = "NAPALMSKY_STRIPE_API_BASE",
        default_value = "https://api.stripe.com"
    )]
    pub stripe_api_base: String,
}

impl PaywallConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (flag, url) in [
            ("frontend-url", &self.frontend_url),
            ("stripe-api-base", &self.stripe_api_base),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return fail(flag, "must be an http:// or https:// address");
            }
        }
        let currency = &self.stripe_currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
            return fail(
                "stripe-currency",
                "must be a three-letter lower-case ISO code",
            );
        }
        Ok(())
    }

    /// `frontend_url` without a trailing slash.
    pub fn frontend_base(&self) -> &str {
        self.frontend_url.trim_end_matches('/')
    }
}
