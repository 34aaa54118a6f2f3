//! `--check-presence`: does every user learn every other user's presence changes?
//!
//! While a tick's deliveries fit its budget, the server announces each user's latest
//! (online, available) of every `--presence-interval` tick to every authenticated socket,
//! sockets in a call included. So after a change has had time to arrive, every user who was
//! connected before it must see it. The check, within one generator process:
//! - each user publishes its own truth, the flags the server's rules give it and when they
//!   last changed ([`table`]), as it sends `queue:join` or receives `call:start`;
//! - each user keeps the view its `presence:update` / `queue:update` frames build
//!   ([`view`]);
//! - once a second a task ([`task`]) compares every user's view of every other user with
//!   that user's truth, once per change that is old enough ([`checker`], the rule, which
//!   also allows for states the server's per-tick coalescing rightly never re-announced).

pub mod checker;
pub mod table;
pub mod task;
pub mod view;

/// A user's presence as the server announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub online: bool,
    pub available: bool,
}

impl Flags {
    /// After `auth:success` and `presence:join`; also in a call and after it, until the next
    /// `queue:join` (the server makes a user unavailable before it sends `call:start`).
    pub const ONLINE: Flags = Flags {
        online: true,
        available: false,
    };
    /// After `queue:join`.
    pub const IN_QUEUE: Flags = Flags {
        online: true,
        available: true,
    };
}
