//! Media uploads end to end: sniffed types, server-chosen names, the size limit without a
//! trace on disk, one file per user and kind, restarts, the profile seen at once by
//! `/user/me`, login and the queue, and serving (headers, ranges, validators, names).
#![allow(clippy::unwrap_used)]

mod common;

use common::ws::{authenticate_as, expect, send};
use common::{Reply, TestServer, assert_error, keys};
use napalmsky::config::Paywall;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR png payload";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0 jpeg payload";
const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8  webp payload";
const WEBM: &[u8] = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm payload";
const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2 mp4 payload";
const MOV: &[u8] = b"\0\0\0\x14ftypqt  \0\0\x02\0qt   mov payload";

const BOUNDARY: &str = "napalmsky-test-boundary";

/// A `multipart/form-data` body with one file field, and a text field before it.
fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
         filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_raw(
    server: &TestServer,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let mut request = server
        .http
        .post(format!("{}{path}", server.base))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap(),
    }
}

async fn upload(server: &TestServer, token: &str, field: &str, name: &str, bytes: &[u8]) -> Reply {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let body = multipart(field, name, bytes);
    post_raw(
        server,
        &format!("/media/{field}"),
        Some(token),
        &content_type,
        body,
    )
    .await
}

/// Uploads and returns the URL answered.
async fn uploaded(server: &TestServer, token: &str, field: &str, bytes: &[u8]) -> String {
    let reply = upload(server, token, field, "file.bin", bytes).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let member = format!("{field}Url");
    assert_eq!(keys(&reply.body), vec![member.clone()]);
    reply.body[&member].as_str().unwrap().to_owned()
}

