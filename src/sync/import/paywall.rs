//! Rows of the original's `invite_codes` -> invite code records, as a pure function like
//! `convert.rs`: what a row lacks is defaulted and the change returned for the report.

use serde_json::Value;
use uuid::Uuid;

use super::convert::{Reason, unknown};
use crate::clock::Millis;
use crate::paywall::normalize_code;
use crate::store::Id;
use crate::store::records::{CodeKind, InviteCode, USED_BY_KEPT};

/// One `invite_codes` row as read.
#[derive(Debug, Clone, Default)]
pub(super) struct InviteCodeRow {
    pub code: String,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub created_at: Option<Millis>,
    pub kind: String,
    pub max_uses: i32,
    pub uses_remaining: i32,
    pub used_by: Option<Value>,
    pub is_active: Option<bool>,
}

/// The code and the users who used it (every one, for the uses index; the record lists the
/// first [`USED_BY_KEPT`]).
pub(super) fn invite_code(
    row: InviteCodeRow,
    now: Millis,
    changes: &mut Vec<Reason>,
) -> Result<(InviteCode, Vec<Id>), Reason> {
    let code = normalize_code(&row.code).ok_or(("not a 16-character code", None))?;
    let kind = match row.kind.as_str() {
        "user" => CodeKind::User,
        "admin" => CodeKind::Admin,
        other => return Err(unknown("unknown code type", other)),
    };
    let users = used_by(row.used_by.as_ref(), changes);
    let (max_uses, uses_remaining) = match kind {
        // Admin codes are unlimited whatever the row says.
        CodeKind::Admin => (-1, -1),
        CodeKind::User => (
            row.max_uses.max(0),
            row.uses_remaining.clamp(0, row.max_uses.max(0)),
        ),
    };
    let created_at = row.created_at.unwrap_or_else(|| {
        changes.push(("no created_at; set to the import time", None));
        now
    });
    Ok((
        InviteCode {
            code,
            kind,
            created_by: row.created_by.map(|id| id.into_bytes()),
            created_by_name: row.created_by_name.unwrap_or_default(),
            created_at,
            max_uses,
            uses_remaining,
            total_used: u32::try_from(users.len()).unwrap_or(u32::MAX),
            used_by: users.iter().take(USED_BY_KEPT).copied().collect(),
            is_active: row.is_active.unwrap_or(true),
            version: 0,
        },
        users,
    ))
}

/// `used_by`: a JSON array of user ids; entries that are not are dropped and reported.
fn used_by(value: Option<&Value>, changes: &mut Vec<Reason>) -> Vec<Id> {
    let Some(Value::Array(items)) = value else {
        if !matches!(value, None | Some(Value::Null)) {
            changes.push(("used_by is not an array; cleared", None));
        }
        return Vec::new();
    };
    let ids: Vec<Id> = items
        .iter()
        .filter_map(|item| item.as_str()?.parse::<Uuid>().ok())
        .map(Uuid::into_bytes)
        .collect();
    if ids.len() < items.len() {
        changes.push(("used_by entries that are not user ids dropped", None));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row() -> InviteCodeRow {
        InviteCodeRow {
            code: "abcd1234efgh5678".into(),
            created_by: Some(Uuid::from_u128(7)),
            created_by_name: Some("Ann".into()),
            created_at: Some(10),
            kind: "user".into(),
            max_uses: 4,
            uses_remaining: 2,
            used_by: Some(json!([
                Uuid::from_u128(8).to_string(),
                5,
                Uuid::from_u128(9).to_string()
            ])),
            is_active: None,
        }
    }

    #[test]
    fn a_user_code_keeps_its_uses_and_users() {
        let mut changes = Vec::new();
        let (code, users) = invite_code(row(), 99, &mut changes).unwrap();
        assert_eq!(code.code, "ABCD1234EFGH5678");
        assert_eq!(
            (code.max_uses, code.uses_remaining, code.total_used),
            (4, 2, 2)
        );
        assert_eq!(
            users,
            [
                Uuid::from_u128(8).into_bytes(),
                Uuid::from_u128(9).into_bytes()
            ]
        );
        assert!(code.is_active);
        assert_eq!(changes.len(), 1, "the entry that is not an id");
    }

    #[test]
    fn bad_rows_are_refused_and_admin_codes_are_unlimited() {
        let mut changes = Vec::new();
        let short = InviteCodeRow {
            code: "ABC".into(),
            ..row()
        };
        assert!(invite_code(short, 1, &mut changes).is_err());
        let odd = InviteCodeRow {
            kind: "vip".into(),
            ..row()
        };
        assert!(invite_code(odd, 1, &mut changes).is_err());
        let admin = InviteCodeRow {
            kind: "admin".into(),
            max_uses: 10,
            ..row()
        };
        let (code, _) = invite_code(admin, 1, &mut changes).unwrap();
        assert_eq!((code.max_uses, code.uses_remaining), (-1, -1));
    }
}
