//! `invite_codes`: one row per code, in the original's columns, plus `total_used` (the
//! record keeps the first users in `used_by`; the count is exact).

use serde_json::Value;

use super::columns::PgType::{Bool, Int, Int8, Jsonb, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::InviteCode;

fn used_by(code: &InviteCode) -> Value {
    let users = code
        .used_by
        .iter()
        .map(|id| Value::String(uuid(id).to_string()));
    Value::Array(users.collect())
}

impl Mirrored for InviteCode {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("code", Text, |c: &InviteCode| c.code.clone()).key(),
            Column::new("created_by", Uuid, |c: &InviteCode| {
                c.created_by.as_ref().map(uuid)
            }),
            Column::new("created_by_name", Text, |c: &InviteCode| {
                c.created_by_name.clone()
            }),
            Column::new("created_at", Timestamp, |c: &InviteCode| c.created_at).insert_only(),
            Column::new("type", Text, |c: &InviteCode| c.kind.as_str()).verified(),
            Column::new("max_uses", Int, |c: &InviteCode| c.max_uses).verified(),
            Column::new("uses_remaining", Int, |c: &InviteCode| c.uses_remaining).verified(),
            Column::new("used_by", Jsonb, used_by),
            Column::new("total_used", Int8, |c: &InviteCode| i64::from(c.total_used)).verified(),
            Column::new("is_active", Bool, |c: &InviteCode| c.is_active).verified(),
        ];
        Table::new("invite_codes", |c: &InviteCode| c.version, columns)
    }
}
