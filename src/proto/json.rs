//! JSON string escaping for the fixed-shape frames built by hand.
//!
//! Why not `serde_json::to_string(s)`: for a `&str` it can never fail, yet it returns a
//! `Result`, and the helpers built on this (`connect_ok`, `open_packet`, ...) are meant to be
//! infallible without `unwrap`. The escaping follows RFC 8259 §7 and produces byte-for-byte
//! what serde_json produces (a test compares them on random strings).

/// Lowercase, like serde_json's `\u00XX` escapes.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a quoted JSON string.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let short: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is the index of an ASCII byte, hence a char boundary.
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::push_str;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        push_str(&mut out, s);
        out
    }

    #[test]
    fn matches_serde_json_on_special_characters() {
        let samples = [
            "",
            "plain",
            "quote\" backslash\\ slash/",
            "\n\r\t\u{8}\u{c}",
            "\u{0}\u{1}\u{1e}\u{1f}\u{7f}",
            "é 😀 \u{2028}",
        ];
        for s in samples {
            assert_eq!(
                quoted(s),
                serde_json::to_string(s).expect("string"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn appends_instead_of_replacing() {
        let mut out = String::from("40{\"sid\":");
        push_str(&mut out, "a\"b");
        assert_eq!(out, "40{\"sid\":\"a\\\"b\"");
    }
}
