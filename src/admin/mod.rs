//! The admin service: operator accounts (created by the `napalmsky admin` command, never
//! hard-coded), their 24-hour login tokens, grants of admin rights to user accounts, and the
//! one decision every admin route asks (`authorize`). No HTTP here: `net/routes/admin.rs`
//! and `net/admin_guard.rs` parse and render.

mod accounts;
mod authorize;
pub mod command;
mod grants;
mod password_input;
mod session;
mod username;

pub use accounts::{
    AdminAccountError, add_account, change_password, list_accounts, remove_account,
};
pub use authorize::{AdminRefusal, Reviewer, authorize};
pub use grants::{GrantError, Granted, grant_user, list_grants, revoke_user};
pub use session::{
    ADMIN_SESSION_TTL_MS, AdminLogin, AdminLoginError, log_in, log_out,
    purge_expired_admin_sessions, session_username,
};
pub use username::{MAX_USERNAME_CHARS, normalize_username};

#[cfg(test)]
mod tests;
