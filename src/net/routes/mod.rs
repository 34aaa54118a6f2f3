//! One file per area of the API.

pub mod admin;
pub mod auth;
pub mod checkout;
pub mod health;
pub mod media;
pub mod metrics;
pub mod payment;
pub mod referral;
pub mod report;
pub mod room;
pub mod root;
pub mod turn;
pub mod uploads;
pub mod user;
