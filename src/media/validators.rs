//! Conditional requests (RFC 9110 §13) for stored files: a file's name is never reused and its
//! bytes never change, so the name and size make a strong `ETag`.

use std::time::SystemTime;

use super::name::StoredName;

pub fn etag(name: &StoredName, len: u64) -> String {
    format!("\"{}-{len:x}\"", name.stem())
}

/// Whether a request with these `If-None-Match` / `If-Modified-Since` values already holds the
/// file. `If-None-Match` wins when present, as the RFC says.
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    etag: &str,
    modified: SystemTime,
) -> bool {
    if let Some(tags) = if_none_match {
        return tags
            .split(',')
            .map(|tag| tag.trim())
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    let Some(since) = if_modified_since.and_then(|d| httpdate::parse_http_date(d).ok()) else {
        return false;
    };
    // HTTP dates have whole seconds: the file is unmodified if its time, cut to the second,
    // is not after the client's.
    seconds(modified) <= seconds(since)
}

/// Whether an `If-Range` value lets a range be served: it must name this file's `ETag`.
pub fn range_applies(if_range: Option<&str>, etag: &str) -> bool {
    if_range.is_none_or(|value| value.trim() == etag)
}

pub fn http_date(time: SystemTime) -> String {
    httpdate::fmt_http_date(time)
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_matching_tag_or_an_old_enough_date_means_not_modified() {
        let name = StoredName::parse("0123456789abcdef0123456789abcdef.png").expect("name");
        let tag = etag(&name, 255);
        assert_eq!(tag, "\"0123456789abcdef0123456789abcdef-ff\"");
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_500);
        assert!(not_modified(Some(&tag), None, &tag, at));
        assert!(not_modified(
            Some(&format!("\"x\", W/{tag}")),
            None,
            &tag,
            at
        ));
        assert!(not_modified(Some("*"), None, &tag, at));
        assert!(!not_modified(Some("\"x\""), Some(&http_date(at)), &tag, at));
        assert!(not_modified(None, Some(&http_date(at)), &tag, at));
        let earlier = http_date(at - Duration::from_secs(5));
        assert!(!not_modified(None, Some(&earlier), &tag, at));
        assert!(!not_modified(None, Some("yesterday"), &tag, at));
        assert!(!not_modified(None, None, &tag, at));
        assert!(range_applies(None, &tag));
        assert!(range_applies(Some(&tag), &tag));
        assert!(!range_applies(Some("\"other\""), &tag));
    }
}
