//! `referral_notifications`: one row per notification, in the original's columns.

use super::columns::PgType::{Bool, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::ReferralNotification;

impl Mirrored for ReferralNotification {
    fn describe() -> Table<Self> {
        type N = ReferralNotification;
        let columns = vec![
            Column::new("id", Uuid, |n: &N| uuid(&n.id)).key(),
            Column::new("for_user_id", Uuid, |n: &N| uuid(&n.for_user_id)).verified(),
            Column::new("referred_user_id", Uuid, |n: &N| uuid(&n.referred_user_id)).verified(),
            Column::new("introduced_by", Uuid, |n: &N| uuid(&n.introduced_by)).verified(),
            Column::new("referred_name", Text, |n: &N| n.referred_name.clone()),
            Column::new("introduced_by_name", Text, |n: &N| {
                n.introduced_by_name.clone()
            }),
            Column::new("timestamp", Timestamp, |n: &N| n.timestamp),
            Column::new("read", Bool, |n: &N| n.read).verified(),
        ];
        Table::new("referral_notifications", |n: &N| n.version, columns)
    }
}
