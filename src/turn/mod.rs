//! TURN credentials with coturn's REST shared-secret scheme (`use-auth-secret`): the server
//! signs a short-lived username with the secret it shares with coturn, and coturn checks the
//! signature and the expiry itself, so nothing is stored or exchanged per credential.
//!
//! `scheme.rs` is the signature; `issuer.rs` hands a user the same credential while it has
//! more than half its life left. No hyper here: `net/routes/turn.rs` renders.

mod issuer;
mod scheme;

pub use issuer::TurnIssuer;
pub use scheme::{TurnCredential, credential};
