//! What each `alys-node` subcommand does; the binary's `main` only parses and dispatches here.

mod config;
mod ctl;
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
        // ctl has exit statuses of its own (1: the reload failed, 2: no answer) and prints its
        // errors itself.
        Command::Ctl(args) => return ctl::ctl(&args),
        Command::Run(args) => run::run(&args),
        Command::Config(ConfigCommand::Check(args)) => config::check(&args),
        Command::Config(ConfigCommand::Show(args)) => config::show(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {}", with_causes(&error));
            ExitCode::from(error.exit_code())
        }
    }
}

/// An error's message followed by each cause it does not already quote.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// One finding as `config check` and a refused `run` print it: the finding, then where its key
/// was set when that was not the built-in defaults (`alys.toml:12:1`, `$ALYS_NETWORK__MAX_PEERS`,
/// `--set ...`), so that the line to fix is named.
pub(crate) fn finding_line(
    finding: &alys_config::validate::Finding,
    provenance: &alys_config::load::Provenance,
) -> String {
    let origin = provenance.origin(&finding.key);
    match origin.layer {
        alys_config::load::Layer::Default => finding.to_string(),
        _ => format!("{finding} (set at {})", origin.source),
    }
}

/// Loads the configuration the arguments describe, reading this process's environment.
pub fn load_config(args: &ConfigArgs) -> Result<Loaded, NodeError> {
    load_config_with(args, Vec::new())
}

/// Like [`load_config`], with dedicated options that set keys, as (option, key, value).
pub fn load_config_with(
    args: &ConfigArgs,
    option_sets: Vec<(String, String, String)>,
) -> Result<Loaded, NodeError> {
    let options = LoadOptions {
        files: args.files.clone(),
        optional_files: args.optional_files.clone(),
        environment: args.environment.clone(),
        sets: args.sets.clone(),
        option_sets,
        ..LoadOptions::with_process_env()
    };
    Ok(load(&options)?)
}
