//! `napalmsky import --from-postgres URL`: one-time migration of an original database.
//! (Being written.)

use crate::cli::ImportArgs;

pub fn run_blocking(args: ImportArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("import is not implemented yet")
}
