//! `intro_codes`: the introductions' codes (a napalmsky table: the original kept them in
//! memory only, so a restart broke every shared link).

use super::columns::PgType::{Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::IntroCode;

impl Mirrored for IntroCode {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("code", Text, |c: &IntroCode| c.code.clone()).key(),
            Column::new("target_user_id", Uuid, |c: &IntroCode| {
                uuid(&c.target_user_id)
            })
            .verified(),
            Column::new("target_name", Text, |c: &IntroCode| c.target_name.clone()),
            Column::new("created_by", Uuid, |c: &IntroCode| uuid(&c.created_by)).verified(),
            Column::new("created_by_name", Text, |c: &IntroCode| {
                c.created_by_name.clone()
            }),
            Column::new("created_at", Timestamp, |c: &IntroCode| c.created_at),
        ];
        Table::new("intro_codes", |c: &IntroCode| c.version, columns)
    }
}
