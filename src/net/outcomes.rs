//! How the account service's refusals answer over HTTP: each typed outcome becomes the
//! `ApiError` carrying the original server's status and message.

use hyper::StatusCode;

use super::error::ApiError;
use crate::accounts::{GuestError, HashError, LinkError, LoginError, LogoutError, SessionRefusal};
use crate::admin::{AdminLoginError, AdminRefusal};
use crate::moderation::{ReportError, ReviewError};
use crate::paywall::ApplyError;
use crate::paywall::{CheckoutError, WebhookError};
use crate::referrals::GenerateError;

/// A full hashing queue is load, answered like shedding (503 with `Retry-After`); anything
/// else went wrong.
fn hashing_failed(what: &'static str, error: HashError) -> ApiError {
    match error {
        HashError::Busy => ApiError::Busy,
        other => ApiError::internal(what, other),
    }
}

impl From<SessionRefusal> for ApiError {
    fn from(refusal: SessionRefusal) -> Self {
        match refusal {
            SessionRefusal::Unknown | SessionRefusal::Expired(_) => Self::InvalidSession,
            SessionRefusal::Invalidated => Self::SessionInvalidated,
            SessionRefusal::Banned => Self::AccountSuspended,
            SessionRefusal::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<GuestError> for ApiError {
    fn from(refusal: GuestError) -> Self {
        match refusal {
            GuestError::InviteCodeFormat => Self::bad_request("Invalid invite code format"),
            GuestError::InviteCodeRefused(refusal) => Self::InviteRefused(refusal.message()),
            GuestError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(refusal: LinkError) -> Self {
        match refusal {
            LinkError::InvalidEmail => Self::bad_request("Invalid email address"),
            LinkError::WeakPassword(message) => Self::bad_request(message),
            LinkError::SessionUnknown => Self::InvalidSession,
            LinkError::SessionInvalidated => Self::SessionInvalidated,
            LinkError::Banned => Self::AccountSuspended,
            LinkError::UserNotFound => Self::NotFound("User not found"),
            LinkError::EmailTaken => Self::Conflict("Email already registered"),
            LinkError::AlreadyPermanent => Self::Conflict("Account is already permanent"),
            LinkError::Hashing(e) => hashing_failed("password hashing", e),
            LinkError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(refusal: LoginError) -> Self {
        match refusal {
            LoginError::NoAccount => {
                Self::Unauthorized("Invalid credentials - No account found with this email")
            }
            LoginError::NotPermanent => Self::Unauthorized(
                "This account is not permanent. Please sign up as a guest first, then link your email and password in Settings.",
            ),
            LoginError::WrongPassword => Self::Unauthorized("Invalid credentials"),
            LoginError::AccountLocked { until } => Self::Detailed {
                status: hyper::StatusCode::TOO_MANY_REQUESTS,
                message: "Too many failed login attempts for this account",
                details: serde_json::json!({
                    "message": "Please try again later",
                    "lockedUntil": until,
                }),
            },
            LoginError::Banned { status, review } => Self::LoginSuspended { status, review },
            LoginError::Changed => {
                Self::Conflict("The account changed during login; please try again")
            }
            LoginError::Hashing(e) => hashing_failed("password verification", e),
            LoginError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<LogoutError> for ApiError {
    fn from(refusal: LogoutError) -> Self {
        match refusal {
            LogoutError::SessionUnknown => Self::InvalidSession,
            LogoutError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(refusal: ReportError) -> Self {
        match refusal {
            ReportError::Yourself => Self::bad_request("Cannot report yourself"),
            ReportError::AlreadyReported => Self::AlreadyReported,
            ReportError::UserNotFound => Self::NotFound("User not found"),
            ReportError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<AdminLoginError> for ApiError {
    fn from(refusal: AdminLoginError) -> Self {
        match refusal {
            AdminLoginError::InvalidCredentials => Self::Unauthorized("Invalid credentials"),
            AdminLoginError::Hashing(e) => hashing_failed("admin password verification", e),
            AdminLoginError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(refusal: ReviewError) -> Self {
        match refusal {
            ReviewError::NoBanRecord => Self::NotFound("Ban record not found"),
            ReviewError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<AdminRefusal> for ApiError {
    fn from(refusal: AdminRefusal) -> Self {
        match refusal {
            AdminRefusal::Unauthorized => Self::AdminAuthorizationRequired,
            AdminRefusal::NotAdmin => Self::AdminAccessRequired,
            AdminRefusal::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<ApplyError> for ApiError {
    fn from(refusal: ApplyError) -> Self {
        match refusal {
            ApplyError::UserNotFound => Self::NotFound("User not found"),
            ApplyError::AlreadyHasAccess => Self::bad_request("You already have access"),
            ApplyError::Refused(refusal) => Self::Forbidden(refusal.message()),
            ApplyError::Unavailable(e) => Self::Store(e),
        }
    }
}

impl From<CheckoutError> for ApiError {
    fn from(refusal: CheckoutError) -> Self {
        match refusal {
            CheckoutError::UserNotFound => Self::NotFound("User not found"),
            CheckoutError::AlreadyVerified => Self::bad_request("You have already verified access"),
            CheckoutError::NotConfigured => Self::Failed {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "Payments are not configured",
                detail: "no --stripe-secret-key".into(),
            },
            CheckoutError::Stripe(detail) => Self::Failed {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "Failed to create payment session",
                detail,
            },
            CheckoutError::Unavailable(e) => Self::Store(e),
        }
    }
}

/// The webhook answers Stripe in plain text, as the original did. 400s tell Stripe the
/// delivery is refused; 500s make it retry.
impl From<WebhookError> for ApiError {
    fn from(refusal: WebhookError) -> Self {
        let status = match &refusal {
            WebhookError::Signature(_) | WebhookError::Payload(_) | WebhookError::NoUserId => {
                StatusCode::BAD_REQUEST
            }
            WebhookError::NotConfigured | WebhookError::UserNotFound => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebhookError::Unavailable(e) => {
                tracing::error!(error = %e, "store failed while processing a webhook");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::PlainText {
            status,
            message: refusal.to_string().into(),
        }
    }
}

impl From<GenerateError> for ApiError {
    fn from(refusal: GenerateError) -> Self {
        match refusal {
            GenerateError::TargetNotFound => Self::NotFound("Target user not found"),
            GenerateError::CreatorNotFound => Self::NotFound("User not found"),
            GenerateError::Unavailable(e) => Self::Store(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn a_login_the_store_cannot_check_is_refused_with_a_server_error() {
        let refused =
            crate::accounts::refuse_banned(Err(StoreError::Failed)).expect_err("fails closed");
        let answer = ApiError::from(refused);
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        let refused = crate::accounts::refuse_banned(Err(StoreError::Storage("io".into())))
            .expect_err("fails closed");
        assert!(ApiError::from(refused).status().is_server_error());
    }

    #[test]
    fn the_admin_guard_refusals_answer_401_403_and_the_store_error() {
        let status = |refusal| ApiError::from(refusal).status();
        assert_eq!(status(AdminRefusal::Unauthorized), StatusCode::UNAUTHORIZED);
        assert_eq!(status(AdminRefusal::NotAdmin), StatusCode::FORBIDDEN);
        assert_eq!(
            status(AdminRefusal::Unavailable(StoreError::Closed)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(matches!(
            ApiError::from(AdminRefusal::Unauthorized),
            ApiError::AdminAuthorizationRequired
        ));
        assert!(matches!(
            ApiError::from(AdminRefusal::NotAdmin),
            ApiError::AdminAccessRequired
        ));
    }
}
