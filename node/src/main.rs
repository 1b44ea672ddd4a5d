//! The `alys-node` binary: parses the command line and hands over to [`alys_node::commands`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = alys_node::cli::Cli::parse();
    alys_node::commands::dispatch(cli)
}
