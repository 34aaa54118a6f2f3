//! Admin accounts and who may use the admin routes (being built on the `admin` branch; this
//! is the interface the report routes use until it lands).

use crate::store::Id;

/// Who is acting on an admin route.
pub enum Reviewer {
    Admin { username: String },
    GrantedUser { user_id: Id },
}

impl Reviewer {
    /// `reviewedBy`: the admin's username, or the granted user's id.
    pub fn reviewed_by(&self) -> String {
        match self {
            Self::Admin { username } => username.clone(),
            Self::GrantedUser { user_id } => uuid::Uuid::from_bytes(*user_id).to_string(),
        }
    }
}
