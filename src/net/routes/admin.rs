//! `/admin`: login with an admin account (created by `napalmsky admin add`), logout, and the
//! token check the admin page gates itself with. The admin check of other families' routes
//! is `net::admin_guard::require_admin`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::accounts::id_string;
use crate::admin::{self, AdminLoginError};
use crate::net::Http;
use crate::net::auth::bearer_token;
use crate::net::body::{Object, json_object};
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::ok;

/// A refused login answers this long after the request arrived (the original waited 1 s).
/// Measured from the arrival rather than added after the check, so the answer's timing does
/// not tell whether the username exists (an unknown one skips the password hash).
const FAILED_LOGIN_DELAY: Duration = Duration::from_secs(1);

/// A non-empty string field; anything else counts as missing (the original's message).
fn text<'a>(body: &'a Object, field: &str) -> Option<&'a str> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `POST /admin/login {username, password}` -> `{adminToken, username}`.
pub async fn login(state: &Arc<Http>, call: Call) -> Answer {
    let arrived = Instant::now();
    let body = json_object(call.request.into_body(), &state.config.net).await?;
    let (Some(username), Some(password)) = (text(&body, "username"), text(&body, "password"))
    else {
        return Err(ApiError::bad_request("Username and password required"));
    };
    let now = state.clock.now_ms();
    let login = admin::log_in(
        &state.store,
        &state.hasher,
        username,
        password.to_owned(),
        now,
    );
    match login.await {
        Ok(login) => {
            tracing::info!(admin = %login.username, "admin logged in");
            Ok(ok(&json!({
                "adminToken": id_string(&login.token),
                "username": login.username,
            })))
        }
        Err(AdminLoginError::InvalidCredentials) => {
            // The attempted username is not logged: it is sometimes a password.
            tracing::info!("admin login refused");
            tokio::time::sleep_until(arrived + FAILED_LOGIN_DELAY).await;
            Err(ApiError::from(AdminLoginError::InvalidCredentials))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /admin/logout` -> `{success:true}`, whether or not the token existed. A token that
/// could not be deleted (the store failed) is the store's error instead: answering success
/// would leave the operator believing a live token was gone.
pub async fn logout(state: &Arc<Http>, call: Call) -> Answer {
    if let Ok(token) = bearer_token(call.request.headers()) {
        admin::log_out(&state.store, &token).await?;
    }
    Ok(ok(&json!({ "success": true })))
}

/// `GET /admin/verify` -> `{valid:true, username}`, or 401 `{valid:false}`.
pub async fn verify(state: &Arc<Http>, call: Call) -> Answer {
    let token = bearer_token(call.request.headers()).map_err(|_| ApiError::AdminTokenInvalid)?;
    let username = admin::session_username(&state.store, &token, state.clock.now_ms())?;
    let username = username.ok_or(ApiError::AdminTokenInvalid)?;
    Ok(ok(&json!({ "valid": true, "username": username })))
}
