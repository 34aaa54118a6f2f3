//! The realtime domain: presence, queue, invites, rooms, calls and cooldowns, PURE and
//! synchronous.
//!
//! No tokio, hyper, redb, I/O or clock: [`Domain`] takes [`Command`]s plus `now` (ms since the
//! Unix epoch) and returns [`Effect`]s, so every time-dependent rule (invite TTL, call
//! deadline, disconnect grace, cooldowns) is unit tested with explicit times.
//!
//! ```text
//!   proto (event -> Command) --handle(now, cmd)--> Domain --Vec<Effect>--> app
//!   app timer at next_deadline() ----tick(now)---> Domain                  |- Send    -> sockets
//!   store at startup -------------load_cooldown--> Domain                  |- Close   -> transports
//!   HTTP /room/queue, /health <-- available_users, counts, cooldown_until  |- PresenceChanged
//!                                                                          |    -> coalesced per tick
//!                                                                          '- Persist -> store
//! ```
//!
//! # API
//!
//! - `Domain::new(DomainConfig, IdGen)`; ids from [`random_ids`] (v4 UUIDs) in production,
//!   [`sequential_ids`] in tests.
//! - `handle(now, Command) -> Vec<Effect>` / `handle_into(now, Command, &mut Vec<Effect>)`.
//! - `tick(now) -> Vec<Effect>` / `tick_into`, `next_deadline() -> Option<i64>`.
//! - `load_cooldown(a, b, until)`, `cooldown_until(&a, &b, now)`, `purge(now)`.
//! - Queries: `available_users()`, `available_users_from(&start)`, `sockets_of`, `user_of`,
//!   `profile`, `update_profile`, `is_online`, `is_available`, `in_room`, `counts()`.
//!
//! # Contract with the app
//!
//! - Effects are applied in order. `Send` recipients are resolved here; `PresenceChanged` is
//!   NOT sent by the domain: the app coalesces them per presence tick and broadcasts
//!   `presence:update` / `queue:update` once per user (fix of §7.26).
//! - `Persist(CallFinished)` is written by the store (history for both users, metrics,
//!   completions); once committed the app reports the stored counters back as
//!   `Command::CallRecorded`, and the domain emits `metrics:update` and `qr:unlocked`. Every
//!   outbound event name and payload comes from here (`events.rs` is the catalogue).
//! - `Authenticate` is sent only for a valid, active, non-banned session; `auth:failed`,
//!   `auth:banned`, `CONNECT_ERROR` are the app's. Invalidated sessions and bans become
//!   `Kick { user, notice }` (notice = `session:invalidated` / `auth:banned`).
//! - Client-supplied ids arrive as `Option<Id>` (parse with [`parse_id`]; `None` = missing or
//!   malformed) and numbers, text and objects as raw `serde_json::Value`, so all validation
//!   and its error texts live here.
//!
//! # Deviations from the original (each has a test in `tests/`)
//!
//! - Ownership on every event: accept/decline only by the invitee, extend/rescind only by the
//!   inviter of a pending invite, room events only by members; violations get `error`.
//!   Unauthenticated sockets get `error {message:'Not authenticated'}` for every event
//!   (`call:invite`: the original's 'Please wait for authentication to complete').
//! - Invites expire on the server (`timeout` to the caller, `call:rescinded` to the callee,
//!   rescind cooldown, since an expiry is nobody's refusal), `call:extend-wait` is bounded, one
//!   invite per pair, mutual invites make one room, accept re-validates, invites are not
//!   stored for a target without a live socket, invites to a leaving user are declined to
//!   their callers, and starting a call withdraws both users' other invites.
//! - `user_not_found` needs the app's `target_exists` (the domain only knows connected users).
//! - Rooms close at agreed length + grace; one end path for `call:end`, deadline, disconnect;
//!   `session:finalized` is sent on every path; session completions count on every path
//!   (the record carries the reason if the store wants to differ).
//! - Cooldown after a call only if it lasted `history_min_seconds`; cooldowns never shorten.
//! - After a call both users are unavailable (end screen) instead of available; `queue:join`
//!   is refused during a call.
//! - Disconnect grace really runs; several sockets per user; the oldest past the limit is
//!   closed; a closed socket never takes down a user that has another one.
//! - `call:end` for an unknown room stays a silent no-op (clients send it after
//!   `peer:disconnected`); `room:giveSocial` is validated; room history is capped at
//!   `max_room_messages` (later messages are still delivered).

mod calls;
mod chat;
mod commands;
mod config;
mod cooldowns;
#[allow(clippy::module_inception)]
mod domain;
mod effects;
mod events;
mod ids;
mod invites;
mod matchmaking;
mod presence;
mod profile;
mod reports;
mod rooms;
mod session;
mod timers;

#[cfg(test)]
mod tests;

pub use chat::{MAX_CHAT_CHARS, MAX_SOCIAL_CHARS, MAX_SOCIAL_FIELDS, sanitize_chat, valid_socials};
pub use commands::{Command, Notice, RelayKind};
pub use config::DomainConfig;
pub use cooldowns::pair_key;
pub use domain::{Counts, Domain};
pub use effects::{CallRecord, Durable, Effect, EndReason};
pub use events::{close, event, message, reason};
pub use ids::{
    FastMap, FastSet, IdGen, InviteId, RoomId, SocketId, UserId, format_id, parse_id, parse_id_str,
    random_ids, sequential_ids,
};
pub use profile::Profile;
pub use reports::{CallReport, LastCall, UserMetrics};
