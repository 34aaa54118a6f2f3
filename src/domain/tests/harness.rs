//! Test harness: a `Domain` with deterministic ids and a movable `now`, helpers to bring users
//! online and into calls, and readers for the effects.

use serde_json::{Value, json};

use crate::domain::{
    CallRecord, CallReport, Command, Domain, DomainConfig, Durable, Effect, InviteId, Profile,
    RoomId, SocketId, UserId, parse_id, sequential_ids,
};

/// A fixed start time, far from 0 so that "0" bugs show.
pub const T0: i64 = 1_700_000_000_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

/// User number `n`: distinct, ordered by `n`.
pub fn uid(n: u8) -> UserId {
    let mut id = [0u8; 16];
    id[0] = 0xA0;
    id[15] = n;
    id
}

pub fn profile(n: u8) -> Profile {
    Profile::new(
        uid(n),
        format!("user{n}"),
        "female".into(),
        Some(format!("/uploads/selfie{n}.jpg")),
        None,
    )
}

pub struct H {
    pub d: Domain,
    pub now: i64,
    next_socket: SocketId,
}

/// A started call.
pub struct Call {
    pub a: SocketId,
    pub b: SocketId,
    pub room: RoomId,
}

impl H {
    pub fn new() -> Self {
        Self::with(DomainConfig::default())
    }

    pub fn with(config: DomainConfig) -> Self {
        Self {
            d: Domain::new(config, sequential_ids(0)),
            now: T0,
            next_socket: 100,
        }
    }

    pub fn run(&mut self, cmd: Command) -> Vec<Effect> {
        self.d.handle(self.now, cmd)
    }

    /// Moves time forward by `ms` and fires due timers.
    pub fn advance(&mut self, ms: i64) -> Vec<Effect> {
        self.now += ms;
        self.d.tick(self.now)
    }

    pub fn new_socket(&mut self) -> SocketId {
        self.next_socket += 1;
        self.next_socket
    }

    /// Authenticates a fresh socket for user `n`.
    pub fn connect_fx(&mut self, n: u8) -> (SocketId, Vec<Effect>) {
        let socket = self.new_socket();
        let fx = self.run(Command::Authenticate {
            socket,
            profile: profile(n),
        });
        (socket, fx)
    }

    pub fn connect(&mut self, n: u8) -> SocketId {
        self.connect_fx(n).0
    }

    /// Connected, `presence:join` and `queue:join`: what the client does on `auth:success`.
    pub fn ready(&mut self, n: u8) -> SocketId {
        let s = self.connect(n);
        self.run(Command::PresenceJoin { socket: s });
        self.run(Command::QueueJoin { socket: s });
        s
    }

    pub fn invite(&mut self, socket: SocketId, to: u8, seconds: Value) -> Vec<Effect> {
        self.run(Command::Invite {
            socket,
            to: Some(uid(to)),
            target_exists: true,
            requested_seconds: seconds,
        })
    }

    /// Invites with 300 s and returns the id from `call:notify`.
    pub fn invite_id(&mut self, socket: SocketId, to: u8) -> InviteId {
        let fx = self.invite(socket, to, json!(300));
        let notify = all_payloads(&fx, "call:notify");
        assert_eq!(notify.len(), 1, "expected one call:notify in {fx:?}");
        id_field(&notify[0], "inviteId")
    }

    pub fn accept(&mut self, socket: SocketId, invite: InviteId, seconds: Value) -> Vec<Effect> {
        self.run(Command::Accept {
            socket,
            invite_id: Some(invite),
            requested_seconds: seconds,
        })
    }

    pub fn decline(&mut self, socket: SocketId, invite: InviteId) -> Vec<Effect> {
        self.run(Command::Decline {
            socket,
            invite_id: Some(invite),
        })
    }

    /// Users `a` and `b` ready, `a` invites `b` (300 s), `b` accepts (300 s).
    pub fn call(&mut self, a: u8, b: u8) -> Call {
        let sa = self.ready(a);
        let sb = self.ready(b);
        self.call_between(sa, sb, b)
    }

