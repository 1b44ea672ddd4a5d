//! `[logging]`: log level, per-module levels, format and outputs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Log level, format and outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// Level for every target not in `modules`: trace, debug, info, warn, error or off.
    /// Default: info.
    pub level: String,
    /// Level per target, e.g. `alys_node::reload = "debug"`. Default: none.
    pub modules: BTreeMap<String, String>,
    /// Line format. Default: plain.
    pub format: LogFormat,
    /// Where lines go; every line goes to every output. Default: stdout only.
    pub outputs: Vec<LogOutput>,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".to_owned(),
            modules: BTreeMap::new(),
            format: LogFormat::Plain,
            outputs: vec![LogOutput::Stdout {}],
        }
    }
}

/// Line format of the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable text.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
    /// `key=value` pairs.
    Logfmt,
}

/// One log destination, written inline as `{ type = "file", path = "..." }`. Variants without
/// parameters have empty braces so that a stray key next to their `type` is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LogOutput {
    /// Standard output.
    Stdout {},
    /// Standard error.
    Stderr {},
    /// A file rotated by size.
    File {
        /// The log file; rotated files get a numeric suffix.
        path: PathBuf,
        /// Size in MiB at which the file is rotated. Default: 100.
        #[serde(default = "default_max_size_mb")]
        max_size_mb: u64,
        /// Rotated files kept. Default: 10.
        #[serde(default = "default_max_files")]
        max_files: u32,
        /// Gzip rotated files. Default: false.
        #[serde(default)]
        compress: bool,
    },
    /// The local syslog daemon.
    Syslog {},
}

fn default_max_size_mb() -> u64 {
    100
}

fn default_max_files() -> u32 {
    10
}
