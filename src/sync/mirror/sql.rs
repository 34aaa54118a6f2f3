//! The SQL of a mirrored table, generated from its column list (`columns.rs`): the UNNEST
//! upsert guarded by `sync_version`, the delete by key, the `--verify` checksum, and the
//! statements `replay --full` uses to delete rows the store no longer has.

use super::columns::{Column, KeyPart, Mirrored, Param, PgType, Role, table};

/// A statement and the array parameters it takes.
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
}

fn names<R>(columns: impl Iterator<Item = &'static Column<R>>) -> Vec<&'static str>
where
    R: 'static,
{
    columns.map(|c| c.name).collect()
}

fn key_columns<R: Mirrored>() -> impl Iterator<Item = &'static Column<R>> {
    table::<R>().columns.iter().filter(|c| c.role == Role::Key)
}

/// `$1::uuid[], $2::text[], ...`
fn unnest_params<R: 'static>(columns: impl Iterator<Item = &'static Column<R>>) -> String {
    columns
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.ty.array()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The unnested value `r.<name>` as the column's value.
fn select(column: &Column<impl Sized>) -> String {
    let value = format!("r.{}", column.name);
    match column.ty {
        PgType::Timestamp => format!("to_timestamp({value} / 1000.0) AT TIME ZONE 'UTC'"),
        PgType::Inet => format!("{value}::inet"),
        _ => value,
    }
}

/// `a.k1 = b.k1 AND a.k2 = b.k2` over the key columns.
fn key_match<R: Mirrored>(a: &str, b: &str) -> String {
    key_columns::<R>()
        .map(|c| match c.ty {
            // The unnested side is text: compared as addresses, not as strings.
            PgType::Inet => format!("{a}.{0}::inet = {b}.{0}::inet", c.name),
            _ => format!("{a}.{0} = {b}.{0}", c.name),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `newer` is `<` (apply only newer changes) or `<=` (also equal ones: `replay --full`
/// repairing a mirror edited by hand).
pub(crate) fn upsert_sql<R: Mirrored>(newer: &str) -> String {
    let columns = &table::<R>().columns;
    let all = names(columns.iter()).join(", ");
    let selects: Vec<String> = columns.iter().map(select).collect();
    let keys = names(key_columns::<R>()).join(", ");
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| c.role == Role::Updated)
        .map(|c| format!("{0} = EXCLUDED.{0}", c.name))
        .collect();
    format!(
        "INSERT INTO {table} ({all})\n\
         SELECT {selects}\n\
         FROM UNNEST({params}) AS r({all})\n\
         ON CONFLICT ({keys}) DO UPDATE SET {updates}\n\
         WHERE {table}.sync_version {newer} EXCLUDED.sync_version",
        table = table::<R>().name,
        selects = selects.join(", "),
        params = unnest_params(columns.iter()),
        updates = updates.join(", "),
    )
}

pub(crate) fn upsert<R: Mirrored>(rows: &[R], newer: &str) -> Statement {
    Statement {
        sql: upsert_sql::<R>(newer),
        params: table::<R>()
            .columns
            .iter()
            .map(|c| c.values(rows))
            .collect(),
    }
}

pub(crate) fn delete_sql<R: Mirrored>() -> String {
    format!(
        "DELETE FROM {table} t USING UNNEST({params}) AS d({keys}) WHERE {matches}",
        table = table::<R>().name,
        params = unnest_params(key_columns::<R>()),
        keys = names(key_columns::<R>()).join(", "),
        matches = key_match::<R>("t", "d"),
    )
}

/// One array per key column, from keys of one part per key column.
pub(crate) fn key_arrays<R: Mirrored>(keys: &[Vec<KeyPart>]) -> Vec<Param> {
    key_columns::<R>()
        .enumerate()
        .map(|(i, column)| -> Param {
            let parts = keys.iter().filter_map(|key| key.get(i));
            match column.ty {
                PgType::Uuid => Box::new(
                    parts
                        .filter_map(|p| match p {
                            KeyPart::Uuid(v) => Some(*v),
                            KeyPart::Text(_) => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => Box::new(
                    parts
                        .filter_map(|p| match p {
                            KeyPart::Text(v) => Some(v.clone()),
                            KeyPart::Uuid(_) => None,
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect()
}

pub(crate) fn delete<R: Mirrored>(keys: &[Vec<KeyPart>]) -> Statement {
    Statement {
        sql: delete_sql::<R>(),
        params: key_arrays::<R>(keys),
    }
}

/// The column in `--verify`'s row text, written as the store side writes it.
fn verify_expression(column: &Column<impl Sized>) -> String {
    let name = column.name;
    let text = match column.ty {
        PgType::Uuid => format!("{name}::text"),
        PgType::Bool => format!("(CASE WHEN {name} THEN '1' ELSE '0' END)"),
        // `host` drops the prefix length `::text` would add (`203.0.113.7/32`).
        PgType::Inet => format!("host({name})"),
        _ => name.to_owned(),
    };
    // NULL as empty, as the store side writes `None`: one NULL would make the whole row
    // text NULL, and the row would drop out of the sum.
    if column.nullable || column.ty == PgType::Inet {
        format!("coalesce({text}, '')")
    } else {
        text
    }
}

/// Row count and checksum of the mirror table (see `verify.rs` for the checksum).
pub(crate) fn checksum_sql<R: Mirrored>() -> String {
    let row = table::<R>()
        .columns
        .iter()
        .filter(|c| c.verified)
        .map(verify_expression)
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    format!(
        "SELECT count(*)::int8, coalesce(sum(('x' || substr(md5({row}), 1, 15))::bit(60)::int8::numeric), 0)::text FROM {}",
        table::<R>().name
    )
}

// ---- replay --full: the keys the store has, then delete the rest -------------------------------

/// The session's temporary table of the keys `replay --full` has seen.
fn kept_table<R: Mirrored>() -> String {
    format!("napalmsky_kept_{}", table::<R>().name)
}

pub(crate) fn create_kept_sql<R: Mirrored>() -> String {
    format!(
        "CREATE TEMP TABLE IF NOT EXISTS {kept} AS SELECT {keys} FROM {table} WITH NO DATA;\n\
         TRUNCATE {kept}",
        kept = kept_table::<R>(),
        keys = names(key_columns::<R>()).join(", "),
        table = table::<R>().name,
    )
}

/// The keys arrive as the upsert's arrays do (an address as text), so they are selected the
/// way the upsert selects them: the kept table has the mirror table's column types.
pub(crate) fn insert_kept<R: Mirrored>(keys: &[Vec<KeyPart>]) -> Statement {
    let selects: Vec<String> = key_columns::<R>().map(select).collect();
    Statement {
        sql: format!(
            "INSERT INTO {} SELECT {} FROM UNNEST({}) AS r({})",
            kept_table::<R>(),
            selects.join(", "),
            unnest_params(key_columns::<R>()),
            names(key_columns::<R>()).join(", ")
        ),
        params: key_arrays::<R>(keys),
    }
}

pub(crate) fn delete_unkept_sql<R: Mirrored>() -> String {
    format!(
        "DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {kept} k WHERE {matches})",
        table = table::<R>().name,
        kept = kept_table::<R>(),
        matches = key_match::<R>("k", "t"),
    )
}

pub(crate) fn drop_kept_sql<R: Mirrored>() -> String {
    format!("DROP TABLE IF EXISTS {}", kept_table::<R>())
}
