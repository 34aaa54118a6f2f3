//! `napalmsky replay`: offline, push a data directory into Postgres: the pending outbox
//! (default) or every record (`--full`, deleting mirror rows the store no longer has);
//! `--verify` compares both sides; `--dry-run` only reports.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_postgres::Client;
use uuid::Uuid;

use super::mirror::Rows;
use super::offline::open_offline;
use super::write::write_records;
use super::{TableComparison, compare, connect, drain_once, migrate};
use crate::cli::ReplayArgs;
use crate::store::{Current, Store};

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

/// Progress on a terminal as a bar, otherwise as plain lines.
struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
}

impl Progress {
    fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec})")
            {
                bar.set_style(style);
            }
            bar.set_message(label);
            bar
        });
        Self { bar, label }
    }

    fn advance(&self, by: u64, done: u64, total: u64) {
        match &self.bar {
            Some(bar) => bar.inc(by),
            None => eprintln!("{}: {done}/{total}", self.label),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
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
    let store = open_offline(
        &args.data_dir,
        "replay works offline: stop the server first",
    )?;
    let result = run(&store, args).await;
    store.close().await;
    result
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

/// Keys of every record, per mirrored table, for deleting what the store no longer has.
#[derive(Default)]
struct Keys {
    users: Vec<Uuid>,
    sessions: Vec<Uuid>,
    history: (Vec<String>, Vec<Uuid>),
    completions: (Vec<Uuid>, Vec<Uuid>),
    cooldowns: (Vec<Uuid>, Vec<Uuid>),
}

impl Keys {
    fn add(&mut self, current: &Current) {
        let id = |bytes: &[u8; 16]| Uuid::from_bytes(*bytes);
        match current {
            Current::User(u) => self.users.push(id(&u.id)),
            Current::Session(s) => self.sessions.push(id(&s.token)),
            Current::History(h) => {
                self.history.0.push(h.session_id.clone());
                self.history.1.push(id(&h.user_id));
            }
            Current::Completion(c) => {
                self.completions.0.push(id(&c.user_id));
                self.completions.1.push(id(&c.room_id));
            }
            Current::Cooldown(c) => {
                self.cooldowns.0.push(id(&c.a));
                self.cooldowns.1.push(id(&c.b));
            }
            Current::Deleted(..) => {}
        }
    }
}

async fn push_everything(
    store: &Store,
    client: &mut Client,
    batch: usize,
    report: &mut ReplayReport,
) -> anyhow::Result<()> {
    let health = store.health()?;
    let total = health.users + health.sessions;
    let progress = Progress::new("records", total);
    let reader = store.read()?;
    let last_seq = reader.outbox_batch(usize::MAX)?.last().map(|(seq, _)| *seq);
    let mut keys = Keys::default();
    let mut pending: Vec<Current> = Vec::new();
    reader.all_records(|current| {
        keys.add(&current);
        pending.push(current);
        Ok(())
    })?;
    drop(reader);
    let mut done = 0;
    let mut pending = pending.into_iter().peekable();
    while pending.peek().is_some() {
        let mut rows = Rows::default();
        let mut in_chunk = 0;
        for current in pending.by_ref().take(batch.max(1)) {
            rows.add(current);
            in_chunk += 1;
        }
        let written = write_records(client, rows, true).await?;
        report.rows_written += written.rows;
        report.rows_rejected += written.rejected;
        done += in_chunk;
        progress.advance(in_chunk as u64, done as u64, total);
    }
    progress.finish();
    report.rows_deleted = delete_missing(client, &keys).await?;
    if let Some(last) = last_seq {
        // Everything up to here is in the mirror now: those outbox entries are done.
        let seqs: Vec<u64> = store
            .read()?
            .outbox_batch(usize::MAX)?
            .into_iter()
            .map(|(seq, _)| seq)
            .filter(|seq| *seq <= last)
            .collect();
        report.outbox_entries = store.write(move |tx| tx.remove_outbox(&seqs)).await?;
    }
    Ok(())
}

/// Deletes mirror rows whose record the store does not have; returns how many.
async fn delete_missing(client: &mut Client, keys: &Keys) -> anyhow::Result<u64> {
    let txn = client.transaction().await?;
    let mut deleted = 0;
    deleted += txn
        .execute(
            "DELETE FROM sessions WHERE NOT (session_token = ANY($1))",
            &[&keys.sessions],
        )
        .await?;
    deleted += txn
        .execute(
            "DELETE FROM chat_history h WHERE NOT EXISTS (
                SELECT 1 FROM UNNEST($1::text[], $2::uuid[]) AS k(s, u)
                WHERE k.s = h.session_id AND k.u = h.user_id)",
            &[&keys.history.0, &keys.history.1],
        )
        .await?;
    // Tables keyed by a pair of ids: (table, first key column, second key column, keys).
    let pair_tables = [
        (
            "session_completions",
            "user_id",
            "room_id",
            &keys.completions,
        ),
        ("cooldowns", "user_id_1", "user_id_2", &keys.cooldowns),
    ];
    for (table, first, second, (a, b)) in pair_tables {
        let sql = format!(
            "DELETE FROM {table} t WHERE NOT EXISTS (
                SELECT 1 FROM UNNEST($1::uuid[], $2::uuid[]) AS k(a, b)
                WHERE k.a = t.{first} AND k.b = t.{second})"
        );
        deleted += txn.execute(&sql, &[a, b]).await?;
    }
    deleted += txn
        .execute(
            "DELETE FROM users WHERE NOT (user_id = ANY($1))",
            &[&keys.users],
        )
        .await?;
    txn.commit().await?;
    Ok(deleted)
}
