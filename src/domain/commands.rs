//! What the app asks of the domain: one variant per socket event or connection happening.
//!
//! Fields that come from a client are kept raw or optional (`Option<Id>` = missing or not a
//! UUID, `serde_json::Value` for numbers, text and objects) so that every validation rule and
//! its error text lives in the domain and is unit tested; the protocol layer only maps event
//! names and picks fields (use [`super::parse_id`] for ids).

use serde_json::{Value, json};

use super::events::event;
use super::ids::{InviteId, RoomId, SocketId, UserId};
use super::profile::Profile;
use super::reports::CallReport;

/// One input to [`super::Domain::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A socket proved a valid, active session of a non-banned user (handshake `auth.token` or
    /// the `auth` event). The app has already answered `auth:failed` / `auth:banned` itself.
    Authenticate { socket: SocketId, profile: Profile },
    /// The transport dropped. If it was the user's last socket the disconnect grace starts.
    SocketClosed { socket: SocketId },
    /// The user's session was invalidated or the user banned: `notice` (e.g.
    /// `session:invalidated`, `auth:banned`) is sent to every socket, then all are closed and
    /// full cleanup runs at once, without grace.
    Kick {
        user: UserId,
        notice: Option<Notice>,
    },
    /// `presence:join`.
    PresenceJoin { socket: SocketId },
    /// `presence:leave`.
    PresenceLeave { socket: SocketId },
    /// `queue:join`.
    QueueJoin { socket: SocketId },
    /// `queue:leave`.
    QueueLeave { socket: SocketId },
    /// `call:invite {toUserId, requestedSeconds}`. `target_exists` is the app's answer to "is
    /// there such a user at all" (the domain only knows connected users); it only decides
    /// between the reasons `user_not_found` and `offline`, so `true` is a safe default.
    Invite {
        socket: SocketId,
        to: Option<UserId>,
        target_exists: bool,
        requested_seconds: Value,
    },
    /// `call:accept {inviteId, requestedSeconds}`.
    Accept {
        socket: SocketId,
        invite_id: Option<InviteId>,
        requested_seconds: Value,
    },
    /// `call:decline {inviteId}`.
    Decline {
        socket: SocketId,
        invite_id: Option<InviteId>,
    },
    /// `call:extend-wait {toUserId}`.
    ExtendWait {
        socket: SocketId,
        to: Option<UserId>,
    },
    /// `call:rescind {toUserId}`.
    Rescind {
        socket: SocketId,
        to: Option<UserId>,
    },
    /// `room:join {roomId}`.
    RoomJoin {
        socket: SocketId,
        room_id: Option<RoomId>,
    },
    /// `rtc:offer {roomId, offer}`, `rtc:answer {roomId, answer}`, `rtc:ice {roomId, candidate}`;
    /// `payload` is the `offer` / `answer` / `candidate` field, relayed untouched.
    Relay {
        socket: SocketId,
        room_id: Option<RoomId>,
        kind: RelayKind,
        payload: Value,
    },
    /// `room:chat {roomId, text}`.
    Chat {
        socket: SocketId,
        room_id: Option<RoomId>,
        text: Value,
    },
    /// `room:giveSocial {roomId, socials}`.
    GiveSocial {
        socket: SocketId,
        room_id: Option<RoomId>,
        socials: Value,
    },
    /// `call:end {roomId}`.
    CallEnd {
        socket: SocketId,
        room_id: Option<RoomId>,
    },
    /// The store committed a finished call (`Durable::CallFinished`): the participants are
    /// told their new metrics, and whoever it unlocked, their QR code.
    CallRecorded(CallReport),
    /// Something happened to `user` outside the realtime rules (a referral notification):
    /// `event` goes to each of the user's sockets, if any.
    Notify {
        user: UserId,
        event: &'static str,
        payload: Value,
    },
}

/// An event sent to a kicked user's sockets before they are closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub event: &'static str,
    pub payload: Value,
}

impl Notice {
    /// A login elsewhere replaced this session (single session).
    pub fn logged_in_elsewhere() -> Self {
        Self {
            event: event::SESSION_INVALIDATED,
            payload: json!({
                "message": "You have been logged out because you logged in from another device.",
                "reason": "new_login",
            }),
        }
    }

    /// The account is banned.
    pub fn suspended() -> Self {
        Self {
            event: event::AUTH_BANNED,
            payload: json!({"message": "Your account has been suspended.", "banned": true}),
        }
    }
}

/// The three WebRTC signalling relays; they differ only in names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayKind {
    Offer,
    Answer,
    Ice,
}

impl RelayKind {
    /// The event name, both from the client and to the peer.
    pub fn event(self) -> &'static str {
        match self {
            Self::Offer => "rtc:offer",
            Self::Answer => "rtc:answer",
            Self::Ice => "rtc:ice",
        }
    }

    /// The payload field carrying the signalling data.
    pub fn field(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::Answer => "answer",
            Self::Ice => "candidate",
        }
    }
}
