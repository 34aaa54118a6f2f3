//! Introductions ("matchmaker" referrals): a user makes an intro code from someone's card and
//! shares it; a new person who signs up through it is introduced to that someone, who gets a
//! referral notification. Rules and store operations with typed outcomes; no hyper.
//!
//! Module order: `intro` (making and reading codes), `signup` (an introduction at signup and
//! its notification), `notifications` (listing and marking read).

mod intro;
mod notifications;
mod signup;

pub use intro::{GenerateError, INTRO_CODE_LEN, generate_intro, normalize_intro_code};
pub use notifications::{
    NOTIFICATIONS_LISTED, mark_read, notification_event, notification_json, unread_notifications,
};
pub use signup::{Introduction, introduce};
