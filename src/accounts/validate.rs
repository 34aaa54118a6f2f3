//! Client input rules. Each returns the normalised value or the message the client sees.

use serde_json::Value;

/// Longest display name (the original's column is VARCHAR(255)).
pub const MAX_NAME_CHARS: usize = 255;
const MAX_EMAIL_CHARS: usize = 254;
const MIN_PASSWORD_CHARS: usize = 8;
/// Bounds hashing work per request; no human password is longer.
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_SOCIALS: usize = 20;
const MAX_SOCIAL_KEY_CHARS: usize = 32;
const MAX_SOCIAL_VALUE_CHARS: usize = 200;

/// Trims and bounds a display name.
pub fn normalize_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Name is required");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("Name must be at most 255 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("Name must not contain control characters");
    }
    Ok(name.to_owned())
}

/// Trims, lower-cases and checks the shape `local@domain.tld`. `None` if it is not an email.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return None;
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return None;
    }
    Some(email)
}

pub fn validate_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err("Password must be at least 8 characters");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("Password is too long");
    }
    Ok(())
}

/// Socials are a flat object of short strings (`{"instagram":"@me"}`); returns its JSON text.
pub fn validate_socials(value: &Value) -> Result<String, &'static str> {
    let Value::Object(map) = value else {
        return Err("socials must be an object");
    };
    if map.len() > MAX_SOCIALS {
        return Err("socials has too many entries");
    }
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > MAX_SOCIAL_KEY_CHARS {
            return Err("socials keys must be 1 to 32 characters");
        }
        // A NUL would also make the record unmirrorable: Postgres refuses `\u0000` in JSONB.
        if key.chars().any(char::is_control) {
            return Err("socials keys must not contain control characters");
        }
        let Value::String(text) = value else {
            return Err("socials values must be strings");
        };
        if text.chars().count() > MAX_SOCIAL_VALUE_CHARS {
            return Err("socials values must be at most 200 characters");
        }
        if text.chars().any(char::is_control) {
            return Err("socials values must not contain control characters");
        }
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  Ann  "), Ok("Ann".to_owned()));
        assert_eq!(normalize_name("   "), Err("Name is required"));
        assert_eq!(
            normalize_name(&"é".repeat(255)).map(|n| n.chars().count()),
            Ok(255)
        );
        assert!(normalize_name(&"a".repeat(256)).is_err());
        assert!(normalize_name("a\u{0}b").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ann.Lee@Example.COM "),
            Some("ann.lee@example.com".to_owned())
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@c.de",
            "a@b@c.de",
            "a@-b.com",
            "a@b..com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_password(&"x".repeat(2000)).is_err());
    }

    #[test]
    fn socials_are_flat_short_strings() {
        assert_eq!(
            validate_socials(&json!({"instagram": "@ann"})),
            Ok(r#"{"instagram":"@ann"}"#.to_owned())
        );
        assert!(validate_socials(&json!(["x"])).is_err());
        assert!(validate_socials(&json!({"a": {"nested": 1}})).is_err());
        assert!(validate_socials(&json!({"a": 5})).is_err());
        assert!(validate_socials(&json!({"a": "x".repeat(201)})).is_err());
        assert_eq!(
            validate_socials(&json!({"a": "x\u{0}"})),
            Err("socials values must not contain control characters")
        );
        assert_eq!(
            validate_socials(&json!({"a\n": "x"})),
            Err("socials keys must not contain control characters")
        );
    }
}
