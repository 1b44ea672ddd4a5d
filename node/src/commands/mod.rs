//! What each `alys-node` subcommand does; the binary's `main` only parses and dispatches here.

mod config;
pub mod run;

use std::io::Write;
use std::process::ExitCode;

use alys_config::{load, LoadOptions, Loaded};

use crate::cli::{Cli, Command, ConfigArgs, ConfigCommand};
use crate::error::NodeError;

/// Runs the parsed command line and turns its outcome into an exit status. Errors are printed
/// once, here.
pub fn dispatch(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Config(ConfigCommand::Check(args)) => config::check(&args),
        Command::Config(ConfigCommand::Show(args)) => config::show(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Loads the configuration the arguments describe, reading this process's environment.
pub fn load_config(args: &ConfigArgs) -> Result<Loaded, NodeError> {
    let options = LoadOptions {
        files: args.files.clone(),
        environment: args.environment.clone(),
        sets: args.sets.clone(),
        ..LoadOptions::with_process_env()
    };
    Ok(load(&options)?)
}
