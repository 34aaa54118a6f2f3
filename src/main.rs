use clap::Parser;
use napalmsky::cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    napalmsky::server::init_tracing();
    match cli.command {
        Command::Serve(config) => napalmsky::server::serve_blocking(*config),
    }
}
