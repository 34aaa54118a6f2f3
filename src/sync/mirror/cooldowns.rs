//! `cooldowns`: one row per pair of users who may not meet again yet.

use super::columns::PgType::{Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::Cooldown;

impl Mirrored for Cooldown {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("user_id_1", Uuid, |c: &Cooldown| uuid(&c.a)).key(),
            Column::new("user_id_2", Uuid, |c: &Cooldown| uuid(&c.b)).key(),
            Column::new("expires_at", Timestamp, |c: &Cooldown| c.until),
        ];
        Table::new("cooldowns", |c: &Cooldown| c.version, columns)
    }
}