/// `GET` of a stored URL's path on this server: status, headers, raw bytes.
async fn fetch(
    server: &TestServer,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, HeaderMap, Vec<u8>) {
    let path = &url[url.find("/uploads/").unwrap()..];
    let mut request = server.http.get(format!("{}{path}", server.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

/// The files in the uploads directory, sorted.
fn stored_files(server: &TestServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(server.dir.path().join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn file_name(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_accepted_type_is_stored_and_served_back_with_its_type() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let cases = [
        ("selfie", PNG, "png", "image/png"),
        ("selfie", JPEG, "jpg", "image/jpeg"),
        ("selfie", WEBP, "webp", "image/webp"),
        ("video", WEBM, "webm", "video/webm"),
        ("video", MP4, "mp4", "video/mp4"),
        ("video", MOV, "mov", "video/quicktime"),
    ];
    for (field, bytes, extension, content_type) in cases {
        let url = uploaded(&server, &token, field, bytes).await;
        assert!(
            url.starts_with(&format!("{}/uploads/", server.base)),
            "{url}"
        );
        let name = file_name(&url);
        let (stem, ext) = name.split_once('.').unwrap();
        assert_eq!(ext, extension);
        assert_eq!(stem.len(), 32);
        assert!(
            stem.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let (status, headers, body) = fetch(&server, &url, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(body, bytes, "{name} byte for byte");
        assert_eq!(header(&headers, "content-type"), content_type);
        assert_eq!(header(&headers, "content-length"), bytes.len().to_string());
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert!(header(&headers, "content-security-policy").starts_with("sandbox"));
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&headers, "accept-ranges"), "bytes");
        assert!(!header(&headers, "etag").is_empty());
        assert!(!header(&headers, "last-modified").is_empty());
    }
    // One selfie and one video remain: each upload replaced the one before.
    assert_eq!(stored_files(&server).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_type_comes_from_the_bytes_never_from_the_name() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let reply = upload(&server, &token, "selfie", "innocent.png", html).await;
    assert_error(&reply, 415, "Unsupported file type");
    let reply = upload(&server, &token, "selfie", "clip.mp4", MP4).await;
    assert_error(&reply, 415, "Unsupported file type");
    let reply = upload(&server, &token, "video", "me.png", PNG).await;
    assert_error(&reply, 415, "Unsupported file type");
    let reply = upload(&server, &token, "selfie", "empty.png", b"").await;
    assert_error(&reply, 415, "Unsupported file type");
    assert!(
        stored_files(&server).is_empty(),
        "refused files are deleted"
    );

    let reply = upload(&server, &token, "selfie", "page.html", PNG).await;
    assert_eq!(reply.status, 200);
    let url = reply.body["selfieUrl"].as_str().unwrap();
    assert!(url.ends_with(".png"), "{url}");
    assert_eq!(stored_files(&server), vec![file_name(url)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_clear_json_errors() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let multipart_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let body = multipart("selfie", "a.png", PNG);
    let reply = post_raw(
        &server,
        "/media/selfie",
        None,
        &multipart_type,
        body.clone(),
    )
    .await;
    assert_error(&reply, 401, "Authorization required");
    let reply = post_raw(
        &server,
        "/media/selfie",
        Some("nope"),
        &multipart_type,
        body,
    )
    .await;
    assert_error(&reply, 401, "Invalid or expired session");

    let other_field = multipart("avatar", "a.png", PNG);
    let reply = post_raw(
        &server,
        "/media/selfie",
        Some(&token),
        &multipart_type,
        other_field,
    )
    .await;
    assert_error(&reply, 400, "No file uploaded");
    let reply = post_raw(
        &server,
        "/media/video",
        Some(&token),
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    assert_error(&reply, 400, "Invalid multipart body");
    let garbage = b"--napalmsky-test-boundary\r\nno headers end".to_vec();
    let reply = post_raw(
        &server,
        "/media/video",
        Some(&token),
        &multipart_type,
        garbage,
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body["error"].is_string());
    assert!(stored_files(&server).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let server = TestServer::start_with(|c| c.media.upload_limit = 5 * 1024 * 1024).await;
    let (_, token) = server.guest("Ann").await;
    // 20 MB: four times the limit. The server stops writing at the limit and deletes the
    // temporary file before it answers.
    let mut big = PNG.to_vec();
    big.resize(20 * 1024 * 1024, 0x5a);
    let reply = upload(&server, &token, "selfie", "big.png", &big).await;
    assert_error(&reply, 413, "File too large");
    assert!(
        stored_files(&server).is_empty(),
        "{:?}",
        stored_files(&server)
    );
    let me = server.get("/user/me", Some(&token)).await;
    assert!(me.body.get("selfieUrl").is_none());

    // Just under the limit is fine.
    let mut fits = PNG.to_vec();
    fits.resize(5 * 1024 * 1024, 0x5a);
    let url = uploaded(&server, &token, "selfie", &fits).await;
    let (status, _, body) = fetch(&server, &url, &[]).await;
    assert_eq!((status, body.len()), (200, fits.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_upload_replaces_the_old_file_and_shows_everywhere_at_once() {
    let server = TestServer::start().await;
    let (_, token) = server
        .permanent("Ann", "ann@example.com", "password123")
        .await;
    // Fills the cached `/user/me` body first: the upload must invalidate it.
    let before = server.get("/user/me", Some(&token)).await;
    assert!(before.body.get("selfieUrl").is_none());

    let first = uploaded(&server, &token, "selfie", PNG).await;
    let video = uploaded(&server, &token, "video", WEBM).await;
    assert_eq!(
        server.get("/user/me", Some(&token)).await.body["selfieUrl"],
        first
    );
    let second = uploaded(&server, &token, "selfie", JPEG).await;
    assert_ne!(first, second);
    let mut expected = vec![file_name(&second), file_name(&video)];
    expected.sort();
    assert_eq!(
        stored_files(&server),
        expected,
        "the first selfie is deleted"
    );
    assert_eq!(fetch(&server, &first, &[]).await.0, 404);

    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.body["selfieUrl"], second);
    assert_eq!(me.body["videoUrl"], video);
    let login = server.login("ann@example.com", "password123").await;
    assert_eq!(login.status, 200);
    assert_eq!(login.body["user"]["selfieUrl"], second);
    let token = login.body["sessionToken"].as_str().unwrap().to_owned();

    // A restart keeps the files and the URLs.
    let (dir, clock) = server.stop().await;
    let server = TestServer::start_in(dir, clock, |_| {}).await;
    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.body["selfieUrl"], second);
    let (status, _, body) = fetch(&server, &second, &[]).await;
    assert_eq!((status, body.as_slice()), (200, JPEG));
    let (status, _, body) = fetch(&server, &video, &[]).await;
    assert_eq!((status, body.as_slice()), (200, WEBM));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_users_queue_card_shows_the_new_selfie() {
    let server = TestServer::start_with(|c| c.rules.paywall = Paywall::Off).await;
    let (ann, ann_token) = server.guest("Ann").await;
    let mut ws = authenticate_as(&server, &ann_token).await;
    send(&mut ws, r#"42["presence:join"]"#).await;
    send(&mut ws, r#"421["queue:join"]"#).await;
    expect(&mut ws, "431").await;
    let (_, bob_token) = server.guest("Bob").await;
    let card = |queue: &Value| {
        queue["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["userId"] == ann.as_str())
            .cloned()
            .unwrap()
    };
    let queue = server.get("/room/queue", Some(&bob_token)).await;
    assert!(card(&queue.body).get("selfieUrl").is_none());

    let url = uploaded(&server, &ann_token, "selfie", PNG).await;
    let queue = server.get("/room/queue", Some(&bob_token)).await;
    assert_eq!(card(&queue.body)["selfieUrl"], url);
    drop(ws);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_and_validators() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let url = uploaded(&server, &token, "video", MP4).await;
    let len = MP4.len();

    let (status, headers, body) = fetch(&server, &url, &[("range", "bytes=0-3")]).await;
    assert_eq!((status, body.as_slice()), (206, &MP4[..4]));
    assert_eq!(
        header(&headers, "content-range"),
        format!("bytes 0-3/{len}")
    );
    assert_eq!(header(&headers, "content-length"), "4");
    assert_eq!(header(&headers, "content-type"), "video/mp4");
    let (status, headers, body) = fetch(&server, &url, &[("range", "bytes=4-")]).await;
    assert_eq!((status, body.as_slice()), (206, &MP4[4..]));
    assert_eq!(
        header(&headers, "content-range"),
        format!("bytes 4-{}/{len}", len - 1)
    );
    let (status, headers, body) = fetch(&server, &url, &[("range", "bytes=-2")]).await;
    assert_eq!((status, body.as_slice()), (206, &MP4[len - 2..]));
    assert_eq!(
        header(&headers, "content-range"),
        format!("bytes {}-{}/{len}", len - 2, len - 1)
    );
    let past = format!("bytes={len}-");
    let (status, headers, body) = fetch(&server, &url, &[("range", &past)]).await;
    assert_eq!(status, 416);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "content-range"), format!("bytes */{len}"));
    let (status, _, body) = fetch(&server, &url, &[("range", "bytes=0-1,3-4")]).await;
    assert_eq!(
        (status, body.as_slice()),
        (200, MP4),
        "several ranges: the whole file"
    );

    let (_, headers, _) = fetch(&server, &url, &[]).await;
    let etag = header(&headers, "etag").to_owned();
    let modified = header(&headers, "last-modified").to_owned();
    let (status, headers, body) = fetch(&server, &url, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), etag);
    let (status, _, _) = fetch(&server, &url, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(status, 200);
    let (status, _, _) = fetch(&server, &url, &[("if-modified-since", &modified)]).await;
    assert_eq!(status, 304);
    let stale = [("range", "bytes=0-3"), ("if-range", "\"other\"")];
    let (status, _, body) = fetch(&server, &url, &stale).await;
    assert_eq!(
        (status, body.as_slice()),
        (200, MP4),
        "a stale If-Range gets it all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_servers_own_names_are_served() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Ann").await;
    let url = uploaded(&server, &token, "selfie", PNG).await;
    let name = file_name(&url);
    let (stem, _) = name.split_once('.').unwrap();
    for bad in [
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "..%2Fnapalmsky.redb".to_owned(),
        format!("{name}.exe"),
        format!("{}.png", stem.to_uppercase()),
        format!("{stem}.PNG"),
        format!("{stem}.jpg"),
        "0123456789abcdef0123456789abcdef.png".to_owned(),
    ] {
        let reply = server.get(&format!("/uploads/{bad}"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(reply.body["error"].is_string(), "{bad}: JSON error");
    }
    let reply = server.get("/uploads/a/b.png", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&server, &url, &[]).await.0, 200);
}
