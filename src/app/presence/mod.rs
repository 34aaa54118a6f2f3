//! Presence announcements: coalesced per tick ([`buffer`]), delivered by the rule of
//! [`delivery`] to the sockets whose queue overlay needs them ([`pages`] knows what each
//! overlay shows). [`state`] ties them together behind the hub's lock.

mod buffer;
mod delivery;
mod pages;
mod state;

pub use delivery::{Delivery, DeliveryRule, Listener};
pub use pages::Shown;
pub use state::PresenceState;
