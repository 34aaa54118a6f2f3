//! What hyper answers itself, before any route runs: a malformed request gets a status line
//! and an empty body (hyper has no hook for these bodies; the README lists the cases), the
//! connection is closed, and the server keeps serving everyone else.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` raw and returns everything the server wrote before closing.
async fn raw(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.running().addr()).await.unwrap();
    // The server may answer and close before it has read all of an oversized request.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    // A reset after the answer is fine (the read's own result is ignored): what was read
    // before it is kept.
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

fn assert_empty_answer(answer: &str, status: &str) {
    assert_eq!(
        status_line(answer),
        format!("HTTP/1.1 {status}"),
        "{answer}"
    );
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(body.is_empty(), "{answer}");
    assert!(
        head.to_ascii_lowercase().contains("content-length: 0"),
        "{head}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_hyper_statuses_and_the_server_keeps_serving() {
    let server = TestServer::start().await;

    let bad_line = raw(&server, b"NOT AN HTTP REQUEST\r\n\r\n").await;
    assert_empty_answer(&bad_line, "400 Bad Request");

    let bad_version = raw(&server, b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n").await;
    assert_empty_answer(&bad_version, "400 Bad Request");

    let two_lengths = raw(
        &server,
        b"POST /auth/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    )
    .await;
    assert_empty_answer(&two_lengths, "400 Bad Request");

    // hyper answers 414 past 65,534 bytes of URI, but a head that long is already past the
    // 64 KiB head limit: 431.
    let long_uri = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(u16::MAX as usize)
    );
    assert_empty_answer(
        &raw(&server, long_uri.as_bytes()).await,
        "431 Request Header Fields Too Large",
    );

    let huge_header = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "b".repeat(80 * 1024)
    );
    assert_empty_answer(
        &raw(&server, huge_header.as_bytes()).await,
        "431 Request Header Fields Too Large",
    );

    let many_headers: String = (0..120).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n");
    assert_empty_answer(
        &raw(&server, many.as_bytes()).await,
        "431 Request Header Fields Too Large",
    );

    // The process is unharmed and answers JSON as usual.
    let health = server.get("/health", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    server.stop().await;
}
