//! One reader per source table: page through it, convert each row, check what it refers to
//! exists in the store, and write the records in batches through `Store::write` (which also
//! fills the outbox, so the mirror sync copies them later).
//!
//! Each table is one file describing its columns, its row conversion and checks, and its
//! writes (`table::SourceTable`); `paging.rs` is the one loop that runs them.

mod ban_records;
mod chat_history;
mod cooldowns;
mod counted;
mod paging;
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
use ban_records::BanRecords;
use chat_history::ChatHistory;
use cooldowns::Cooldowns;
use counted::COUNTED_ONLY;
use session_completions::SessionCompletions;
use sessions::Sessions;
use table::Import;
use user_ips::UserIps;
use users::Users;

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
        let users = Users::prepare(&import).await.context("importing users")?;
        import.table(users).await.context("importing users")?;
        import.table(Sessions).await.context("importing sessions")?;
        import
            .table(UserIps)
            .await
            .context("importing the recorded addresses")?;
        let history = ChatHistory::prepare(&import)
            .await
            .context("importing chat_history")?;
        import
            .table(history)
            .await
            .context("importing chat_history")?;
        import
            .table(SessionCompletions)
            .await
            .context("importing session_completions")?;
        import
            .table(Cooldowns)
            .await
            .context("importing cooldowns")?;
        import
            .table(BanRecords::default())
            .await
            .context("importing ban_records")?;
        for (table, reason) in COUNTED_ONLY {
            import
                .count_only(table, reason)
                .await
                .with_context(|| format!("counting {table}"))?;
        }
        Ok(import.report)
    }
}
