//! The node's own log: tracing filtered by `RUST_LOG`, else by `logging.level` and
//! `logging.modules`, written to stdout or stderr as `logging.outputs` says.

use std::io::IsTerminal;

use alys_config::schema::logging::{LogFormat, LogOutput, LoggingConfig};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, EnvFilter, Registry};

/// The filter directives for a logging section: the level, then one `module=level` per entry.
/// A level the filter cannot read falls back to `info` (validation reports it as an error).
pub fn directives(config: &LoggingConfig) -> String {
    let level = match config.level.parse::<LevelFilter>() {
        Ok(_) => config.level.clone(),
        Err(_) => "info".to_owned(),
    };
    let mut parts = vec![level];
    parts.extend(
        config
            .modules
            .iter()
            .map(|(module, level)| format!("{module}={level}")),
    );
    let joined = parts.join(",");
    match EnvFilter::try_new(&joined) {
        Ok(_) => joined,
        Err(_) => parts.swap_remove(0),
    }
}

/// Changes the level filter of the installed subscriber when `logging` is reloaded.
#[derive(Clone)]
pub struct LogReload {
    handle: reload::Handle<EnvFilter, Registry>,
    /// `RUST_LOG` was set at start and keeps precedence over the config.
    pinned: bool,
}

impl std::fmt::Debug for LogReload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogReload")
            .field("pinned", &self.pinned)
            .finish()
    }
}

impl LogReload {
    /// Applies the level and per-module levels of `config`. The format and outputs are fixed
    /// at start (they select the writer); a change of them is reported, not applied.
    pub fn apply(&self, config: &LoggingConfig) {
        if self.pinned {
            tracing::info!(target: "alys_node", "RUST_LOG is set; logging.level reload not applied");
            return;
        }
        let directives = directives(config);
        match self.handle.reload(EnvFilter::new(&directives)) {
            Ok(()) => tracing::info!(target: "alys_node", %directives, "log filter reloaded"),
            Err(e) => tracing::warn!(target: "alys_node", error = %e, "log filter reload failed"),
        }
    }
}

/// Installs the global subscriber and returns the handle that reloads its filter; `None` when a
/// subscriber was already installed (tests). File and syslog outputs are not written yet; with
/// neither stdout nor stderr listed the log goes to stderr.
pub fn init(config: &LoggingConfig) -> Option<LogReload> {
    let from_env = EnvFilter::try_from_default_env().ok();
    let pinned = from_env.is_some();
    let filter = from_env.unwrap_or_else(|| EnvFilter::new(directives(config)));
    let (filter, handle) = reload::Layer::new(filter);
    let to_stdout = config
        .outputs
        .iter()
        .find_map(|o| match o {
            LogOutput::Stdout {} => Some(true),
            LogOutput::Stderr {} => Some(false),
            _ => None,
        })
        .unwrap_or(false);
    let json = config.format == LogFormat::Json;
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match (to_stdout, json) {
        (true, false) => registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stdout().is_terminal())
                    .with_writer(std::io::stdout),
            )
            .try_init(),
        (true, true) => registry
            .with(fmt::layer().json().with_writer(std::io::stdout))
            .try_init(),
        (false, false) => registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        (false, true) => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
    };
    installed.ok().map(|()| LogReload { handle, pinned })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_become_directives_and_a_bad_level_falls_back_to_info() {
        let mut config = LoggingConfig {
            level: "warn".into(),
            ..LoggingConfig::default()
        };
        config.modules.insert("alys_node".into(), "off".into());
        assert_eq!(directives(&config), "warn,alys_node=off");
        config.level = "verbose".into();
        config.modules.clear();
        assert_eq!(directives(&config), "info");
    }
}
