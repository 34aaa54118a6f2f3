//! `napalmsky import --from-postgres URL`: one-time migration of an original Napalm Sky
//! database (the original's schema, `sql/001_original.sql` without our 002) into a new data
//! directory.
//!
//! - Refuses a data directory that already holds a user or that a running server holds.
//! - Reads the source inside one read-only REPEATABLE READ transaction (a consistent snapshot
//!   even if the original server still runs), a page of 5,000 rows at a time by primary key.
//! - Writes through `Store::write` in batches of 1,000 records, so each change is also in the
//!   outbox and a server started with `--postgres-url` mirrors everything.
//! - users, sessions (unexpired; active flag and expiry kept), chat_history, session_completions
//!   and cooldowns (unexpired), reports, ban records and IP bans become records; a
//!   temporary/permanent ban record also fills its user's missing ban fields; tables the store
//!   has no record for yet are counted and reported.
//! - A row that breaks a rule is skipped or imported with a change, and either way reported
//!   with its key and reason: nothing is dropped silently.
//!
//! The source URL is never printed (it may hold a password).

mod convert;
mod moderation;
mod paywall;
mod report;
mod source;
mod tables;

use anyhow::{Context, bail};
use tokio_postgres::IsolationLevel;

pub use report::{ImportReport, Problem, TableReport};

use super::connect;
use super::offline::with_offline_store;
use crate::cli::ImportArgs;
use crate::clock::{Clock, SystemClock};
use crate::store::Store;

/// No single page or count should take this long, but a big, busy source may be slow.
const SOURCE_STATEMENT_TIMEOUT: &str = "15min";

/// `napalmsky import` from `main`: runs the import, prints the report to stderr. Fails (exit
/// status non-zero) only when the import could not run or stopped part way.
pub fn run_blocking(args: ImportArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(import(&args))?;
    eprint!("{report}");
    let (read, imported, skipped) = report.tables.iter().fold((0, 0, 0), |acc, t| {
        (
            acc.0 + t.read,
            acc.1 + t.imported,
            acc.2 + t.skipped_total(),
        )
    });
    eprintln!(
        "import finished into {}: {read} rows read, {imported} imported, {skipped} not imported \
         (see above); start the server on it",
        args.data_dir.display()
    );
    Ok(())
}

/// Imports the source database into `args.data_dir` and reports what happened to each table.
pub async fn import(args: &ImportArgs) -> anyhow::Result<ImportReport> {
    let why = "import fills a new data directory that no server holds";
    with_offline_store(&args.data_dir, why, async |store| run(store, args).await).await
}

async fn run(store: &Store, args: &ImportArgs) -> anyhow::Result<ImportReport> {
    let users = store.health()?.users;
    if users > 0 {
        bail!(
            "{} already holds {users} users; import only fills a new data directory (choose \
             another one, or remove this one if it is a failed import)",
            args.data_dir.display()
        );
    }
    let mut client = connect(&args.from_postgres)
        .await
        .context("connecting to the source database")?;
    let src = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .context("starting a read-only snapshot of the source database")?;
    src.batch_execute(&format!(
        "SET LOCAL statement_timeout = '{SOURCE_STATEMENT_TIMEOUT}'"
    ))
    .await?;
    let present = source::tables(&src).await?;
    if !present.contains("users") {
        bail!("the source database has no users table: is it the original Napalm Sky database?");
    }
    let now = SystemClock.now_ms();
    let report = tables::Importer::new(store, &src, now, present)
        .run()
        .await
        .with_context(|| {
            format!(
                "the import stopped part way; remove {} before trying again",
                args.data_dir.display()
            )
        })?;
    // Read-only: nothing to commit.
    src.rollback().await?;
    Ok(report)
}
