//! Stored file names: chosen by the server (128 bits from the OS random source, in hex) plus
//! the sniffed type's extension. A name is never reused, and the only path that reaches the
//! filesystem from a request is one that parses as such a name.

use std::fmt;

use rand_core::{OsRng, RngCore};

use super::format::Format;

const HEX_DIGITS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredName {
    /// Lower-case hex digits.
    stem: [u8; HEX_DIGITS],
    format: Format,
}

impl StoredName {
    /// A new random name.
    pub fn random(format: Format) -> Result<Self, rand_core::Error> {
        let mut bytes = [0u8; HEX_DIGITS / 2];
        OsRng.try_fill_bytes(&mut bytes)?;
        let mut stem = [0u8; HEX_DIGITS];
        for (pair, byte) in stem.chunks_exact_mut(2).zip(bytes) {
            pair[0] = hex_digit(byte >> 4);
            pair[1] = hex_digit(byte & 0x0f);
        }
        Ok(Self { stem, format })
    }

    /// A name of the server's own pattern (`<32 lower-case hex>.<known extension>`), or
    /// `None` for anything else: a separator, a dot too many, upper case, a percent escape.
    pub fn parse(text: &str) -> Option<Self> {
        let (stem, extension) = text.split_once('.')?;
        let stem: [u8; HEX_DIGITS] = stem.as_bytes().try_into().ok()?;
        if !stem.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let format = Format::from_extension(extension)?;
        Some(Self { stem, format })
    }

    /// The name at the end of a stored URL (`.../uploads/<name>`), if the URL is one of ours.
    pub fn from_url(url: &str) -> Option<Self> {
        let (_, name) = url.rsplit_once("/uploads/")?;
        Self::parse(name)
    }

    pub fn stem(&self) -> &str {
        // Only ASCII hex digits are ever stored in `stem`.
        std::str::from_utf8(&self.stem).unwrap_or_default()
    }

    pub fn format(&self) -> Format {
        self.format
    }
}

impl fmt::Display for StoredName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.stem(), self.format.extension())
    }
}

fn hex_digit(nibble: u8) -> u8 {
    b"0123456789abcdef"[usize::from(nibble & 0x0f)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_name_parses_back_and_differs_each_time() {
        let one = StoredName::random(Format::Png).expect("random");
        let two = StoredName::random(Format::Png).expect("random");
        assert_ne!(one, two);
        let text = one.to_string();
        assert_eq!(text.len(), 36);
        assert!(text.ends_with(".png"));
        assert_eq!(StoredName::parse(&text), Some(one));
        assert_eq!(
            StoredName::from_url(&format!("http://127.0.0.1:3001/uploads/{text}")),
            Some(one)
        );
    }

    #[test]
    fn anything_but_the_servers_pattern_is_refused() {
        let stem = "0123456789abcdef0123456789abcdef";
        assert!(StoredName::parse(&format!("{stem}.webm")).is_some());
        for bad in [
            format!("{stem}.PNG"),
            format!("{}.png", stem.to_uppercase()),
            format!("{stem}.png.exe"),
            format!("{stem}.exe"),
            format!("{stem}png"),
            format!("{}.png", &stem[1..]),
            format!("{stem}0.png"),
            format!("../{}.png", &stem[3..]),
            "..%2F..%2Fetc%2Fpasswd".to_owned(),
            String::new(),
        ] {
            assert_eq!(StoredName::parse(&bad), None, "{bad}");
        }
        assert_eq!(
            StoredName::from_url("https://x/uploads/selfie-17-3.jpg"),
            None
        );
        assert_eq!(
            StoredName::from_url("https://res.cloudinary.com/x.jpg"),
            None
        );
    }
}
