//! The one error type of the HTTP edge. Each case knows its status and its JSON body (the
//! original server's, byte for byte), and 5xx cases are logged here, once, when the answer is
//! built. Business outcomes of the services convert into it with `From`, so a handler's early
//! error is one `?` away.

use std::borrow::Cow;

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::respond::{Resp, error, error_with, json, text, without_nulls};
use crate::store::StoreError;
use crate::store::records::BanStatus;

#[derive(Debug)]
pub enum ApiError {
    /// 400 `{error}`: a missing, mistyped or invalid field, or an unreadable body.
    BadRequest(Cow<'static, str>),
    /// 400: the reporter already reported this user.
    AlreadyReported,
    /// 401: no `Authorization` header.
    AuthorizationRequired,
    /// 401: unknown, malformed or expired session token.
    InvalidSession,
    /// 401: the session was replaced by a newer login.
    SessionInvalidated,
    /// 401 with the route's own message (login's credential answers).
    Unauthorized(&'static str),
    /// 401 `{valid:false}`: `GET /admin/verify` with no live admin token.
    AdminTokenInvalid,
    /// 401: an admin route called without a live admin token or user session.
    AdminAuthorizationRequired,
    /// 403: an admin route called with a user session that holds no admin grant.
    AdminAccessRequired,
    /// 402: the paywall is on and the caller has not paid.
    PaymentRequired,
    /// 403: the caller's account is banned (every protected route).
    AccountSuspended,
    /// 403: login to a banned account, with the ban's kind and review state.
    LoginSuspended {
        status: BanStatus,
        review: Option<String>,
    },
    /// 403: the request comes from an IP-banned address (every route).
    AddressBanned { reason: String },
    /// 403 at signup: the invite code was refused (the message says why); the client should
    /// offer payment.
    InviteRefused(&'static str),
    /// 403 with the route's message.
    Forbidden(&'static str),
    /// A status and message with fields of the route's own beside `error`.
    Detailed {
        status: StatusCode,
        message: &'static str,
        details: Value,
    },
    /// 404 with the route's message (`User not found`).
    NotFound(&'static str),
    /// 404 `Cannot <METHOD> <path>`: no route.
    NoRoute { method: Method, path: String },
    /// 409 with the route's message.
    Conflict(&'static str),
    /// 408: the body did not arrive within `--body-read-timeout`.
    RequestTimeout,
    /// 415: a body that is not declared `application/json` on a JSON route.
    UnsupportedMediaType,
    /// 413: the body exceeds `--json-body-limit`.
    PayloadTooLarge,
    /// 429 from a limiter a handler applies itself; the limiter rendered its own body.
    RateLimited(Resp),
    /// 503 with `Retry-After`: load shedding.
    Busy,
    /// The store failed: 503 while it is closed or failed, 500 otherwise. Logged.
    Store(StoreError),
    /// 500: an internal step failed (`what` says which). Logged.
    Internal { what: &'static str, detail: String },
    /// A server-side failure answered with the route's own message (`Failed to create
    /// payment session`); `detail` is logged, never sent.
    Failed {
        status: StatusCode,
        message: &'static str,
        detail: String,
    },
    /// A plain-text body (the webhook's answers to Stripe, as the original's). 5xx logged.
    PlainText {
        status: StatusCode,
        message: Cow<'static, str>,
    },
}

impl ApiError {
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn internal(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Internal {
            what,
            detail: detail.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::AlreadyReported => StatusCode::BAD_REQUEST,
            Self::AuthorizationRequired
            | Self::InvalidSession
            | Self::SessionInvalidated
            | Self::Unauthorized(_)
            | Self::AdminTokenInvalid
            | Self::AdminAuthorizationRequired => StatusCode::UNAUTHORIZED,
            Self::PaymentRequired => StatusCode::PAYMENT_REQUIRED,
            Self::AccountSuspended
            | Self::LoginSuspended { .. }
            | Self::AddressBanned { .. }
            | Self::InviteRefused(_)
            | Self::Forbidden(_)
            | Self::AdminAccessRequired => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::NoRoute { .. } => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited(response) => response.status(),
            Self::Detailed { status, .. } => *status,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(StoreError::Closed | StoreError::Failed) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(_) | Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Failed { status, .. } | Self::PlainText { status, .. } => *status,
        }
    }

    /// The answer; logs the 5xx cases.
    pub fn into_response(self) -> Resp {
        let status = self.status();
        match self {
            Self::BadRequest(message) => error(status, &message),
            Self::AlreadyReported => error_with(
                status,
                "You have already reported this user",
                json!({ "alreadyReported": true }),
            ),
            Self::AddressBanned { reason } => error_with(
                status,
                "Access denied",
                json!({
                    "banned": true,
                    "message": "Your IP address has been banned from accessing this service.",
                    "reason": reason,
                }),
            ),
            Self::AuthorizationRequired => error(status, "Authorization required"),
            Self::InvalidSession => error(status, "Invalid or expired session"),
            Self::SessionInvalidated => error_with(
                status,
                "Session invalidated",
                json!({
                    "sessionInvalidated": true,
                    "message": "You have been logged out. Please login again.",
                }),
            ),
            Self::Unauthorized(message) | Self::NotFound(message) | Self::Conflict(message) => {
                error(status, message)
            }
            Self::AdminTokenInvalid => json(status, &json!({ "valid": false })),
            Self::AdminAuthorizationRequired => error(status, "Admin authorization required"),
            Self::AdminAccessRequired => error(status, "Admin access required"),
            Self::PaymentRequired => error_with(
                status,
                "Payment required",
                json!({
                    "message": "Please complete payment or use an invite code to access this feature",
                    "requiresPayment": true,
                }),
            ),
            Self::AccountSuspended => error_with(
                status,
                "Account suspended",
                json!({
                    "banned": true,
                    "message": "Your account has been suspended pending review.",
                }),
            ),
            Self::LoginSuspended {
                status: ban,
                review,
            } => error_with(status, "Account suspended", login_ban_details(ban, review)),
            Self::InviteRefused(message) => {
                error_with(status, message, json!({ "requiresPayment": true }))
            }
            Self::Forbidden(message) => error(status, message),
            Self::Detailed {
                message, details, ..
            } => error_with(status, message, details),
            Self::NoRoute { method, path } => {
                error(status, &format!("Cannot {method} {}", printable(&path)))
            }
            Self::RequestTimeout => error(status, "Request body not received in time"),
            Self::PayloadTooLarge => error(status, "Request body too large"),
            Self::UnsupportedMediaType => error(status, "Content-Type must be application/json"),
            Self::RateLimited(response) => response,
            Self::Busy => busy(status),
            Self::Store(e) => {
                tracing::error!(error = %e, "store operation failed");
                unavailable_or_internal(status)
            }
            Self::Internal { what, detail } => {
                tracing::error!(error = %detail, "{what} failed");
                unavailable_or_internal(status)
            }
            Self::Failed {
                message, detail, ..
            } => {
                tracing::error!(error = %detail, "{message}");
                error(status, message)
            }
            Self::PlainText { message, .. } => {
                if status.is_server_error() {
                    tracing::error!("{message}");
                }
                text(status, &message)
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

fn login_ban_details(status: BanStatus, review: Option<String>) -> Value {
    let message = if status == BanStatus::Temporary {
        "Your account has been temporarily suspended pending review."
    } else {
        "Your account has been permanently banned."
    };
    without_nulls(json!({
        "banned": true,
        "banStatus": status.as_str(),
        "message": message,
        "reviewStatus": review,
    }))
}

fn busy(status: StatusCode) -> Resp {
    let mut response = error(status, "Server busy, please try again shortly");
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("15"),
    );
    response
}

fn unavailable_or_internal(status: StatusCode) -> Resp {
    let message = if status == StatusCode::SERVICE_UNAVAILABLE {
        "Service temporarily unavailable"
    } else {
        "Internal server error"
    };
    error(status, message)
}

/// Echoes at most 200 plain characters of a client-chosen path.
fn printable(path: &str) -> String {
    path.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn answer(error: ApiError) -> (StatusCode, Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a full body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("JSON"))
    }

    #[tokio::test]
    async fn store_failures_are_503_while_closed_and_500_otherwise() {
        let (status, body) = answer(StoreError::Failed.into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, json!({"error": "Service temporarily unavailable"}));
        let (status, body) = answer(StoreError::Corrupt("x".into()).into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({"error": "Internal server error"}));
    }

    #[tokio::test]
    async fn a_login_ban_tells_its_kind_and_leaves_out_a_missing_review() {
        let banned = ApiError::LoginSuspended {
            status: BanStatus::Permanent,
            review: None,
        };
        let (status, body) = answer(banned).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            json!({
                "error": "Account suspended",
                "banned": true,
                "banStatus": "permanent",
                "message": "Your account has been permanently banned.",
            })
        );
    }

    #[tokio::test]
    async fn the_admin_refusals_have_the_original_bodies() {
        let (status, body) = answer(ApiError::AdminTokenInvalid).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, json!({"valid": false}))
        );
        let (status, body) = answer(ApiError::AdminAuthorizationRequired).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, json!({"error": "Admin authorization required"}));
        let (status, body) = answer(ApiError::AdminAccessRequired).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body, json!({"error": "Admin access required"}));
    }

    #[tokio::test]
    async fn an_unknown_route_echoes_a_bounded_printable_path() {
        let path = format!("/a\u{7}{}", "b".repeat(300));
        let (status, body) = answer(ApiError::NoRoute {
            method: Method::GET,
            path,
        })
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let message = body["error"].as_str().expect("a message");
        assert_eq!(message, format!("Cannot GET /a{}", "b".repeat(198)));
    }
}
