//! Receiving one file of a `multipart/form-data` body (multer, fed hyper's body frames as
//! they arrive) into the uploads directory. Each chunk goes to the temporary file as it comes,
//! so an upload holds at most a write buffer in memory whatever its size; past
//! `--upload-limit` nothing more is written and the file is deleted.

use http_body_util::BodyExt;
use hyper::HeaderMap;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use multer::{Field, Multipart};

use crate::media::{Format, MediaKind, PendingUpload, StoredName, UploadError, Uploads, sniff};

/// Bytes still read (and dropped) after a refusal, so a client still sending reads the answer
/// instead of a reset connection; beyond this the connection is cut.
const DISCARD_AT_MOST: u64 = 32 * 1024 * 1024;

fn malformed(e: multer::Error) -> UploadError {
    UploadError::Malformed(e.to_string())
}

/// Stores the first field named after `kind` and returns its new name. Other fields count
/// against the same limit and are dropped.
pub async fn receive(
    headers: &HeaderMap,
    body: Incoming,
    kind: MediaKind,
    uploads: &Uploads,
    limit: u64,
) -> Result<StoredName, UploadError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| UploadError::Malformed("no content type".into()))?;
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    let mut multipart = Multipart::new(body.into_data_stream(), boundary);
    let mut others: u64 = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let outcome = if field.name() == Some(kind.field()) {
            store(&mut field, kind, uploads, limit).await.map(Some)
        } else {
            skip(&mut field, &mut others, limit).await.map(|()| None)
        };
        match outcome {
            Ok(Some(name)) => return Ok(name),
            Ok(None) => {}
            Err(refused) => {
                if matches!(refused, UploadError::TooLarge | UploadError::Unsupported) {
                    discard_rest(multipart, field).await;
                }
                return Err(refused);
            }
        }
    }
    Err(UploadError::NoFile)
}

/// Reads a field that is not the file, counting its bytes.
async fn skip(field: &mut Field<'_>, seen: &mut u64, limit: u64) -> Result<(), UploadError> {
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        *seen += chunk.len() as u64;
        if *seen > limit {
            return Err(UploadError::TooLarge);
        }
    }
    Ok(())
}

/// Writes the field to a temporary file, decides its type, and renames it to its name.
async fn store(
    field: &mut Field<'_>,
    kind: MediaKind,
    uploads: &Uploads,
    limit: u64,
) -> Result<StoredName, UploadError> {
    let mut upload = uploads.begin().await?;
    match fill(&mut upload, field, kind, limit).await {
        Ok(format) => Ok(upload.commit(format).await?),
        Err(refused) => {
            upload.discard().await;
            Err(refused)
        }
    }
}

async fn fill(
    upload: &mut PendingUpload,
    field: &mut Field<'_>,
    kind: MediaKind,
    limit: u64,
) -> Result<Format, UploadError> {
    let mut format = None;
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if upload.written() + chunk.len() as u64 > limit {
            return Err(UploadError::TooLarge);
        }
        upload.write(&chunk).await?;
        // Decided as soon as the first bytes are in: a refused type is not written further.
        if format.is_none() && upload.head_is_full() {
            format = Some(sniff(kind, upload.head()).ok_or(UploadError::Unsupported)?);
        }
    }
    format
        .or_else(|| sniff(kind, upload.head()))
        .ok_or(UploadError::Unsupported)
}

/// Reads what is left of the body, up to `DISCARD_AT_MOST`, without keeping it.
async fn discard_rest<'r>(mut multipart: Multipart<'r>, field: Field<'r>) {
    let mut dropped: u64 = 0;
    let mut field = Some(field);
    while dropped <= DISCARD_AT_MOST {
        let Some(current) = field.as_mut() else {
            field = match multipart.next_field().await {
                Ok(Some(next)) => Some(next),
                _ => return,
            };
            continue;
        };
        match current.chunk().await {
            Ok(Some(chunk)) => dropped += chunk.len() as u64,
            Ok(None) => field = None,
            Err(_) => return,
        }
    }
}
