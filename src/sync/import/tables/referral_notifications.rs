//! `referral_notifications` -> referral notification records between imported users.

use tokio_postgres::Row;
use uuid::Uuid;

use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Source, USER_MISSING, store_each, uuid_text};
use crate::store::Tx;
use crate::store::records::ReferralNotification;

const TABLE: &str = "referral_notifications";
const NO_TIME: &str = "no timestamp; set to the import time";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "id, for_user_id, referred_user_id, introduced_by, referred_name, introduced_by_name, \
         {}, read",
        ms("timestamp")
    );
    let source = Source::new(TABLE, &[("id", KeyKind::Uuid)], columns);
    import.table(source, check, put).await?;
    import.done(TABLE);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<ReferralNotification> {
    let id: Uuid = row.try_get("id")?;
    let users: [(&str, Uuid); 3] = [
        ("for user", row.try_get("for_user_id")?),
        ("referred user", row.try_get("referred_user_id")?),
        ("introducer", row.try_get("introduced_by")?),
    ];
    for (role, user) in users {
        if !at.has_user(&user.into_bytes())? {
            let detail = Some(format!("{role} {}", uuid_text(&user.into_bytes())));
            at.report.skip(id, USER_MISSING, detail);
            return Ok(None);
        }
    }
    let timestamp: Option<i64> = row.try_get("timestamp")?;
    if timestamp.is_none() {
        at.adjust_all(id, vec![(NO_TIME, None)]);
    }
    let name = |column: &str| -> Result<String, tokio_postgres::Error> {
        Ok(row
            .try_get::<_, Option<String>>(column)?
            .unwrap_or_default())
    };
    Ok(Some(ReferralNotification {
        id: id.into_bytes(),
        for_user_id: users[0].1.into_bytes(),
        referred_user_id: users[1].1.into_bytes(),
        introduced_by: users[2].1.into_bytes(),
        referred_name: name("referred_name")?,
        introduced_by_name: name("introduced_by_name")?,
        timestamp: timestamp.unwrap_or(at.now),
        read: row.try_get::<_, Option<bool>>("read")?.unwrap_or(false),
        version: 0,
    }))
}

fn put(
    tx: &mut Tx<'_>,
    notifications: Vec<ReferralNotification>,
) -> Result<Vec<super::table::Note>, crate::store::StoreError> {
    store_each(notifications, |mut n| tx.put_referral_notification(&mut n))
}
