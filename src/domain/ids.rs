//! Identifiers of the realtime domain and the injectable id source.
//!
//! Ids are the 16 raw bytes of a UUID (the same representation as `store::records::Id`), so a
//! user id from the store is a `UserId` without conversion. On the wire they are hyphenated
//! lowercase UUID strings, which is what the original server and its client use.
//!
//! Invite and room ids come from an [`IdGen`] given to the `Domain`: production uses random v4
//! UUIDs ([`random_ids`]), tests use [`sequential_ids`] so that ids are predictable.

/// Hash maps and sets keyed by ids the server makes (random UUIDs, counters): clients never
/// choose these keys, so SipHash's flooding resistance buys nothing here, and in the 19,000-user
/// evening SipHash was ~5 % of the server's CPU (queue listings look up a cooldown per user).
/// foldhash is still seeded per process.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use serde_json::Value;
use uuid::Uuid;

/// A user, as stored (UUID bytes).
pub type UserId = [u8; 16];
/// A transport connection, allocated by the app (monotonic, never reused while alive).
pub type SocketId = u64;
/// A pending call invite.
pub type InviteId = [u8; 16];
/// A call room.
pub type RoomId = [u8; 16];

/// Source of fresh 16-byte ids for invites and rooms.
///
/// A boxed closure rather than a trait: production and tests only differ in one function.
pub type IdGen = Box<dyn FnMut() -> [u8; 16] + Send>;

/// Random v4 UUIDs: unguessable, so an invite or room id is not a capability anyone can forge.
pub fn random_ids() -> IdGen {
    Box::new(|| *Uuid::new_v4().as_bytes())
}

/// Ids `start+1`, `start+2`, ... as big-endian bytes; deterministic, for tests.
pub fn sequential_ids(start: u128) -> IdGen {
    let mut next = start;
    Box::new(move || {
        next = next.wrapping_add(1);
        next.to_be_bytes()
    })
}

/// The wire form of an id: a hyphenated lowercase UUID string.
pub fn format_id(id: &[u8; 16]) -> String {
    Uuid::from_bytes(*id).hyphenated().to_string()
}

/// Parses an id from a client-supplied string; `None` for anything that is not a UUID.
pub fn parse_id_str(s: &str) -> Option<[u8; 16]> {
    Uuid::try_parse(s).ok().map(|u| *u.as_bytes())
}

/// Parses an id from a client-supplied JSON value; `None` when missing, not a string or not a
/// UUID. The protocol layer uses this to fill the `Option` id fields of `Command`.
pub fn parse_id(value: &Value) -> Option<[u8; 16]> {
    value.as_str().and_then(parse_id_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_round_trip_through_the_wire_form() {
        let id = [0xab; 16];
        let s = format_id(&id);
        assert_eq!(s, "abababab-abab-abab-abab-abababababab");
        assert_eq!(parse_id_str(&s), Some(id));
        assert_eq!(parse_id(&json!(s)), Some(id));
    }

    #[test]
    fn malformed_ids_are_none() {
        assert_eq!(parse_id(&Value::Null), None);
        assert_eq!(parse_id(&json!(42)), None);
        assert_eq!(parse_id(&json!("not-a-uuid")), None);
        assert_eq!(parse_id(&json!({"id": "x"})), None);
    }

    #[test]
    fn sequential_ids_are_predictable_and_random_ids_differ() {
        let mut seq = sequential_ids(0);
        assert_eq!(seq(), 1u128.to_be_bytes());
        assert_eq!(seq(), 2u128.to_be_bytes());
        let mut rnd = random_ids();
        assert_ne!(rnd(), rnd());
    }
}
