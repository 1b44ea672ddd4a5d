//! The command line of `alys-node`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Alys node control plane.
#[derive(Debug, Parser)]
#[command(name = "alys-node", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the node until SIGINT or SIGTERM.
    Run(RunArgs),
    /// Validate or print a configuration without running the node.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Where the configuration comes from; shared by every subcommand that loads one.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// A TOML config file; repeat to layer several (later files win).
    #[arg(long = "config", short = 'c', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Override one key, e.g. `--set network.max_peers=10`; repeatable, highest precedence.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// The environment whose file sections apply (development, testing, staging, production).
    #[arg(long, value_name = "ENV")]
    pub environment: Option<String>,
}

/// Arguments of `alys-node run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Configuration sources.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Data directory; overrides `system.data_dir` (default `./data`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Accept `inject` requests on `<data_dir>/control.sock` (supervision drills and tests).
    #[arg(long, hide = true)]
    pub fault_injection: bool,
}

/// `alys-node config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate; print every finding. Exits 78 when the config is unusable.
    Check(ConfigArgs),
    /// Print the effective configuration with secrets redacted.
    Show(ShowArgs),
}

/// Arguments of `alys-node config show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Configuration sources.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print each key with the layer and source that set it.
    #[arg(long)]
    pub origin: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Toml)]
    pub format: Format,
}

/// Output formats of `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// TOML that loads again to the same config.
    Toml,
    /// Pretty-printed JSON.
    Json,
}
