//! The event catalogue, every wire name and text the server sends: event names, `call:declined` reasons, `error` messages, close reasons.
//!
//! Names and reasons are the original's, unchanged, because the web client matches on them.
//! Error messages the original had are kept verbatim; the others are new (ownership checks).

/// Server -> client event names.
pub mod event {
    pub const AUTH_SUCCESS: &str = "auth:success";
    pub const CALL_NOTIFY: &str = "call:notify";
    pub const CALL_DECLINED: &str = "call:declined";
    pub const CALL_RESCINDED: &str = "call:rescinded";
    pub const CALL_WAIT_EXTENDED: &str = "call:wait-extended";
    pub const CALL_START: &str = "call:start";
    pub const ROOM_CHAT: &str = "room:chat";
    pub const ROOM_SOCIAL_SHARED: &str = "room:socialShared";
    pub const SESSION_FINALIZED: &str = "session:finalized";
    pub const PEER_DISCONNECTED: &str = "peer:disconnected";
    pub const AUTH_FAILED: &str = "auth:failed";
    pub const AUTH_BANNED: &str = "auth:banned";
    pub const SESSION_INVALIDATED: &str = "session:invalidated";
    pub const PRESENCE_UPDATE: &str = "presence:update";
    pub const QUEUE_UPDATE: &str = "queue:update";
    pub const METRICS_UPDATE: &str = "metrics:update";
    pub const QR_UNLOCKED: &str = "qr:unlocked";
    pub const REFERRAL_NOTIFICATION: &str = "referral:notification";
    /// `error {message}`: a refused event (texts in [`super::message`]).
    pub const ERROR: &str = "error";
}

/// `call:declined` reasons.
pub mod reason {
    pub const INVALID_TARGET: &str = "invalid_target";
    pub const USER_NOT_FOUND: &str = "user_not_found";
    pub const INVALID_DURATION: &str = "invalid_duration";
    pub const OFFLINE: &str = "offline";
    pub const COOLDOWN: &str = "cooldown";
    pub const USER_DECLINED: &str = "user_declined";
    pub const TIMEOUT: &str = "timeout";
}

/// `error {message}` texts.
pub mod message {
    pub const NOT_AUTHENTICATED: &str = "Not authenticated";
    /// `call:invite` or `call:accept` from a user without access while the paywall is on.
    pub const PAYMENT_REQUIRED: &str = "Payment required";
    pub const WAIT_FOR_AUTH: &str = "Please wait for authentication to complete";
    pub const AT_CAPACITY: &str = "Server at capacity, please try again shortly";
    pub const INVALID_TARGET: &str = "Invalid target user";
    pub const INVITE_PENDING: &str = "Invite already pending";
    pub const INVITE_NOT_FOUND: &str = "Invite not found or expired";
    pub const NOT_INVITEE: &str = "This invite is not addressed to you";
    pub const INVALID_DURATION: &str = "Invalid call duration";
    pub const NO_PENDING_INVITE: &str = "No pending invite to this user";
    pub const NO_MORE_EXTENSIONS: &str = "This invite cannot be extended any further";
    pub const ALREADY_IN_CALL: &str = "You are already in a call";
    pub const CALLER_UNAVAILABLE: &str = "The caller is no longer available";
    pub const ON_COOLDOWN: &str = "You cannot call this user again yet";
    pub const ROOM_NOT_FOUND: &str = "Room not found";
    pub const NOT_ROOM_MEMBER: &str = "You are not a member of this room";
    pub const INVALID_MESSAGE: &str = "Message text must be a string";
    pub const INVALID_SOCIALS: &str =
        "Socials must be an object of at most 20 text fields of at most 200 characters";
    pub const DISCONNECTED: &str = "Call ended due to disconnection";
    pub const SLOW_DOWN: &str = "Too many events; slow down";
    pub const QR_UNLOCKED: &str = "🎉 Congratulations! You've unlocked your QR code!";
}

/// `Effect::Close` reasons (for logs).
pub mod close {
    pub const TOO_MANY_SOCKETS: &str = "too_many_sockets";
    pub const AT_CAPACITY: &str = "at_capacity";
    pub const KICKED: &str = "kicked";
}
