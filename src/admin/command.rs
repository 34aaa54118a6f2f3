//! `napalmsky admin ...`: the operator's commands for admin accounts and grants. They open
//! the data directory themselves (no server may hold it), print what they did on stdout and
//! fail with a message and a non-zero exit. Passwords, hashes and tokens are never printed;
//! an email only inside a message about the one the operator typed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, bail};

use super::password_input::new_password;
use super::{
    add_account, change_password, grant_user, list_accounts, list_grants, remove_account,
    revoke_user,
};
use crate::accounts::{PasswordHasher, id_string};
use crate::cli::{AdminArgs, AdminCommand, AdminPasswordArgs};
use crate::clock::{Clock, Millis, SystemClock};
use crate::store::{Store, StoreError};

/// Longest `--note` kept with a grant.
const MAX_NOTE_CHARS: usize = 200;

/// `napalmsky admin` from `main`.
pub fn run_blocking(args: AdminArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args.command))
}

async fn run(command: AdminCommand) -> anyhow::Result<()> {
    let store = open(command.data_dir())?;
    let result = execute(&store, command).await;
    // Closing lets the writer finish: when the command returns, its change is on disk.
    store.close().await;
    result
}

/// Opens the data directory; one a running server holds is refused with what to do.
fn open(dir: &Path) -> anyhow::Result<Store> {
    let clock = Arc::new(SystemClock);
    match Store::open(dir, 1, 1, Duration::from_secs(1), clock) {
        Ok(store) => Ok(store),
        Err(StoreError::Locked(_)) => bail!(
            "the data directory {} is in use by a running napalmsky server; stop it first \
             (the admin commands work on a stopped data directory)",
            dir.display()
        ),
        Err(e) => Err(e).with_context(|| format!("opening {}", dir.display())),
    }
}

async fn execute(store: &Store, command: AdminCommand) -> anyhow::Result<()> {
    let now = SystemClock.now_ms();
    match command {
        AdminCommand::Add(args) => {
            let (hasher, password) = hashing(&args)?;
            let username = add_account(store, &hasher, &args.user.username, password, now)
                .await
                .context("admin add")?;
            println!("admin account '{username}' created");
        }
        AdminCommand::Passwd(args) => {
            let (hasher, password) = hashing(&args)?;
            let ended = change_password(store, &hasher, &args.user.username, password, now)
                .await
                .context("admin passwd")?;
            println!(
                "password of '{}' changed; {ended} session(s) ended",
                args.user.username.to_ascii_lowercase()
            );
        }
        AdminCommand::Remove(args) => {
            let ended = remove_account(store, &args.username)
                .await
                .context("admin remove")?;
            println!(
                "admin account '{}' removed; {ended} session(s) ended",
                args.username.to_ascii_lowercase()
            );
        }
        AdminCommand::List(_) => print_list(store)?,
        AdminCommand::GrantUser(args) => {
            let note = args.note.trim();
            if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(char::is_control) {
                bail!("admin grant-user: --note must be at most 200 printable characters");
            }
            let granted = grant_user(store, &args.user.email, note.to_owned(), now)
                .await
                .with_context(|| format!("admin grant-user {}", args.user.email.trim()))?;
            let user = id_string(&granted.user_id);
            if granted.already {
                println!("user {user} already holds admin rights");
            } else {
                println!("granted admin rights to user {user}");
            }
        }
        AdminCommand::RevokeUser(args) => {
            let user_id = revoke_user(store, &args.email)
                .await
                .with_context(|| format!("admin revoke-user {}", args.email.trim()))?;
            println!("revoked admin rights of user {}", id_string(&user_id));
        }
    }
    Ok(())
}

/// The hasher with the command's Argon2id parameters, and the password the operator gives.
fn hashing(args: &AdminPasswordArgs) -> anyhow::Result<(PasswordHasher, String)> {
    let hasher = PasswordHasher::new(1, args.argon2_memory_kib, args.argon2_iterations)?;
    Ok((hasher, new_password()?))
}

fn print_list(store: &Store) -> anyhow::Result<()> {
    let accounts = list_accounts(store)?;
    println!("admin accounts: {}", accounts.len());
    for account in &accounts {
        println!(
            "  {}  created {}  updated {}",
            account.username,
            timestamp(account.created_at),
            timestamp(account.updated_at)
        );
    }
    let grants = list_grants(store)?;
    println!("granted users: {}", grants.len());
    let reader = store.read()?;
    for grant in &grants {
        let name = reader.with_user(&grant.user_id, |u| u.name.as_str().to_owned())?;
        println!(
            "  {}  {}  granted {} by {:?}",
            id_string(&grant.user_id),
            name.map_or_else(|| "(user gone)".to_owned(), |n| format!("{n:?}")),
            timestamp(grant.granted_at),
            grant.granted_by
        );
    }
    Ok(())
}

/// RFC 3339 in UTC, to the second.
fn timestamp(at: Millis) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(at).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}
