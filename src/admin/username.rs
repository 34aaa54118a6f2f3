//! What an admin username may be.

/// Longest username; long enough for any handle, short enough to print in a column.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Lower-cases and checks a username: 1 to 64 of `a-z`, `0-9`, `.`, `_`, `-`. Lower-cased so
/// that `Alice` and `alice` are one account, and the charset keeps usernames safe to print
/// in logs and terminals. Surrounding whitespace is an error, not trimmed: a username is
/// typed once, by the operator, who should see exactly what was stored.
pub fn normalize_username(raw: &str) -> Result<String, &'static str> {
    if raw.is_empty() {
        return Err("username must not be empty");
    }
    if raw.chars().count() > MAX_USERNAME_CHARS {
        return Err("username must be at most 64 characters");
    }
    let username = raw.to_ascii_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if !username.chars().all(allowed) {
        return Err("username may only contain letters a-z, digits, '.', '_' and '-'");
    }
    Ok(username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_username("Ops.Admin-1_x"),
            Ok("ops.admin-1_x".into())
        );
        assert_eq!(normalize_username(&"a".repeat(64)).map(|u| u.len()), Ok(64));
        for bad in [
            "",
            " ann",
            "ann ",
            "a b",
            "ann@x",
            "é",
            "a\u{0}",
            &"a".repeat(65),
        ] {
            assert!(normalize_username(bad).is_err(), "{bad:?}");
        }
    }
}
