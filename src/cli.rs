//! The command line: `napalmsky serve` (later: `replay`, `import`, `admin`).

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "napalmsky",
    version,
    about = "Napalm Sky backend: one binary, one data directory"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP and realtime server.
    Serve(Box<Config>),
}
