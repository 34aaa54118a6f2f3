//! The Postgres schema: versioned, idempotent migrations applied at startup (and by `replay`).

use tokio_postgres::Client;

use super::SyncError;

/// (version, what it does, SQL). Append only: an applied migration is never edited.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "the original tables",
        include_str!("sql/001_original.sql"),
    ),
    (
        2,
        "mirror fixes: chat_history per participant, sync versions",
        include_str!("sql/002_mirror.sql"),
    ),
    (
        3,
        "the users' recorded addresses",
        include_str!("sql/003_user_ips.sql"),
    ),
    (
        4,
        "reports, ban records and IP bans mirrored",
        include_str!("sql/004_moderation.sql"),
    ),
    (
        5,
        "invite codes with their uses, processed payment events",
        include_str!("sql/005_paywall.sql"),
    ),
    (
        6,
        "referral notifications mirrored, intro codes",
        include_str!("sql/006_referrals.sql"),
    ),
];

/// Creates or upgrades the schema. Each migration runs in its own transaction with its
/// version row, under an advisory lock so two processes never migrate at once.
pub async fn migrate(client: &mut Client) -> Result<i32, SyncError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS napalmsky_schema_version (
                 version INT PRIMARY KEY,
                 description TEXT NOT NULL,
                 applied_at TIMESTAMP NOT NULL DEFAULT NOW()
             )",
        )
        .await?;
    let mut applied = current_version(client).await?;
    for (version, description, sql) in MIGRATIONS {
        if *version <= applied {
            continue;
        }
        let txn = client.transaction().await?;
        txn.execute("SELECT pg_advisory_xact_lock(727274)", &[])
            .await?;
        let already: Option<i32> = txn
            .query_opt(
                "SELECT version FROM napalmsky_schema_version WHERE version = $1",
                &[version],
            )
            .await?
            .map(|row| row.get(0));
        if already.is_none() {
            txn.batch_execute(sql).await?;
            txn.execute(
                "INSERT INTO napalmsky_schema_version (version, description) VALUES ($1, $2)",
                &[version, description],
            )
            .await?;
            tracing::info!(version, description, "postgres schema migrated");
        }
        txn.commit().await?;
        applied = *version;
    }
    Ok(applied)
}

pub async fn current_version(client: &Client) -> Result<i32, SyncError> {
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM napalmsky_schema_version",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}
