//! One user's behaviour as a state machine: events and timer ticks in, frames to send out.
//!
//! No I/O here (the task in `client/mod.rs` owns the socket), so the rules can be unit tested.
//!
//! A user is in one phase at a time: idle in the queue, inviting one user, accepting one
//! invite, in a call, or ending a call. Invites that arrive while busy are kept aside and
//! answered once idle again (the server withdraws them if the user starts a call). This keeps
//! the user's view consistent with the server's rules, so the races that remain are exactly
//! the server's documented ones, and those are counted as outcomes, not errors:
//! - an answer to an invite that the server withdrew or expired first: `call:rescinded`
//!   arrives, then `error "Invite not found or expired"` (counted as `race:invite_gone`);
//! - mutual invites: both users invited each other, the server starts one room and the
//!   second notification never needs an answer.
//!
//! What the user fetches over HTTP and when is the [`overlay`]'s business; the phase tells
//! it whether the matchmaking overlay is open. With `--check-presence` the user also
//! publishes its presence truth and keeps its view of the others (`client::presence`).

pub mod overlay;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use self::overlay::{Fetch, Overlay, STATS_INTERVAL};
use super::presence::Flags;
use super::presence::table::PresenceHandle;
use super::shared::Shared;
use crate::loadgen::metrics::Step;
use crate::loadgen::validate::{self, Notify};
use crate::loadgen::wall_ms;
use crate::loadgen::wire::{PresenceUpdate, bare_event_frame, event_frame};

