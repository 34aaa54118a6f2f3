//! `napalmsky replay`: offline, push a data directory into Postgres: the pending outbox
//! (default) or every record (`--full`, deleting mirror rows the store no longer has);
//! `--verify` compares both sides; `--dry-run` only reports.

mod full;
mod progress;

use anyhow::{Context, bail};
use tokio_postgres::Client;

use super::offline::with_offline_store;
use super::{TableComparison, compare, connect, drain_once, migrate};
use crate::cli::ReplayArgs;
use crate::store::Store;
use full::push_everything;
use progress::Progress;

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    pub outbox_entries: usize,
    pub rows_written: usize,
    /// Rows Postgres refused as data (see `sync::write`).
    pub rows_rejected: usize,
    pub rows_deleted: u64,
    pub differences: Vec<String>,
}

/// `napalmsky replay` from `main`.
pub fn run_blocking(args: ReplayArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(replay(&args))?;
    eprintln!(
        "replay: {} outbox entries, {} rows written, {} refused by postgres, {} mirror rows deleted",
        report.outbox_entries, report.rows_written, report.rows_rejected, report.rows_deleted
    );
    if !report.differences.is_empty() {
        for difference in &report.differences {
            eprintln!("DIFFERENCE {difference}");
        }
        bail!("the mirror differs from the data directory");
    }
    Ok(())
}

pub async fn replay(args: &ReplayArgs) -> anyhow::Result<ReplayReport> {
    let why = "replay works offline: stop the server first";
    with_offline_store(&args.data_dir, why, async |store| run(store, args).await).await
}

async fn run(store: &Store, args: &ReplayArgs) -> anyhow::Result<ReplayReport> {
    let mut client = connect(&args.postgres_url)
        .await
        .context("connecting to postgres")?;
    let mut report = ReplayReport::default();
    let depth = store.health()?.outbox_depth;
    if args.dry_run {
        eprintln!("dry run: {depth} outbox entries pending; nothing written");
    } else {
        migrate(&mut client).await?;
        if args.full {
            push_everything(store, &mut client, args.batch_size, &mut report).await?;
        } else {
            push_outbox(store, &mut client, args.batch_size, depth, &mut report).await?;
        }
    }
    if args.verify {
        let comparisons = compare(store, &client).await?;
        print_comparisons(&comparisons);
        report.differences = comparisons
            .iter()
            .filter(|c| !c.matches())
            .map(|c| {
                format!(
                    "{}: store {} rows (checksum {}), mirror {} rows (checksum {})",
                    c.table, c.store_rows, c.store_checksum, c.mirror_rows, c.mirror_checksum
                )
            })
            .collect();
    }
    Ok(report)
}

fn print_comparisons(comparisons: &[TableComparison]) {
    for c in comparisons {
        eprintln!(
            "{:<20} store {:>9} mirror {:>9} {}",
            c.table,
            c.store_rows,
            c.mirror_rows,
            if c.matches() { "ok" } else { "DIFFERENT" }
        );
    }
}

async fn push_outbox(
    store: &Store,
    client: &mut Client,
    batch: usize,
    depth: u64,
    report: &mut ReplayReport,
) -> anyhow::Result<()> {
    let progress = Progress::new("outbox", depth);
    loop {
        let drained = drain_once(store, client, batch).await?;
        if drained.entries == 0 {
            break;
        }
        report.outbox_entries += drained.entries;
        report.rows_written += drained.rows;
        report.rows_rejected += drained.rejected;
        progress.advance(drained.entries as u64, report.outbox_entries as u64, depth);
    }
    progress.finish();
    Ok(())
}
