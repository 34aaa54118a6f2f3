use clap::Parser;
use napalmsky::cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    napalmsky::server::init_tracing();
    match cli.command {
        Command::Serve(config) => napalmsky::server::serve_blocking(*config),
        Command::Replay(args) => napalmsky::sync::replay::run_blocking(args),
        Command::Import(args) => napalmsky::sync::import::run_blocking(args),
        Command::Admin(args) => napalmsky::admin::command::run_blocking(args),
        Command::Backup(args) => napalmsky::backup::run_backup_blocking(args),
        Command::Restore(args) => napalmsky::backup::run_restore_blocking(args),
    }
}
