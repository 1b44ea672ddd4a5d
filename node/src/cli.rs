//! The command line of `alys-node`.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

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
    /// Ask a running node through its admin API: status, history, reload, rollback, confirm.
    Ctl(CtlArgs),
}

/// Where the configuration comes from; shared by every subcommand that loads one.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// A TOML config file; repeat to layer several (later files win).
    #[arg(long = "config", short = 'c', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A config file that may not exist yet: skipped while absent, loaded (and, in a running
    /// node, reloaded) once it appears; repeatable, laid after every `--config` file.
    #[arg(long = "config-optional", value_name = "FILE")]
    pub optional_files: Vec<PathBuf>,
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

/// Arguments of `alys-node ctl`.
#[derive(Debug, Clone, Args)]
pub struct CtlArgs {
    /// The running node's data directory, where it leaves `admin.addr` and `admin.token`.
    #[arg(long, value_name = "DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Print the server's reply as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to ask.
    #[command(subcommand)]
    pub command: CtlCommand,
}

/// `alys-node ctl ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum CtlCommand {
    /// Revision, each actor's health, the last reload and any pending confirmation.
    Status,
    /// One line per recorded event: offset, time, kind, summary.
    History(HistoryArgs),
    /// Read the config files again and apply what changed.
    Reload {
        /// Roll back by itself unless `ctl confirm` follows within this long, e.g. `5m`.
        #[arg(long, value_name = "DURATION")]
        confirm_within: Option<String>,
    },
    /// Go back to an earlier configuration.
    #[command(group(ArgGroup::new("target").required(true).args(["to", "steps"])))]
    Rollback {
        /// The config active at this log offset.
        #[arg(long, value_name = "OFFSET")]
        to: Option<u64>,
        /// This many revisions back (1 is the previous one).
        #[arg(long, value_name = "N")]
        steps: Option<u32>,
    },
    /// Keep the revision applied with `--confirm-within`.
    Confirm,
    /// Print the effective configuration active at an offset (default: now).
    ConfigAt {
        /// The log offset; the head when absent.
        offset: Option<u64>,
    },
    /// Key-level diff between the configurations active at two offsets.
    Diff {
        /// The older offset.
        a: u64,
        /// The newer offset.
        b: u64,
    },
}

/// Arguments of `alys-node ctl history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// First offset, inclusive.
    #[arg(long, value_name = "N")]
    pub from: Option<u64>,
    /// Last offset, inclusive.
    #[arg(long, value_name = "N")]
    pub to: Option<u64>,
    /// Only kinds whose name starts with this (`reload` matches reload_requested, reload_applied
    /// and reload_rejected; `actor` the actor kinds).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// At most this many events, the latest of the range (server default 100).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}
