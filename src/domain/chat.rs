//! Room chat text and shared socials: what a client may put into a room (and its history).
//!
//! The original stripped tags with `/<[^>]*>/g`, cut to 500 and trimmed, and stored socials as
//! any object. Socials are now validated too (§7 "socials shared as arbitrary objects"): they
//! end up in both users' history, so their size must be bounded.

use serde_json::Value;

/// Longest chat text after tag stripping, in characters.
pub const MAX_CHAT_CHARS: usize = 500;
/// Most fields in one `room:giveSocial`.
pub const MAX_SOCIAL_FIELDS: usize = 20;
/// Longest social value (and key), in characters.
pub const MAX_SOCIAL_CHARS: usize = 200;

/// Chat text as stored and relayed, or `None` when nothing is left (the message is dropped).
///
/// Same steps as the original: remove every `<...>` (a `<` with no later `>` stays, exactly like
/// the regex), keep the first 500 characters, trim. Characters are Unicode scalar values
/// rather than JavaScript's UTF-16 units, so an emoji is never cut in half. Control characters
/// other than newline and tab are dropped first (a deliberate fix): nothing visible is lost,
/// and a NUL would make the history unmirrorable (Postgres refuses `\u0000` in JSONB, and the
/// sync would retry that batch forever).
pub fn sanitize_chat(text: &str) -> Option<String> {
    let visible: String;
    let text = if text.chars().any(unwanted_control) {
        visible = text.chars().filter(|c| !unwanted_control(*c)).collect();
        visible.as_str()
    } else {
        text
    };
    let mut stripped = String::with_capacity(text.len().min(4 * MAX_CHAT_CHARS));
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        stripped.push_str(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    stripped.push_str(rest);
    let cut: String = stripped.chars().take(MAX_CHAT_CHARS).collect();
    let trimmed = cut.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Control characters a chat message has no use for (socials refuse every control character).
fn unwanted_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Whether `socials` may be shared: a flat JSON object of at most [`MAX_SOCIAL_FIELDS`]
/// string values, keys and values at most [`MAX_SOCIAL_CHARS`] characters, without control
/// characters (see [`sanitize_chat`] for why).
pub fn valid_socials(socials: &Value) -> bool {
    let Value::Object(map) = socials else {
        return false;
    };
    map.len() <= MAX_SOCIAL_FIELDS
        && map.iter().all(|(k, v)| {
            k.chars().count() <= MAX_SOCIAL_CHARS
                && !k.chars().any(char::is_control)
                && v.as_str().is_some_and(|s| {
                    s.chars().count() <= MAX_SOCIAL_CHARS && !s.chars().any(char::is_control)
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_are_stripped_like_the_original_regex() {
        assert_eq!(
            sanitize_chat("hi <b>there</b>").as_deref(),
            Some("hi there")
        );
        assert_eq!(
            sanitize_chat("<script>alert(1)</script>x").as_deref(),
            Some("alert(1)x")
        );
        assert_eq!(sanitize_chat("a < b").as_deref(), Some("a < b"));
        assert_eq!(sanitize_chat("1 < 2 > 0").as_deref(), Some("1  0"));
        assert_eq!(sanitize_chat("<a\nhref=x>ok").as_deref(), Some("ok"));
    }

    #[test]
    fn text_is_cut_to_500_chars_then_trimmed() {
        let long = "é".repeat(600);
        assert_eq!(sanitize_chat(&long).map(|s| s.chars().count()), Some(500));
        let padded = format!("{}  ", "a".repeat(499));
        assert_eq!(sanitize_chat(&padded).map(|s| s.len()), Some(499));
        assert_eq!(sanitize_chat("  hi  ").as_deref(), Some("hi"));
    }

    #[test]
    fn empty_text_is_dropped() {
        assert_eq!(sanitize_chat(""), None);
        assert_eq!(sanitize_chat("   "), None);
        assert_eq!(sanitize_chat("<b></b>"), None);
    }

    #[test]
    fn control_characters_other_than_newline_and_tab_are_dropped() {
        assert_eq!(
            sanitize_chat("a\u{0}b\u{7}c\nd\te\u{1b}").as_deref(),
            Some("abc\nd\te")
        );
        assert_eq!(sanitize_chat("\u{0}\u{0}"), None, "nothing visible left");
        assert_eq!(
            sanitize_chat("<\u{0}b>x").as_deref(),
            Some("x"),
            "dropped before tags are stripped"
        );
    }

    #[test]
    fn socials_must_be_a_small_flat_object_of_strings() {
        assert!(valid_socials(&json!({})));
        assert!(valid_socials(&json!({"instagram": "@me", "x": "me"})));
        assert!(!valid_socials(&json!("@me")));
        assert!(!valid_socials(&json!(["@me"])));
        assert!(!valid_socials(&Value::Null));
        assert!(!valid_socials(&json!({"a": {"nested": "x"}})));
        assert!(!valid_socials(&json!({"a": 1})));
        assert!(!valid_socials(&json!({"a": "x".repeat(201)})));
        assert!(valid_socials(&json!({"a": "x".repeat(200)})));
        assert!(!valid_socials(&json!({"k".repeat(201): "x"})));
        assert!(!valid_socials(&json!({"a": "x\u{0}y"})));
        assert!(!valid_socials(&json!({"a\u{1}": "x"})));
        let many: serde_json::Map<String, Value> =
            (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(!valid_socials(&Value::Object(many)));
    }
}
