//! The text of the codes users share: invite codes (16 characters) and intro codes (10),
//! `[A-Z0-9]` drawn without bias from the OS random source.

use rand_core::{OsRng, RngCore};

pub const CODE_LEN: usize = 16;
const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The largest multiple of 36 a byte can hold: bytes at or above it are drawn again, so
/// every character is equally likely (the original's `byte % 36` favoured the first 4).
const UNBIASED_BELOW: u8 = 252;

/// A new invite code.
pub fn new_code() -> String {
    random_code(CODE_LEN)
}

/// `len` characters from the OS random source.
pub fn random_code(len: usize) -> String {
    let mut code = String::with_capacity(len);
    let mut bytes = [0u8; 32];
    while code.len() < len {
        OsRng.fill_bytes(&mut bytes);
        for byte in bytes.iter().filter(|b| **b < UNBIASED_BELOW) {
            if code.len() == len {
                break;
            }
            code.push(char::from(ALPHABET[usize::from(byte % 36)]));
        }
    }
    code
}

/// A code as a client typed it, trimmed and upper-cased; `None` unless 16 letters and digits.
pub fn normalize_code(raw: &str) -> Option<String> {
    normalize_code_of_len(raw, CODE_LEN)
}

/// A code of `len` characters as a client typed it, trimmed and upper-cased; `None` unless
/// `len` letters and digits.
pub fn normalize_code_of_len(raw: &str, len: usize) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let well_formed = code.len() == len && code.bytes().all(|b| b.is_ascii_alphanumeric());
    well_formed.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sixteen_letters_and_digits_and_use_the_whole_alphabet() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
            seen.extend(code.bytes());
        }
        assert_eq!(seen.len(), 36, "3,200 draws reach every character");
    }

    #[test]
    fn typed_codes_are_trimmed_and_upper_cased() {
        assert_eq!(
            normalize_code(" abcd1234efgh5678 ").as_deref(),
            Some("ABCD1234EFGH5678")
        );
        assert_eq!(normalize_code("ABCD1234EFGH567"), None, "15 characters");
        assert_eq!(normalize_code("ABCD1234EFGH567-"), None);
        assert_eq!(normalize_code("ÄBCD1234EFGH5678"), None);
    }
}
