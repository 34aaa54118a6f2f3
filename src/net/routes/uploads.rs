//! `GET /uploads/{name}`: a stored file, streamed from disk. Only a name of the server's own
//! pattern reaches the filesystem. The headers make it safe to serve user content from the
//! API's origin: the type comes from the sniffed extension, `nosniff` keeps browsers from
//! guessing another, and a sandboxing CSP keeps anything that still renders from running.

use std::io::SeekFrom;
use std::sync::Arc;

use futures_util::TryStreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    IF_RANGE, LAST_MODIFIED, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::media::{self, ByteRange, StoredFile, StoredName};
use crate::net::Http;
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::{Body, Resp, full};

/// Read size of the stream: the memory a download holds.
const CHUNK: usize = 64 * 1024;

const SANDBOX: &str = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'";

pub async fn serve(state: &Arc<Http>, call: Call) -> Answer {
    let not_found = || ApiError::NotFound("File not found");
    let name = call
        .params
        .get("name")
        .and_then(StoredName::parse)
        .ok_or_else(not_found)?;
    let stored = state
        .uploads
        .open_file(&name)
        .await
        .map_err(|e| ApiError::internal("opening an upload", e))?
        .ok_or_else(not_found)?;
    let headers = call.request.headers();
    let modified = stored.modified;
    let etag = media::etag(&name, stored.len);
    let mut response = if media::not_modified(
        header(headers, &IF_NONE_MATCH),
        header(headers, &IF_MODIFIED_SINCE),
        &etag,
        modified,
    ) {
        status_only(StatusCode::NOT_MODIFIED)
    } else {
        let range = if media::range_applies(header(headers, &IF_RANGE), &etag) {
            media::byte_range(header(headers, &RANGE), stored.len)
        } else {
            ByteRange::Whole
        };
        contents(stored, range, name).await?
    };
    let out = response.headers_mut();
    decorate(out);
    insert(out, ETAG, &etag);
    insert(out, LAST_MODIFIED, &media::http_date(modified));
    Ok(response)
}

/// The file, or the requested part of it, streamed.
async fn contents(stored: StoredFile, range: ByteRange, name: StoredName) -> Answer {
    let len = stored.len;
    let (status, start, count) = match range {
        ByteRange::Whole => (StatusCode::OK, 0, len),
        ByteRange::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        ByteRange::Unsatisfiable => {
            let mut response = status_only(StatusCode::RANGE_NOT_SATISFIABLE);
            insert(
                response.headers_mut(),
                CONTENT_RANGE,
                &format!("bytes */{len}"),
            );
            return Ok(response);
        }
    };
    let mut file = stored.file;
    file.seek(SeekFrom::Start(start))
        .await
        .map_err(|e| ApiError::internal("reading an upload", e))?;
    let frames = ReaderStream::with_capacity(file.take(count), CHUNK).map_ok(Frame::data);
    let body: Body = StreamBody::new(frames).boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(name.format().content_type()),
    );
    insert(out, CONTENT_LENGTH, &count.to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        let end = start + count - 1;
        insert(out, CONTENT_RANGE, &format!("bytes {start}-{end}/{len}"));
    }
    Ok(response)
}

/// A bodiless answer with the headers every answer of a stored file carries.
fn status_only(status: StatusCode) -> Resp {
    let mut response = Response::new(full(bytes::Bytes::new()));
    *response.status_mut() = status;
    response
}

fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Headers of every answer for a stored file, whatever its status.
fn decorate(headers: &mut HeaderMap) {
    headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(SANDBOX));
}
