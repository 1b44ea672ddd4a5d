//! The node's own log: tracing filtered by `RUST_LOG`, else by `logging.level` and
//! `logging.modules`, written to stdout or stderr as `logging.outputs` says.

use std::io::IsTerminal;

use alys_config::schema::logging::{LogFormat, LogOutput, LoggingConfig};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::EnvFilter;

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

/// Installs the global subscriber. Calling it twice keeps the first subscriber. File and syslog
/// outputs are not written yet; with neither stdout nor stderr listed the log goes to stderr.
pub fn init(config: &LoggingConfig) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directives(config)));
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
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match (to_stdout, json) {
        (true, false) => builder
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(std::io::stdout)
            .try_init(),
        (true, true) => builder.json().with_writer(std::io::stdout).try_init(),
        (false, false) => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init(),
        (false, true) => builder.json().with_writer(std::io::stderr).try_init(),
    };
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