const INVITE_GONE: &str = "Invite not found or expired";
const ROOM_NOT_FOUND: &str = "Room not found";

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Inviting {
        to: String,
        deadline: Instant,
    },
    Accepting {
        invite_id: String,
        from: String,
        deadline: Instant,
    },
    InCall(Call),
    /// The initiator sent `call:end` and waits for `session:finalized`.
    Ending {
        room_id: String,
        peer: String,
        deadline: Instant,
        expect: Option<(&'static str, Instant)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Call {
    room_id: String,
    peer: String,
    initiator: bool,
    /// The relay message still expected from the peer, and until when.
    expect: Option<(&'static str, Instant)>,
    /// Initiator: when to send `call:end`. Peer: when `session:finalized` is overdue.
    end_at: Instant,
}

/// A simulated user.
#[derive(Debug)]
pub struct User {
    pub id: String,
    phase: Phase,
    /// Users already called, declined or declining: never invited (again).
    met: HashSet<String>,
    /// Invitable users from the last `GET /room/queue`, less those announced unavailable
    /// since (web model); empty while the overlay is closed.
    candidates: Vec<String>,
    /// Invites received while busy, with their arrival time.
    stash: Vec<(Notify, Instant)>,
    /// Invites this user answered and whose fate is not known yet.
    answered: HashMap<String, Instant>,
    /// Answered invites the server withdrew first: that many "Invite not found" are expected.
    raced_answers: u32,
    next_invite: Option<Instant>,
    overlay: Overlay,
    /// This user's slot in the presence check's table (`--check-presence` only).
    presence: Option<PresenceHandle>,
    out: Vec<String>,
    rng: fastrand::Rng,
    idle_mode: bool,
    /// Sent `queue:join` once: from then on the user is in the queue whenever not in a call.
    joined_queue: bool,
    /// Presence broadcasts received, added to the metrics when the user stops.
    pub presence_updates: u64,
    pub queue_updates: u64,
}

/// Rounds to microseconds: the send timestamps in payloads.
fn stamp() -> f64 {
    (wall_ms() * 1000.0).round() / 1000.0
}

/// Time from a payload's wall-clock `sent_at` (ms) to now; never negative.
fn since_wall(sent_at: f64) -> Duration {
    Duration::from_secs_f64(((wall_ms() - sent_at) / 1000.0).clamp(0.0, 3600.0))
}

impl User {
    pub fn new(id: String, sh: &Shared, now: Instant, seed: u64) -> Self {
        let s = &sh.settings;
        let mut rng = fastrand::Rng::with_seed(seed);
        let active = !s.idle;
        // First fetches at a random point of their period, so they do not arrive in waves.
        let first_poll = s.poll_interval().mul_f64(rng.f64());
        let first_stats = STATS_INTERVAL.mul_f64(rng.f64());
        let overlay = Overlay::new(
            s.client_model,
            s.poll_interval(),
            active,
            now,
            first_poll,
            first_stats,
        );
        let mut user = Self {
            id,
            phase: Phase::Idle,
            met: HashSet::new(),
            candidates: Vec::new(),
            stash: Vec::new(),
            answered: HashMap::new(),
            raced_answers: 0,
            next_invite: None,
            overlay,
            presence: None,
            out: Vec::new(),
            rng,
            idle_mode: s.idle,
            joined_queue: false,
            presence_updates: 0,
            queue_updates: 0,
        };
        if active && s.invite_rate > 0.0 {
            user.next_invite = Some(now + user.exp_delay(s.invite_rate));
        }
        user
    }

    /// Exponential inter-arrival time of a Poisson process of `rate` per second.
    fn exp_delay(&mut self, rate: f64) -> Duration {
        let u = self.rng.f64();
        Duration::from_secs_f64((-(1.0 - u).ln() / rate).min(3600.0))
    }

    /// Frames to send now.
    pub fn take_out(&mut self) -> Vec<String> {
        std::mem::take(&mut self.out)
    }

    pub fn push_raw(&mut self, frame: &str) {
        self.out.push(frame.to_owned());
    }

    fn emit(&mut self, name: &str, payload: Value) {
        self.out.push(event_frame(name, &payload));
    }

    /// Takes part in the presence check through `handle` (its slot in the shared table).
    pub fn with_presence(mut self, handle: PresenceHandle) -> Self {
        self.presence = Some(handle);
        self
    }

    /// After `auth:success`: join presence and (unless idle mode) the queue.
    pub fn joined(&mut self, now: Instant) {
        self.out.push(bare_event_frame("presence:join"));
        if !self.idle_mode {
            self.join_queue(now);
        }
        self.follow_phase(now);
    }

    /// Sends `queue:join`, which makes the user available.
    fn join_queue(&mut self, now: Instant) {
        self.out.push(bare_event_frame("queue:join"));
        self.joined_queue = true;
        self.publish(Flags::IN_QUEUE, now);
    }

    fn publish(&self, truth: Flags, now: Instant) {
        if let Some(presence) = &self.presence {
            presence.publish(truth, now);
        }
    }

    pub fn in_call(&self) -> bool {
        matches!(self.phase, Phase::InCall(_) | Phase::Ending { .. })
    }

    /// Opens the overlay in the queue and closes it in a call; called after anything that
    /// may change the phase.
    fn follow_phase(&mut self, now: Instant) {
        let in_queue = self.joined_queue && !self.in_call();
        if self.overlay.follow(in_queue, now) {
            self.candidates.clear();
        }
    }

    /// The earliest moment something must happen without an event.
    pub fn next_wake(&self, now: Instant) -> Instant {
        let phase = match &self.phase {
            Phase::Idle => None,
            Phase::Inviting { deadline, .. } | Phase::Accepting { deadline, .. } => Some(*deadline),
            Phase::InCall(call) => Some(match call.expect {
                Some((_, t)) => t.min(call.end_at),
                None => call.end_at,
            }),
            Phase::Ending {
                deadline, expect, ..
            } => Some(expect.map_or(*deadline, |(_, t)| t.min(*deadline))),
        };
        [phase, self.next_invite, self.overlay.next_wake()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + Duration::from_secs(3600))
    }

    /// Timers: deadlines, the Poisson invite clock, the overlay's. Returns the HTTP fetches
    /// due.
    pub fn on_tick(&mut self, sh: &Shared, now: Instant) -> Vec<Fetch> {
        self.check_deadlines(sh, now);
        self.follow_phase(now);
        let due = self.overlay.due(now);
        if self.next_invite.is_some_and(|t| t <= now) {
            self.next_invite = Some(now + self.exp_delay(sh.settings.invite_rate));
            self.try_invite(sh, now);
        }
        due
    }

    fn check_deadlines(&mut self, sh: &Shared, now: Instant) {
        let timeout = sh.settings.timeout();
        match &mut self.phase {
            Phase::Idle => {}
            Phase::Inviting { to, deadline } => {
                if *deadline <= now {
                    sh.error("timeout:call:invite_answer");
                    sh.take_invite(&self.id, to);
                    self.met.insert(to.clone());
                    self.become_idle(sh, now);
                }
            }
            Phase::Accepting { deadline, .. } => {
                if *deadline <= now {
                    sh.error("timeout:call:start");
                    self.become_idle(sh, now);
                }
            }
            Phase::InCall(call) => {
                if let Some((event, t)) = call.expect
                    && t <= now
                {
                    sh.error(&format!("timeout:{event}"));
                    call.expect = None;
                }
                if call.end_at <= now {
                    if call.initiator {
                        let room_id = call.room_id.clone();
                        self.phase = Phase::Ending {
                            room_id: room_id.clone(),
                            peer: call.peer.clone(),
                            deadline: now + timeout,
                            expect: call.expect.take(),
                        };
                        self.emit("call:end", json!({ "roomId": room_id }));
                    } else {
                        sh.error("timeout:session:finalized");
                        self.recover(sh, now);
                    }
                }
            }
            Phase::Ending {
                deadline, expect, ..
            } => {
                if let Some((event, t)) = *expect
                    && t <= now
                {
                    sh.error(&format!("timeout:{event}"));
                    *expect = None;
                }
                if *deadline <= now {
                    sh.error("timeout:session:finalized");
                    self.recover(sh, now);
                }
            }
        }
    }

    /// A call whose end never came: rejoin the queue as the client would after its timer.
    fn recover(&mut self, sh: &Shared, now: Instant) {
        self.join_queue(now);
        self.become_idle(sh, now);
    }

    fn become_idle(&mut self, sh: &Shared, now: Instant) {
        self.phase = Phase::Idle;
        self.process_stash(sh, now);
    }

    /// Answers the invites kept aside while busy, oldest first, until one is accepted. An
    /// invite that waited more than half its TTL is left to expire: an answer now would race
    /// the server's expiry.
    fn process_stash(&mut self, sh: &Shared, now: Instant) {
        let max_age = sh.settings.invite_ttl() / 2;
        while matches!(self.phase, Phase::Idle) && !self.stash.is_empty() {
            let (notify, at) = self.stash.remove(0);
            if now.duration_since(at) > max_age {
                sh.outcome("invite_left_to_expire");
                continue;
            }
            self.answer(sh, now, notify);
        }
    }

    /// A finished `GET /room/queue`: replaces the list with its users without a cooldown.
    /// One that finishes after the overlay closed has nowhere to go.
    pub fn on_queue(&mut self, entries: Vec<validate::QueueEntry>) {
        if !self.overlay.is_open() {
            return;
        }
        self.candidates = entries
            .into_iter()
            .filter(|e| !e.has_cooldown && e.user_id != self.id)
            .map(|e| e.user_id)
            .collect();
    }

    /// Invites a random candidate not met yet, preferably one living in this process.
    fn try_invite(&mut self, sh: &Shared, now: Instant) {
        if !matches!(self.phase, Phase::Idle) {
            return;
        }
        let eligible: Vec<usize> = (0..self.candidates.len())
            .filter(|&i| !self.met.contains(&self.candidates[i]))
            .collect();
        let local: Vec<usize> = eligible
            .iter()
            .copied()
            .filter(|&i| sh.is_local(&self.candidates[i]))
            .collect();
        let pool = if local.is_empty() { &eligible } else { &local };
        if pool.is_empty() {
            sh.outcome("invite_skipped:no_candidate");
            return;
        }
        let index = pool[self.rng.usize(..pool.len())];
        let to = self.candidates.swap_remove(index);
        sh.invite_sent(&self.id, &to, now);
        self.emit(
            "call:invite",
            json!({ "toUserId": to, "requestedSeconds": sh.settings.call_seconds }),
        );
        self.phase = Phase::Inviting {
            to,
            deadline: now + sh.settings.invite_ttl() + sh.settings.timeout(),
        };
        sh.outcome("invites_sent");
    }

    fn answer(&mut self, sh: &Shared, now: Instant, notify: Notify) {
        let keep = sh.settings.invite_ttl() + sh.settings.timeout();
        self.answered.retain(|_, at| now.duration_since(*at) < keep);
        self.answered.insert(notify.invite_id.clone(), now);
        if self.rng.f64() < sh.settings.accept_probability {
            sh.accept_sent(&notify.from, &self.id, now);
            self.emit(
                "call:accept",
                json!({ "inviteId": notify.invite_id, "requestedSeconds": sh.settings.call_seconds }),
            );
            self.phase = Phase::Accepting {
                invite_id: notify.invite_id,
                from: notify.from,
                deadline: now + sh.settings.timeout(),
            };
            sh.outcome("accepts_sent");
        } else {
            self.emit("call:decline", json!({ "inviteId": notify.invite_id }));
            self.met.insert(notify.from);
            sh.outcome("declines_sent");
        }
    }

    fn protocol(sh: &Shared, event: &str, field: &str) {
        sh.error(&format!("protocol:{event}:{field}"));
    }

    /// A presence broadcast (web model): goes into the presence check's view; the open
    /// overlay refetches when someone became available and drops who became unavailable.
    pub fn on_presence(&mut self, now: Instant, update: &PresenceUpdate) {
        match update {
            PresenceUpdate::Presence { .. } => self.presence_updates += 1,
            PresenceUpdate::Queue { .. } => self.queue_updates += 1,
        }
        if let Some(presence) = &self.presence {
            presence.apply(update);
        }
        if !self.overlay.is_open() {
            return;
        }
        if update.made_available() {
            self.overlay.on_available(now);
        } else {
            self.candidates.retain(|c| c != update.user_id());
        }
    }

    /// One event from the server.
    pub fn on_event(&mut self, sh: &Shared, now: Instant, name: &str, payload: &Value) {
        self.dispatch(sh, now, name, payload);
        self.follow_phase(now);
    }

    fn dispatch(&mut self, sh: &Shared, now: Instant, name: &str, payload: &Value) {
        sh.metrics.events(name, 1);
        match name {
            "call:notify" => self.on_notify(sh, now, payload),
            "call:declined" => self.on_declined(sh, now, payload),
            "call:rescinded" => self.on_rescinded(sh, now, payload),
            "call:start" => self.on_start(sh, now, payload),
            "rtc:offer" => self.on_relay(sh, name, "offer", payload),
            "rtc:answer" => self.on_relay(sh, name, "answer", payload),
            "rtc:ice" => self.on_relay(sh, name, "candidate", payload),
            "room:chat" => self.on_chat(sh, payload),
            "session:finalized" => self.on_finalized(sh, now, payload),
            "error" => self.on_error(sh, now, payload),
            "metrics:update" if !payload.is_object() => Self::protocol(sh, name, "payload"),
            "peer:disconnected" | "session:invalidated" | "auth:banned" | "auth:failed" => {
                sh.error(name);
            }
            // The second auth:success answers the `auth` event; the rest are informative.
            _ => {}
        }
    }

    fn on_notify(&mut self, sh: &Shared, now: Instant, payload: &Value) {
        let notify = match validate::notify(payload) {
            Ok(n) => n,
            Err(field) => return Self::protocol(sh, "call:notify", field),
        };
        if let Some(sent) = sh.take_invite(&notify.from, &self.id) {
            sh.record(Step::InviteNotify, now.saturating_duration_since(sent));
        }
        if matches!(self.phase, Phase::Idle) {
            self.answer(sh, now, notify);
        } else {
            self.stash.push((notify, now));
        }
    }

    fn on_declined(&mut self, sh: &Shared, now: Instant, payload: &Value) {
        let declined = match validate::declined(payload) {
            Ok(d) => d,
            Err(field) => return Self::protocol(sh, "call:declined", field),
        };
        let kind = format!("declined:{}", declined.reason);
        if validate::NORMAL_DECLINE_REASONS.contains(&declined.reason.as_str()) {
            sh.outcome(&kind);
        } else {
            sh.error(&kind);
        }
        match &self.phase {
            Phase::Inviting { to, .. } => {
                sh.take_invite(&self.id, to);
                if declined.reason != "offline" {
                    self.met.insert(to.clone());
                }
                self.become_idle(sh, now);
            }
            _ => sh.error("unexpected:call:declined"),
        }
    }

    fn on_rescinded(&mut self, sh: &Shared, now: Instant, payload: &Value) {
        let invite_id = match validate::rescinded(payload) {
            Ok(id) => id,
            Err(field) => return Self::protocol(sh, "call:rescinded", field),
        };
        sh.outcome("rescinded");
        if self.answered.remove(&invite_id).is_some() {
            self.raced_answers += 1;
        }
        self.stash.retain(|(n, _)| n.invite_id != invite_id);
        if matches!(&self.phase, Phase::Accepting { invite_id: id, .. } if *id == invite_id) {
            self.become_idle(sh, now);
        }
    }

    fn on_start(&mut self, sh: &Shared, now: Instant, payload: &Value) {
        let start = match validate::start(payload) {
            Ok(s) => s,
            Err(field) => return Self::protocol(sh, "call:start", field),
        };
        match &self.phase {
            Phase::Inviting { to, .. } if *to == start.peer => {
                sh.take_invite(&self.id, to);
            }
            Phase::Accepting {
                invite_id, from, ..
            } if *from == start.peer => {
                self.answered.remove(&invite_id.clone());
            }
            _ => sh.error("unexpected:call:start"),
        }
        if start.initiator {
            if let Some(sent) = sh.take_accept(&self.id, &start.peer) {
                sh.record(Step::AcceptStart, now.saturating_duration_since(sent));
            }
            sh.outcome("calls_started");
        }
        // The server made the user unavailable before sending this.
        self.publish(Flags::ONLINE, now);
        // The server withdraws every other invite of a user who starts a call.
        self.stash.clear();
        self.met.insert(start.peer.clone());
        let room_id = start.room_id;
        self.emit("room:join", json!({ "roomId": room_id }));
        let timeout = sh.settings.timeout();
        let (expect, end_at) = if start.initiator {
            self.emit(
                "rtc:offer",
                json!({ "roomId": room_id, "offer": { "type": "offer", "sdp": "v=0 loadgen", "sentAt": stamp() } }),
            );
            ("rtc:answer", now + sh.settings.call_length())
        } else {
            ("rtc:offer", now + sh.settings.call_length() + timeout)
        };
        self.phase = Phase::InCall(Call {
            room_id,
            peer: start.peer,
            initiator: start.initiator,
            expect: Some((expect, now + timeout)),
            end_at,
        });
    }

    /// The ICE candidates and chat messages each side sends once signaling is done.
    fn chatter(&mut self, sh: &Shared, room_id: &str) {
        for i in 0..sh.settings.ice_per_call {
            self.emit(
                "rtc:ice",
                json!({ "roomId": room_id, "candidate": {
                    "candidate": format!("candidate:{i} 1 UDP 2122252543 127.0.0.1 {} typ host", 50000 + i),
                    "sdpMid": "0", "sdpMLineIndex": 0, "sentAt": stamp() } }),
            );
        }
        for _ in 0..sh.settings.chats_per_call {
            self.emit(
                "room:chat",
                json!({ "roomId": room_id, "text": format!("t={:.3}", wall_ms()) }),
            );
        }
    }

    fn on_relay(&mut self, sh: &Shared, name: &str, field: &'static str, v: &Value) {
        let (from, sent_at) = match validate::relay(field, v) {
            Ok(x) => x,
            Err(f) => return Self::protocol(sh, name, f),
        };
        let (room_id, reply) = match &mut self.phase {
            Phase::InCall(call) if call.peer == from => {
                let expected = call.expect.is_some_and(|(e, _)| e == name);
                if expected {
                    call.expect = None;
                }
                match (name, call.initiator) {
                    ("rtc:ice", _) => (call.room_id.clone(), None),
                    ("rtc:offer", false) | ("rtc:answer", true) if expected => {
                        (call.room_id.clone(), Some(name))
                    }
                    _ => return sh.error(&format!("unexpected:{name}")),
                }
            }
            Phase::Ending { peer, expect, .. } if *peer == from => {
                if expect.is_some_and(|(e, _)| e == name) {
                    *expect = None;
                }
                (String::new(), None)
            }
            Phase::InCall(_) | Phase::Ending { .. } => {
                return Self::protocol(sh, name, "from");
            }
            _ => return sh.error(&format!("unexpected:{name}")),
        };
        sh.record(Step::RtcRelay, since_wall(sent_at));
        match reply {
            Some("rtc:offer") => {
                self.emit(
                    "rtc:answer",
                    json!({ "roomId": room_id, "answer": { "type": "answer", "sdp": "v=0 loadgen", "sentAt": stamp() } }),
                );
                self.chatter(sh, &room_id);
            }
            Some(_) => self.chatter(sh, &room_id),
            None => {}
        }
    }

    fn on_chat(&mut self, sh: &Shared, v: &Value) {
        let chat = match validate::chat(v) {
            Ok(c) => c,
            Err(field) => return Self::protocol(sh, "room:chat", field),
        };
        let peer = match &self.phase {
            Phase::InCall(call) => &call.peer,
            Phase::Ending { peer, .. } => peer,
            _ => return sh.error("unexpected:room:chat"),
        };
        if chat.from == self.id {
            return; // our own message, echoed to both members
        }
        if chat.from != *peer {
            return Self::protocol(sh, "room:chat", "from");
        }
        match validate::chat_sent_at(&chat.text) {
            Some(sent_at) => sh.record(Step::ChatRelay, since_wall(sent_at)),
            None => Self::protocol(sh, "room:chat", "text"),
        }
    }

    fn on_finalized(&mut self, sh: &Shared, now: Instant, v: &Value) {
        if let Err(field) = validate::finalized(v) {
            return Self::protocol(sh, "session:finalized", field);
        }
        let (peer, initiator, expect) = match &self.phase {
            Phase::InCall(call) => (call.peer.clone(), call.initiator, call.expect),
            Phase::Ending { peer, expect, .. } => (peer.clone(), true, *expect),
            _ => return sh.error("unexpected:session:finalized"),
        };
        if let Some((event, _)) = expect {
            sh.error(&format!("timeout:{event}"));
        }
        // Our accept time is no longer needed if the caller lives in another process.
        sh.take_accept(&peer, &self.id);
        if initiator {
            sh.outcome("calls_completed");
        }
        if !self.idle_mode {
            self.join_queue(now);
        }
        self.become_idle(sh, now);
    }

    fn on_error(&mut self, sh: &Shared, now: Instant, v: &Value) {
        let message = match validate::error_message(v) {
            Ok(m) => m,
            Err(field) => return Self::protocol(sh, "error", field),
        };
        sh.metrics.server_error(&message);
        if message == INVITE_GONE && self.raced_answers > 0 {
            self.raced_answers -= 1;
            sh.outcome("race:invite_gone");
            return;
        }
        if message == ROOM_NOT_FOUND && !self.in_call() {
            sh.outcome("race:room_closed");
            return;
        }
        sh.error(&format!("server:{message}"));
        if matches!(self.phase, Phase::Accepting { .. }) {
            // The accept failed; the server has already told the caller.
            self.become_idle(sh, now);
        }
    }
}

#[cfg(test)]
mod tests;
