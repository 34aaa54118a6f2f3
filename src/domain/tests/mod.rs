//! Behaviour tests of the realtime domain, one file per area, all with explicit `now`.
//! `harness.rs` keeps them short: connect users, invite, accept, and inspect effects.

mod harness;

mod accept;
mod auth;
mod bounds;
mod disconnect;
mod end;
mod invite;
mod lifecycle;
mod presence;
mod reports;
mod room;
