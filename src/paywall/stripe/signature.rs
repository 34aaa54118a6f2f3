//! The `Stripe-Signature` check of a webhook delivery: `t=<unix seconds>,v1=<hex>[,v1=...]`,
//! where each `v1` is hex(HMAC-SHA256(endpoint secret, "<t>.<raw body>")). Stripe lists
//! several `v1` while an endpoint's secret is being rolled, so any one may match.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far the signed time may be from ours, either way (Stripe's default tolerance). A
/// captured delivery cannot be replayed after this, and the payment event record makes a
/// replay within it harmless.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused; the text follows `Webhook Error: ` in the 400 answer, as the
/// original passed on the Stripe library's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("No stripe-signature header value was provided.")]
    MissingHeader,
    #[error("Unable to extract timestamp and signatures from header")]
    Malformed,
    #[error("No signatures found with expected scheme")]
    NoSignatures,
    #[error("No signatures found matching the expected signature for payload")]
    NoMatch,
    #[error("Timestamp outside the tolerance zone")]
    Stale,
}

/// Checks `header` (absent: `None`) against `payload` as received, at `now_secs`.
pub fn verify_signature(
    header: Option<&str>,
    payload: &[u8],
    secret: &str,
    now_secs: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::MissingHeader)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => signatures.push(value),
            // `v0` (test-mode legacy) and unknown schemes are ignored, as Stripe's libraries do.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignatures);
    }
    let expected = mac(secret, timestamp, payload);
    // Each candidate is compared in constant time (`verify_slice`); a candidate that is not
    // hex cannot match and is skipped without comparing.
    let matched = signatures.iter().any(|candidate| {
        decode_hex(candidate).is_some_and(|bytes| expected.clone().verify_slice(&bytes).is_ok())
    });
    if !matched {
        return Err(SignatureError::NoMatch);
    }
    // Checked after the signature, so a forged header learns nothing about our clock.
    if now_secs.abs_diff(timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The MAC over `"<timestamp>.<payload>"`, ready to be finalised or compared.
fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// The `Stripe-Signature` value Stripe would send, for the tests.
#[cfg(test)]
fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let digest = mac(secret, timestamp, payload).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Lower- or upper-case hex of even length; `None` otherwise.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
    const T: i64 = 1_767_225_600;

    fn check(header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify_signature(Some(header), body, SECRET, now)
    }

    #[test]
    fn a_header_signed_with_the_secret_passes() {
        assert_eq!(check(&sign(SECRET, T, BODY), BODY, T), Ok(()));
    }

    #[test]
    fn stripes_own_library_signs_what_this_accepts() {
        // Printed by `tests/node/stripe-sign.mjs` (the official `stripe` package's
        // `generateTestHeaderString`) for this secret, body and time.
        let header =
            "t=1767225600,v1=15cb038dde33dbf631159a8a3226f345c540a7ba0350704f4e95f9462346670c";
        assert_eq!(check(header, BODY, T), Ok(()));
        assert_eq!(sign(SECRET, T, BODY), header);
    }

    #[test]
    fn another_secret_or_a_changed_body_or_time_fails() {
        let header = sign("whsec_other", T, BODY);
        assert_eq!(check(&header, BODY, T), Err(SignatureError::NoMatch));
        let header = sign(SECRET, T, BODY);
        let tampered = br#"{"id":"evt_1","type":"checkout.session.completed" }"#;
        assert_eq!(check(&header, tampered, T), Err(SignatureError::NoMatch));
        let moved = header.replace(&format!("t={T}"), &format!("t={}", T + 1));
        assert_eq!(check(&moved, BODY, T), Err(SignatureError::NoMatch));
    }

    #[test]
    fn any_one_of_several_v1_may_match() {
        let good = sign(SECRET, T, BODY);
        let good_v1 = good.split_once(",v1=").map(|(_, v)| v).unwrap_or_default();
        let bad_v1 = "0".repeat(64);
        let header = format!("t={T},v1={bad_v1},v0=abc,v1={good_v1}");
        assert_eq!(check(&header, BODY, T), Ok(()));
        let header = format!("t={T},v1={bad_v1},v1=not-hex,v1=abc");
        assert_eq!(check(&header, BODY, T), Err(SignatureError::NoMatch));
        // Upper-case hex is the same signature.
        let header = format!("t={T},v1={}", good_v1.to_ascii_uppercase());
        assert_eq!(check(&header, BODY, T), Ok(()));
    }

    #[test]
    fn missing_parts_are_refused_with_their_reason() {
        assert_eq!(
            verify_signature(None, BODY, SECRET, T),
            Err(SignatureError::MissingHeader)
        );
        let good = sign(SECRET, T, BODY);
        let v1 = good.split_once(',').map(|(_, v)| v).unwrap_or_default();
        assert_eq!(check(v1, BODY, T), Err(SignatureError::Malformed));
        assert_eq!(check("", BODY, T), Err(SignatureError::Malformed));
        assert_eq!(
            check(&format!("t=soon,{v1}"), BODY, T),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            check(&format!("t={T}"), BODY, T),
            Err(SignatureError::NoSignatures)
        );
        assert_eq!(
            check(&format!("t={T},v0=00"), BODY, T),
            Err(SignatureError::NoSignatures)
        );
        assert_eq!(check("garbage", BODY, T), Err(SignatureError::Malformed));
    }

    #[test]
    fn the_signed_time_may_be_300_seconds_off_either_way_and_no_more() {
        let header = sign(SECRET, T, BODY);
        assert_eq!(check(&header, BODY, T + 300), Ok(()));
        assert_eq!(check(&header, BODY, T + 301), Err(SignatureError::Stale));
        assert_eq!(check(&header, BODY, T - 300), Ok(()), "300 s in the future");
        assert_eq!(check(&header, BODY, T - 301), Err(SignatureError::Stale));
        // A forged header is a mismatch, whatever its time.
        let forged = format!("t={},v1={}", T - 10_000, "ab".repeat(32));
        assert_eq!(check(&forged, BODY, T), Err(SignatureError::NoMatch));
    }

    #[test]
    fn hex_decoding_refuses_odd_lengths_and_non_digits() {
        assert_eq!(decode_hex("0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("é0"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }
}
