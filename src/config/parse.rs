//! Value parsers shared by the groups: a bad value is refused by clap, whose message names
//! the flag by itself (`invalid value '0' for '--max-connections <MAX_CONNECTIONS>': ...`).

use std::str::FromStr;
use std::time::Duration;

/// The longest any duration flag may be. Times are milliseconds in i64 and Postgres
/// timestamps end in the year 294276: a bound far below both keeps `now + duration`
/// meaningful everywhere.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

/// A `humantime` duration (`20s`, `3m`, `7d`) of at most 10 years; zero allowed.
pub fn duration(s: &str) -> Result<Duration, String> {
    let value = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if value > MAX_DURATION {
        return Err("must be at most 10 years".into());
    }
    Ok(value)
}

/// A duration longer than 0 and at most 10 years.
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    let value = duration(s)?;
    if value.is_zero() {
        return Err("must be longer than 0".into());
    }
    Ok(value)
}

/// A whole number greater than 0.
pub fn positive<T>(s: &str) -> Result<T, String>
where
    T: FromStr + Default + PartialEq,
    T::Err: std::fmt::Display,
{
    let value: T = s.trim().parse().map_err(|e: T::Err| e.to_string())?;
    if value == T::default() {
        return Err("must be greater than 0".into());
    }
    Ok(value)
}

/// A TURN server address: `turn:` or `turns:` (RFC 7065), trimmed.
pub fn turn_url(s: &str) -> Result<String, String> {
    with_scheme(s, &["turn:", "turns:"])
}

/// A STUN server address: `stun:` or `stuns:` (RFC 7064), trimmed.
pub fn stun_url(s: &str) -> Result<String, String> {
    with_scheme(s, &["stun:", "stuns:"])
}

/// Browsers refuse the whole `RTCPeerConnection` for one URL of another scheme, so a typo
/// is refused at startup, not in every client.
fn with_scheme(s: &str, schemes: &[&str]) -> Result<String, String> {
    let url = s.trim();
    match schemes.iter().find(|scheme| url.starts_with(**scheme)) {
        Some(scheme) if url.len() > scheme.len() => Ok(url.to_owned()),
        _ => Err(format!(
            "{url:?} must start with {} and name a host",
            schemes.join(" or ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced() {
        assert_eq!(duration("0s"), Ok(Duration::ZERO));
        assert!(positive_duration("0s").is_err());
        assert_eq!(positive_duration("20s"), Ok(Duration::from_secs(20)));
        assert!(duration("3651d").is_err());
        assert_eq!(duration("3650d"), Ok(MAX_DURATION));
        assert_eq!(positive::<u32>("7"), Ok(7));
        assert!(positive::<u32>("0").is_err());
        assert!(positive::<usize>("-1").is_err());
    }

    #[test]
    fn ice_urls_need_their_scheme() {
        assert_eq!(turn_url(" turn:a:3478 "), Ok("turn:a:3478".into()));
        assert!(turn_url("turns:a:5349?transport=tcp").is_ok());
        assert!(turn_url("stun:a:3478").is_err());
        assert!(turn_url("turn:").is_err());
        assert!(turn_url("http://a").is_err());
        assert!(stun_url("stun:stun.l.google.com:19302").is_ok());
        assert!(stun_url("turn:a").is_err());
    }
}
