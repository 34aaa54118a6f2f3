//! One reader per source table: page through it, convert each row, check what it refers to
//! exists in the store, and write the records in batches through `Store::write` (which also
//! fills the outbox, so the mirror sync copies them later).
//!
//! Each table is one file describing its columns, its row conversion and checks, and its
//! writes (see `table.rs`); `paging.rs` is the one loop that runs them.

mod ban_records;
mod chat_history;
mod cooldowns;
mod counted;
mod invite_codes;
mod ip_bans;
mod paging;
mod referral_notifications;
mod reports;
mod session_completions;
mod sessions;
mod table;
mod user_ips;
mod users;

use std::collections::HashSet;

use anyhow::Context;
use tokio_postgres::Transaction;

use super::report::ImportReport;
use crate::clock::Millis;
use crate::store::Store;
use counted::COUNTED_ONLY;
use table::Import;

pub(super) struct Importer<'a, 't> {
    import: Import<'a, 't>,
}

impl<'a, 't> Importer<'a, 't> {
    pub(super) fn new(
        store: &'a Store,
        src: &'a Transaction<'t>,
        now: Millis,
        present: HashSet<String>,
    ) -> Self {
        Self {
            import: Import {
                store,
                src,
                now,
                present,
                report: ImportReport::default(),
            },
        }
    }

    /// Every table, in an order where what a row refers to is imported before it.
    pub(super) async fn run(self) -> anyhow::Result<ImportReport> {
        let mut import = self.import;
        users::import(&mut import).await?;
        sessions::import(&mut import).await?;
        user_ips::import(&mut import).await?;
        chat_history::import(&mut import).await?;
        session_completions::import(&mut import).await?;
        cooldowns::import(&mut import).await?;
        reports::import(&mut import).await?;
        ban_records::import(&mut import).await?;
        invite_codes::import(&mut import).await?;
        referral_notifications::import(&mut import).await?;
        ip_bans::import(&mut import).await?;
        for (table, reason) in COUNTED_ONLY {
            import
                .count_only(table, reason)
                .await
                .with_context(|| format!("counting {table}"))?;
        }
        Ok(import.report)
    }
}
