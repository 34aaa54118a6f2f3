//! Tests against the real PostgreSQL: each test gets a fresh database, so tests never see
//! each other's rows. Where no server is reachable the test is skipped with the reason
//! printed; under `CI` it fails instead (`.ci/run` makes Postgres mandatory).

use tokio_postgres::NoTls;

/// The admin URL (any existing database; new ones are created from it).
pub fn admin_url() -> String {
    std::env::var("NAPALMSKY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new empty database and its URL, or `None` (skip) when Postgres is unreachable.
pub async fn fresh_database() -> Option<String> {
    let admin = admin_url();
    let client = match tokio_postgres::connect(&admin, NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("postgres is mandatory in CI but unreachable: {e}");
            }
            eprintln!("SKIPPED: no PostgreSQL reachable at NAPALMSKY_TEST_POSTGRES_URL ({e})");
            return None;
        }
    };
    let name = format!("napalmsky_test_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// A client for `url`.
pub async fn client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}
