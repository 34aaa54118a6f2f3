//! `POST /payment/create-checkout` against a fake Stripe on 127.0.0.1:0 (`--stripe-api-base`)
//! that records what it is sent: the session's form fields, the key and the API version;
//! the return address (an allowed `Origin`, else `--frontend-url`); the refusals for a user
//! who has access, without a key, and when Stripe refuses or cannot be reached.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{TestServer, assert_error, edit_user, keys};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use napalmsky::store::records::PaidStatus;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const KEY: &str = "sk_test_napalmsky";
const ORIGIN: &str = "https://napalmsky.test";
const FRONTEND: &str = "https://front.napalmsky.test";

/// A request the fake received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: hyper::HeaderMap,
    body: String,
}

/// Answers every request with one status and body, and keeps what it was sent.
struct FakeStripe {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeStripe {
    async fn start(status: u16, answer: Value) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let answer = Bytes::from(answer.to_string());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let log = log.clone();
                let answer = answer.clone();
                let service = service_fn(move |request: Request<Incoming>| {
                    let log = log.clone();
                    let answer = answer.clone();
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        log.lock().unwrap().push(Received {
                            method: parts.method.to_string(),
                            path: parts.uri.to_string(),
                            headers: parts.headers,
                            body: String::from_utf8(body.to_vec()).unwrap(),
                        });
                        let mut response = Response::new(Full::new(answer));
                        *response.status_mut() = StatusCode::from_u16(status).unwrap();
                        response.headers_mut().insert(
                            "content-type",
                            hyper::header::HeaderValue::from_static("application/json"),
                        );
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self { base, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn session_answer() -> Value {
    json!({
        "id": "cs_test_1",
        "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    })
}

async fn server_on(api_base: &str, key: Option<&str>) -> TestServer {
    let api_base = api_base.to_owned();
    let key = key.map(str::to_owned);
    TestServer::start_with(move |config| {
        config.net.allowed_origins = vec![ORIGIN.into()];
        config.paywall.frontend_url = FRONTEND.into();
        config.paywall.stripe_api_base = api_base;
        config.paywall.stripe_secret_key = key;
    })
    .await
}

async fn checkout(server: &TestServer, token: &str, origin: Option<&str>) -> common::Reply {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
    server
        .send(
            Method::POST,
            "/payment/create-checkout",
            Some(token),
            None,
            &headers,
        )
        .await
}

/// `application/x-www-form-urlencoded`, decoded.
fn decode_form(body: &str) -> BTreeMap<String, String> {
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                byte => out.push(byte),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    };
    body.split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap();
            (decode(key), decode(value))
        })
        .collect()
}

fn expected_form(user_id: &str, origin: &str) -> BTreeMap<String, String> {
    [
        ("mode", "payment"),
        ("payment_method_types[0]", "card"),
        ("line_items[0][price_data][currency]", "usd"),
        (
            "line_items[0][price_data][product_data][name]",
            "Napalm Sky Access",
        ),
        (
            "line_items[0][price_data][product_data][description]",
            "One-time payment for platform access + 4 friend invites",
        ),
        ("line_items[0][price_data][unit_amount]", "50"),
        ("line_items[0][quantity]", "1"),
        (
            "success_url",
            &format!("{origin}/payment-success?session_id={{CHECKOUT_SESSION_ID}}"),
        ),
        ("cancel_url", &format!("{origin}/onboarding")),
        ("client_reference_id", user_id),
        ("metadata[userId]", user_id),
        ("metadata[userName]", "Ann & Bo"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[tokio::test]
async fn a_session_is_created_with_the_originals_fields_and_returns_to_an_allowed_origin() {
    let stripe = FakeStripe::start(200, session_answer()).await;
    let server = server_on(&stripe.base, Some(KEY)).await;
    let (user_id, token) = server.guest("Ann & Bo").await;

    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "checkoutUrl": "https://checkout.stripe.com/c/pay/cs_test_1",
            "sessionId": "cs_test_1",
        })
    );
    assert_eq!(keys(&reply.body), ["checkoutUrl", "sessionId"]);

    let received = stripe.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/checkout/sessions");
    let header = |name: &str| request.headers.get(name).unwrap().to_str().unwrap();
    assert_eq!(header("authorization"), format!("Bearer {KEY}"));
    assert_eq!(header("stripe-version"), "2025-09-30.clover");
    assert_eq!(header("content-type"), "application/x-www-form-urlencoded");
    assert_eq!(decode_form(&request.body), expected_form(&user_id, ORIGIN));

    // Without an Origin the payment returns to `--frontend-url`.
    let reply = checkout(&server, &token, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let received = stripe.received();
    assert_eq!(
        decode_form(&received[1].body),
        expected_form(&user_id, FRONTEND)
    );
}

#[tokio::test]
async fn a_user_with_access_is_refused_and_the_grace_period_may_pay() {
    let stripe = FakeStripe::start(200, session_answer()).await;
    let server = server_on(&stripe.base, Some(KEY)).await;
    let (user_id, token) = server.guest("Ann").await;
    for status in [PaidStatus::Paid, PaidStatus::QrVerified] {
        edit_user(&server, &user_id, move |user| user.paid_status = status).await;
        let reply = checkout(&server, &token, Some(ORIGIN)).await;
        assert_error(&reply, 400, "You have already verified access");
    }
    assert!(stripe.received().is_empty(), "Stripe was not asked");
    edit_user(&server, &user_id, |user| {
        user.paid_status = PaidStatus::QrGracePeriod;
    })
    .await;
    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(stripe.received().len(), 1);

    let reply = server
        .send(Method::POST, "/payment/create-checkout", None, None, &[])
        .await;
    assert_error(&reply, 401, "Authorization required");
}

#[tokio::test]
async fn without_a_key_payments_are_not_configured() {
    let stripe = FakeStripe::start(200, session_answer()).await;
    let server = server_on(&stripe.base, None).await;
    let (_user_id, token) = server.guest("Ann").await;
    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_error(&reply, 503, "Payments are not configured");
    assert!(stripe.received().is_empty());
}

#[tokio::test]
async fn a_stripe_refusal_or_no_stripe_at_all_fails_the_session() {
    let refusing = FakeStripe::start(
        400,
        json!({"error": {"type": "invalid_request_error", "message": "Invalid currency: xyz"}}),
    )
    .await;
    let server = server_on(&refusing.base, Some(KEY)).await;
    let (_user_id, token) = server.guest("Ann").await;
    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_error(&reply, 500, "Failed to create payment session");
    assert_eq!(refusing.received().len(), 1);

    // A 200 without a session in it is a failure too.
    let odd = FakeStripe::start(200, json!({"object": "checkout.session"})).await;
    let server = server_on(&odd.base, Some(KEY)).await;
    let (_user_id, token) = server.guest("Ann").await;
    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_error(&reply, 500, "Failed to create payment session");

    // A port nothing listens on: bound, then released.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = server_on(&base, Some(KEY)).await;
    let (_user_id, token) = server.guest("Ann").await;
    let reply = checkout(&server, &token, Some(ORIGIN)).await;
    assert_error(&reply, 500, "Failed to create payment session");
}
