//! The command line of `alys-log`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Inspect, verify and replay an Alys node's event log; works while the node runs.
#[derive(Debug, Parser)]
#[command(name = "alys-log", version, about)]
pub(crate) struct Cli {
    /// The node's data directory (the log is `<DIR>/eventlog`).
    #[arg(long, value_name = "DIR", default_value = "./data", global = true)]
    pub(crate) data_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List events as a table, or as JSON lines with --json.
    Inspect {
        /// Only kinds whose name starts with this (`actor` matches actor_lifecycle and
        /// actor_snapshot).
        #[arg(long)]
        kind: Option<String>,
        /// First offset to list; past the newest event is an error.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Last offset to list (inclusive).
        #[arg(long)]
        to: Option<u64>,
        /// One JSON object per event per line.
        #[arg(long)]
        json: bool,
    },
    /// Check the hash chain; exits 1 and names the first bad offset on any break.
    Verify,
    /// Print one event in full, as JSON.
    Show {
        /// The offset.
        offset: u64,
    },
    /// Key-level diff of the configurations active at two offsets.
    Diff {
        /// The earlier offset.
        from: u64,
        /// The later offset.
        to: u64,
    },
    /// Every change of one key across the log's config revisions: offset, time, old and new
    /// value (redacted if secret), and the layer and source that set it.
    Audit {
        /// Dotted key path, e.g. `network.max_peers`.
        key: String,
    },
    /// The state rebuilt from the log up to an offset: the active configuration and each
    /// actor's last lifecycle change, restarts and latest snapshot.
    Replay {
        /// Last offset to fold in (inclusive); the newest event when absent. Past the newest
        /// event is an error.
        #[arg(long)]
        to: Option<u64>,
        /// One JSON object instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// Print the configuration active at an offset, as TOML.
    ConfigAt {
        /// The offset.
        offset: u64,
    },
}