    /// Starts a call between two already-ready sockets.
    pub fn call_between(&mut self, sa: SocketId, sb: SocketId, b: u8) -> Call {
        let invite = self.invite_id(sa, b);
        let fx = self.accept(sb, invite, json!(300));
        let start = payloads(&fx, sa, "call:start");
        assert_eq!(start.len(), 1, "expected call:start in {fx:?}");
        Call {
            a: sa,
            b: sb,
            room: id_field(&start[0], "roomId"),
        }
    }

    pub fn end(&mut self, socket: SocketId, room: RoomId) -> Vec<Effect> {
        self.run(Command::CallEnd {
            socket,
            room_id: Some(room),
        })
    }

    /// What the persistence worker does once the call in `fx` is stored: reports it back
    /// (without stored counters); returns the effects, `session:finalized` among them.
    pub fn stored(&mut self, fx: &[Effect]) -> Vec<Effect> {
        let r = record(fx);
        self.run(Command::CallRecorded(CallReport {
            session_id: r.session_id,
            finalize_to: r.finalize_to,
            ..CallReport::default()
        }))
    }

    pub fn chat(&mut self, socket: SocketId, room: RoomId, text: &str) -> Vec<Effect> {
        self.run(Command::Chat {
            socket,
            room_id: Some(room),
            text: json!(text),
        })
    }
}

/// A hyphenated-UUID field of a payload, as bytes.
pub fn id_field(payload: &Value, field: &str) -> [u8; 16] {
    parse_id(&payload[field]).expect("payload field is a UUID string")
}

/// Payloads (`Null` for none) of every `event` sent to `socket`.
pub fn payloads(fx: &[Effect], socket: SocketId, event: &str) -> Vec<Value> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send {
                to,
                event: ev,
                payload,
            } if *ev == event && to.contains(&socket) => {
                Some(payload.clone().unwrap_or(Value::Null))
            }
            _ => None,
        })
        .collect()
}

/// Payloads of every `event`, whoever receives it.
pub fn all_payloads(fx: &[Effect], event: &str) -> Vec<Value> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send {
                event: ev, payload, ..
            } if *ev == event => Some(payload.clone().unwrap_or(Value::Null)),
            _ => None,
        })
        .collect()
}

/// The single payload of `event` to `socket`.
pub fn one(fx: &[Effect], socket: SocketId, event: &str) -> Value {
    let p = payloads(fx, socket, event);
    assert_eq!(
        p.len(),
        1,
        "expected exactly one {event} to {socket} in {fx:?}"
    );
    p[0].clone()
}

/// Every socket that receives `event`, in order.
pub fn recipients(fx: &[Effect], event: &str) -> Vec<SocketId> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { to, event: ev, .. } if *ev == event => Some(to.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Every socket that receives anything.
pub fn all_recipients(fx: &[Effect]) -> Vec<SocketId> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { to, .. } => Some(to.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `error` messages sent to `socket`.
pub fn errors(fx: &[Effect], socket: SocketId) -> Vec<String> {
    payloads(fx, socket, "error")
        .into_iter()
        .map(|p| p["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The single `error` message to `socket`.
pub fn error(fx: &[Effect], socket: SocketId) -> String {
    let e = errors(fx, socket);
    assert_eq!(e.len(), 1, "expected one error to {socket} in {fx:?}");
    e[0].clone()
}

pub fn presence(fx: &[Effect]) -> Vec<(UserId, bool, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::PresenceChanged {
                user,
                online,
                available,
            } => Some((*user, *online, *available)),
            _ => None,
        })
        .collect()
}

pub fn records(fx: &[Effect]) -> Vec<CallRecord> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Persist(Durable::CallFinished(r)) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

pub fn record(fx: &[Effect]) -> CallRecord {
    let r = records(fx);
    assert_eq!(r.len(), 1, "expected one CallFinished in {fx:?}");
    r[0].clone()
}

pub fn cooldowns(fx: &[Effect]) -> Vec<(UserId, UserId, i64)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Persist(Durable::Cooldown { a, b, until }) => Some((*a, *b, *until)),
            _ => None,
        })
        .collect()
}

pub fn closes(fx: &[Effect]) -> Vec<(SocketId, &'static str)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Close { socket, reason } => Some((*socket, *reason)),
            _ => None,
        })
        .collect()
}

/// The `reason` of the single `call:declined` to `socket`.
pub fn declined_reason(fx: &[Effect], socket: SocketId) -> String {
    one(fx, socket, "call:declined")["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
