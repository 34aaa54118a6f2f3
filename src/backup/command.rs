//! `napalmsky backup` and `napalmsky restore` from `main`. Each prints a JSON summary on
//! stdout (counts and sizes, never record contents) and fails with a message and a non-zero
//! exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::json;

use super::client::ask_server_for_backup;
use super::deliver::{deliver, refuse_unless_empty};
use super::manifest::Manifest;
use super::restore::restore;
use super::stage::{clear_staging, now_ms, stage};
use crate::cli::{BackupArgs, RestoreArgs};
use crate::clock::SystemClock;
use crate::store::{DB_FILE, Store, StoreError};

/// `napalmsky backup`: through the running server's control socket, or directly from a
/// stopped data directory; then copied to `--to` and verified there.
pub fn run_backup_blocking(args: BackupArgs) -> anyhow::Result<()> {
    let to = std::path::absolute(&args.to)
        .with_context(|| format!("resolving {}", args.to.display()))?;
    refuse_unless_empty(&to)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (staged, via) = runtime.block_on(stage_anyhow(&args.data_dir))?;
    let manifest = deliver(&staged, &to).context("backup")?;
    print_summary("backup", &to, via, &manifest);
    Ok(())
}

async fn stage_anyhow(data_dir: &Path) -> anyhow::Result<(PathBuf, &'static str)> {
    if let Some(staged) = ask_server_for_backup(data_dir).await? {
        return Ok((staged, "server"));
    }
    if !data_dir.join(DB_FILE).is_file() {
        bail!("{} holds no napalmsky database", data_dir.display());
    }
    let clock = Arc::new(SystemClock);
    let store = match Store::open(data_dir, 1, 1, Duration::from_secs(1), clock) {
        Ok(store) => store,
        Err(StoreError::Locked(_)) => bail!(
            "the data directory {} is held by a running server that does not answer on its \
             control socket (started by an older build, or the socket was removed); restart it",
            data_dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("opening {}", data_dir.display())),
    };
    // Nobody else can be collecting a staged copy: this process holds the directory.
    clear_staging(data_dir);
    let staged = stage(data_dir, &store, (), now_ms());
    store.close().await;
    Ok((staged?, "direct"))
}

/// `napalmsky restore`: verifies the backup, refuses a data directory that holds anything,
/// copies, verifies the copy, renames it into place.
pub fn run_restore_blocking(args: RestoreArgs) -> anyhow::Result<()> {
    let manifest = restore(&args.from, &args.data_dir).context("restore")?;
    print_summary("restore", &args.data_dir, "direct", &manifest);
    Ok(())
}

fn print_summary(done: &str, path: &Path, via: &str, manifest: &Manifest) {
    let summary = json!({
        "ok": true,
        "done": done,
        "path": path.display().to_string(),
        "via": via,
        "createdAtMs": manifest.created_at_ms,
        "tables": manifest.tables.len(),
        "entries": manifest.total_entries(),
        "users": manifest.entries_of("users"),
        "sessions": manifest.entries_of("sessions"),
        "outbox": manifest.entries_of("outbox"),
        "databaseBytes": manifest.database.bytes,
        "uploads": manifest.uploads.len(),
        "uploadBytes": manifest.upload_bytes(),
        "verified": true,
    });
    println!("{summary}");
}
