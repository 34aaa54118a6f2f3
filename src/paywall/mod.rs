//! The paywall: who has access, invite codes (minting, redeeming, checking, deactivating) and
//! the payment record a Stripe webhook leaves; typed outcomes, no hyper.
//!
//! Module order: `access` (pure rules; code texts are `crate::code_text`), `codes` (minting and the admin's
//! operations), `redeem` (a user spends a code), `status` (what `/payment/status` reads), `qr_png` (the code's image).

mod access;
mod codes;
mod qr_png;
mod redeem;
mod status;

pub use crate::code_text::normalize_code;
pub use access::{archived_has_access, effective_status, has_access};
pub use codes::{
    CodeCheck, USER_CODE_USES, check_code, deactivate_code, mint_admin_code, mint_user_code,
};
pub use qr_png::{QR_PIXELS, qr_png};
pub use redeem::{ApplyError, CodeRefusal, apply_code, redeem_code};
pub use status::{PaymentStatus, payment_status};

mod stripe;

pub use stripe::{
    CheckoutError, CheckoutSession, Price, STRIPE_VERSION, SignatureError, StripeClient,
    TOLERANCE_SECS, WebhookError, WebhookOutcome, checkout_form, create_checkout, receive_webhook,
    return_origin, verify_signature,
};
