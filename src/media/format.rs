//! What a file is, decided by its first bytes, never by the client's name or declared type
//! (§7.7: the original kept the client's extension and MIME, a stored-XSS hole).

/// The two kinds of media a user has, one file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Selfie,
    Video,
}

impl MediaKind {
    /// The multipart field the client sends the file in (the original's).
    pub fn field(self) -> &'static str {
        match self {
            Self::Selfie => "selfie",
            Self::Video => "video",
        }
    }

    /// The JSON member the URL is answered in.
    pub fn url_member(self) -> &'static str {
        match self {
            Self::Selfie => "selfieUrl",
            Self::Video => "videoUrl",
        }
    }

    /// The original's message when storing failed.
    pub fn failure(self) -> &'static str {
        match self {
            Self::Selfie => "Failed to upload image",
            Self::Video => "Failed to upload video",
        }
    }
}

/// The formats accepted. Each has one extension, so a stored name says its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Webm,
    Mp4,
    QuickTime,
}

const ALL: [Format; 6] = [
    Format::Jpeg,
    Format::Png,
    Format::Webp,
    Format::Webm,
    Format::Mp4,
    Format::QuickTime,
];

/// Bytes kept to decide the type: every accepted format is known well within them.
pub const SNIFF_BYTES: usize = 4096;

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Webm => "webm",
            Self::Mp4 => "mp4",
            Self::QuickTime => "mov",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Webm => "video/webm",
            Self::Mp4 => "video/mp4",
            Self::QuickTime => "video/quicktime",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        ALL.into_iter().find(|f| f.extension() == extension)
    }

    fn kind(self) -> MediaKind {
        match self {
            Self::Jpeg | Self::Png | Self::Webp => MediaKind::Selfie,
            Self::Webm | Self::Mp4 | Self::QuickTime => MediaKind::Video,
        }
    }
}

/// The format of a file of `kind` that starts with `head`, if it is one `kind` accepts.
pub fn sniff(kind: MediaKind, head: &[u8]) -> Option<Format> {
    let found = infer::get(head)?;
    let format = ALL
        .into_iter()
        .find(|f| f.content_type() == found.mime_type())?;
    (format.kind() == kind).then_some(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
    const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 ";
    const WEBM: &[u8] = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm";
    const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";
    const MOV: &[u8] = b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ";

    #[test]
    fn each_accepted_format_is_known_by_its_first_bytes() {
        let cases = [
            (MediaKind::Selfie, PNG, Format::Png),
            (MediaKind::Selfie, JPEG, Format::Jpeg),
            (MediaKind::Selfie, WEBP, Format::Webp),
            (MediaKind::Video, WEBM, Format::Webm),
            (MediaKind::Video, MP4, Format::Mp4),
            (MediaKind::Video, MOV, Format::QuickTime),
        ];
        for (kind, head, format) in cases {
            assert_eq!(sniff(kind, head), Some(format), "{format:?}");
            assert_eq!(Format::from_extension(format.extension()), Some(format));
        }
    }

    #[test]
    fn other_types_and_the_wrong_kind_are_refused() {
        assert_eq!(sniff(MediaKind::Selfie, b"<html><script>x</script>"), None);
        assert_eq!(sniff(MediaKind::Selfie, b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(sniff(MediaKind::Selfie, b""), None);
        assert_eq!(sniff(MediaKind::Selfie, MP4), None, "a video is no selfie");
        assert_eq!(sniff(MediaKind::Video, PNG), None, "an image is no video");
        assert_eq!(Format::from_extension("PNG"), None);
        assert_eq!(Format::from_extension("exe"), None);
    }
}
