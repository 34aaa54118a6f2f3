//! The `Range` header of a file request (RFC 9110 §14): one range of bytes, in any of its three
//! forms. Several ranges, or a header that does not parse, are ignored (the whole file is
//! served), which the RFC allows; a range starting past the end is unsatisfiable.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No (usable) range: the whole file, 200.
    Whole,
    /// Bytes `start..=end` of the file, 206.
    Part { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// A position: digits only (no sign, no spaces inside).
fn position(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The range `header` asks of a file of `len` bytes.
pub fn byte_range(header: Option<&str>, len: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `-n`: the last n bytes.
        return match position(last) {
            None => ByteRange::Whole,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(suffix) => ByteRange::Part {
                start: len.saturating_sub(suffix),
                end: len - 1,
            },
        };
    }
    let Some(start) = position(first) else {
        return ByteRange::Whole;
    };
    // `a-` runs to the end; `a-b` is cut at the end.
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match position(last) {
            Some(end) if end >= start => end,
            _ => return ByteRange::Whole,
        }
    };
    if start >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part {
        start,
        end: end.min(len - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::ByteRange::{Part, Unsatisfiable, Whole};
    use super::*;

    #[test]
    fn the_three_forms_of_one_range() {
        let r = |h: &str| byte_range(Some(h), 10);
        assert_eq!(r("bytes=0-3"), Part { start: 0, end: 3 });
        assert_eq!(r("bytes=4-"), Part { start: 4, end: 9 });
        assert_eq!(r("bytes=-2"), Part { start: 8, end: 9 });
        assert_eq!(r("bytes=-20"), Part { start: 0, end: 9 });
        assert_eq!(r("bytes=5-100"), Part { start: 5, end: 9 });
        assert_eq!(r("bytes=9-9"), Part { start: 9, end: 9 });
    }

    #[test]
    fn past_the_end_is_unsatisfiable_and_nonsense_is_ignored() {
        let r = |h: &str| byte_range(Some(h), 10);
        assert_eq!(r("bytes=10-"), Unsatisfiable);
        assert_eq!(r("bytes=10-20"), Unsatisfiable);
        assert_eq!(r("bytes=-0"), Unsatisfiable);
        assert_eq!(byte_range(Some("bytes=0-"), 0), Unsatisfiable);
        for ignored in [
            "bytes=3-1",
            "bytes=0-1,4-5",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=-",
            "items=0-1",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(r(ignored), Whole, "{ignored}");
        }
        assert_eq!(byte_range(None, 10), Whole);
    }
}
