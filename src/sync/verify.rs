//! Comparing the store with the Postgres mirror: row counts and an order-independent checksum
//! per table over the columns that matter, computed the same way on both sides.
//!
//! Row text: fields joined by '|', ids as lowercase hyphenated UUIDs, booleans as 0/1. Each
//! row's checksum is the first 15 hex digits of its MD5 (60 bits); a table's checksum is
//! their exact sum, so row order does not matter and Postgres computes it in one aggregate.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use tokio_postgres::Client;

use super::SyncError;
use crate::accounts::id_string;
use crate::store::{Current, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableComparison {
    pub table: &'static str,
    pub store_rows: u64,
    pub mirror_rows: u64,
    pub store_checksum: String,
    pub mirror_checksum: String,
}

impl TableComparison {
    pub fn matches(&self) -> bool {
        self.store_rows == self.mirror_rows && self.store_checksum == self.mirror_checksum
    }
}

/// (table, SQL expression of its row text). The store side builds the same text in `row_text`.
const TABLES: [(&str, &str); 5] = [
    (
        "users",
        "user_id::text || '|' || name || '|' || coalesce(email, '') || '|' || account_type || '|' \
         || paid_status || '|' || ban_status || '|' || timer_total_seconds || '|' \
         || session_count || '|' || successful_sessions || '|' || sync_version",
    ),
    (
        "sessions",
        "session_token::text || '|' || user_id::text || '|' \
         || (CASE WHEN is_active THEN '1' ELSE '0' END) || '|' || sync_version",
    ),
    (
        "chat_history",
        "session_id || '|' || user_id::text || '|' || partner_id::text || '|' || duration \
         || '|' || sync_version",
    ),
    (
        "session_completions",
        "user_id::text || '|' || room_id::text || '|' || duration_seconds || '|' || sync_version",
    ),
    (
        "cooldowns",
        "user_id_1::text || '|' || user_id_2::text || '|' || sync_version",
    ),
];

fn row_text(current: &Current) -> Option<(&'static str, String)> {
    Some(match current {
        Current::User(u) => (
            "users",
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                id_string(&u.id),
                u.name,
                u.email.as_deref().unwrap_or(""),
                u.account_type.as_str(),
                u.paid_status.as_str(),
                u.ban_status.as_str(),
                u.timer_total_seconds,
                u.session_count,
                u.successful_sessions,
                u.version
            ),
        ),
        Current::Session(s) => (
            "sessions",
            format!(
                "{}|{}|{}|{}",
                id_string(&s.token),
                id_string(&s.user_id),
                u8::from(s.is_active),
                s.version
            ),
        ),
        Current::History(h) => (
            "chat_history",
            format!(
                "{}|{}|{}|{}|{}",
                h.session_id,
                id_string(&h.user_id),
                id_string(&h.partner_id),
                h.duration_seconds,
                h.version
            ),
        ),
        Current::Completion(c) => (
            "session_completions",
            format!(
                "{}|{}|{}|{}",
                id_string(&c.user_id),
                id_string(&c.room_id),
                c.duration_seconds,
                c.version
            ),
        ),
        Current::Cooldown(c) => (
            "cooldowns",
            format!("{}|{}|{}", id_string(&c.a), id_string(&c.b), c.version),
        ),
        Current::Deleted(..) => return None,
    })
}

/// The first 60 bits of the row text's MD5.
fn row_checksum(text: &str) -> u128 {
    let digest = Md5::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u128::from(u64::from_be_bytes(first) >> 4)
}

/// Counts and checksums of every mirrored table on both sides.
pub async fn compare(store: &Store, client: &Client) -> Result<Vec<TableComparison>, SyncError> {
    let mut local: BTreeMap<&'static str, (u64, u128)> = BTreeMap::new();
    store.read()?.all_records(|current| {
        if let Some((table, text)) = row_text(&current) {
            let entry = local.entry(table).or_default();
            entry.0 += 1;
            entry.1 += row_checksum(&text);
        }
        Ok(())
    })?;
    let mut comparisons = Vec::new();
    for (table, row) in TABLES {
        let sql = format!(
            "SELECT count(*)::int8, coalesce(sum(('x' || substr(md5({row}), 1, 15))::bit(60)::int8::numeric), 0)::text FROM {table}"
        );
        let found = client.query_one(&sql, &[]).await?;
        let mirror_rows: i64 = found.get(0);
        let mirror_checksum: String = found.get(1);
        let (store_rows, store_sum) = local.get(table).copied().unwrap_or_default();
        comparisons.push(TableComparison {
            table,
            store_rows,
            mirror_rows: u64::try_from(mirror_rows).unwrap_or(0),
            store_checksum: store_sum.to_string(),
            mirror_checksum,
        });
    }
    Ok(comparisons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_checksums_are_60_bits_of_md5() {
        // md5("abc") = 900150983cd24fb0...; the first 15 hex digits are 900150983cd24fb.
        assert_eq!(row_checksum("abc"), 0x0900_1509_83cd_24fb);
    }
}
