//! Reading the original database: keyset pagination by primary key (a page at a time, so a
//! big database never sits in memory), and the SQL pieces the table readers share.

use std::collections::HashSet;
use std::net::IpAddr;

use anyhow::Context;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};
use uuid::Uuid;

/// Rows per SELECT.
pub(super) const PAGE: usize = 5_000;

/// `col` (TIMESTAMP, UTC) as BIGINT ms since the epoch, NULL when NULL or +-infinity.
pub(super) fn ms(col: &str) -> String {
    format!(
        "CASE WHEN isfinite({col}) THEN (EXTRACT(EPOCH FROM {col}) * 1000)::BIGINT END AS {col}"
    )
}

#[derive(Debug, Clone, Copy)]
pub(super) enum KeyKind {
    Uuid,
    Text,
    Int,
    /// An INET key (`ip_bans`), compared as an address.
    Inet,
}

#[derive(Debug, Clone)]
enum Key {
    Uuid(Uuid),
    Text(String),
    Int(i32),
    Inet(IpAddr),
}

/// Pages through one table in primary-key order: `WHERE (key) > (last key seen)`.
pub(super) struct Pager {
    first: String,
    next: String,
    keys: &'static [(&'static str, KeyKind)],
    after: Option<Vec<Key>>,
    done: bool,
}

impl Pager {
    /// `columns` is the select list; `keys` the primary key columns (also selected).
    pub(super) fn new(
        table: &str,
        columns: &str,
        keys: &'static [(&'static str, KeyKind)],
    ) -> Self {
        let names: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
        let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let order = names.join(", ");
        let first = format!("SELECT {columns} FROM {table} ORDER BY {order} LIMIT {PAGE}");
        let next = format!(
            "SELECT {columns} FROM {table} WHERE ({order}) > ({}) ORDER BY {order} LIMIT {PAGE}",
            placeholders.join(", ")
        );
        Self {
            first,
            next,
            keys,
            after: None,
            done: false,
        }
    }

    /// The next page; empty once the table is exhausted.
    pub(super) async fn next(&mut self, src: &Transaction<'_>) -> anyhow::Result<Vec<Row>> {
        if self.done {
            return Ok(Vec::new());
        }
        let rows = match &self.after {
            None => src.query(&self.first, &[]).await?,
            Some(after) => {
                let params: Vec<&(dyn ToSql + Sync)> = after
                    .iter()
                    .map(|key| match key {
                        Key::Uuid(v) => v as &(dyn ToSql + Sync),
                        Key::Text(v) => v as &(dyn ToSql + Sync),
                        Key::Int(v) => v as &(dyn ToSql + Sync),
                        Key::Inet(v) => v as &(dyn ToSql + Sync),
                    })
                    .collect();
                src.query(&self.next, &params).await?
            }
        };
        if rows.len() < PAGE {
            self.done = true;
        }
        if let Some(last) = rows.last() {
            let mut after = Vec::with_capacity(self.keys.len());
            for (name, kind) in self.keys {
                after.push(match kind {
                    KeyKind::Uuid => Key::Uuid(last.try_get(*name)?),
                    KeyKind::Text => Key::Text(last.try_get(*name)?),
                    KeyKind::Int => Key::Int(last.try_get(*name)?),
                    KeyKind::Inet => Key::Inet(last.try_get(*name)?),
                });
            }
            self.after = Some(after);
        }
        Ok(rows)
    }
}

/// The tables of the current schema.
pub(super) async fn tables(src: &Transaction<'_>) -> anyhow::Result<HashSet<String>> {
    let rows = src
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')",
            &[],
        )
        .await
        .context("listing the source tables")?;
    rows.iter()
        .map(|row| row.try_get::<_, String>(0).map_err(Into::into))
        .collect()
}

/// How many columns the table's primary key has (0 without one).
pub(super) async fn primary_key_width(src: &Transaction<'_>, table: &str) -> anyhow::Result<i16> {
    let row = src
        .query_opt(
            "SELECT i.indnatts FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relname = $1 AND i.indisprimary",
            &[&table],
        )
        .await?;
    Ok(match row {
        Some(row) => row.try_get(0)?,
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_queries_compare_the_whole_key() {
        let pager = Pager::new(
            "chat_history",
            "session_id, user_id",
            &[("session_id", KeyKind::Text), ("user_id", KeyKind::Uuid)],
        );
        assert_eq!(
            pager.first,
            "SELECT session_id, user_id FROM chat_history ORDER BY session_id, user_id LIMIT 5000"
        );
        assert_eq!(
            pager.next,
            "SELECT session_id, user_id FROM chat_history WHERE (session_id, user_id) > ($1, $2) \
             ORDER BY session_id, user_id LIMIT 5000"
        );
        assert_eq!(
            ms("paid_at"),
            "CASE WHEN isfinite(paid_at) THEN (EXTRACT(EPOCH FROM paid_at) * 1000)::BIGINT END \
             AS paid_at"
        );
    }
}
