//! `alys-node config check` and `config show`.

use std::io::Write;

use alys_config::dump;
use alys_config::validate::{Severity, Validator};

use super::load_config;
use crate::cli::{ConfigArgs, Format, ShowArgs};
use crate::error::NodeError;

/// Loads and validates, printing every finding to stdout.
pub(super) fn check(args: &ConfigArgs) -> Result<(), NodeError> {
    let loaded = load_config(args)?;
    let report = Validator::with_builtin_rules().validate(&loaded.config);
    let mut out = std::io::stdout().lock();
    for finding in &report.findings {
        let _ = writeln!(out, "{}", super::finding_line(finding, &loaded.provenance));
    }
    let errors = report.of(Severity::Error).count();
    let warnings = report.of(Severity::Warning).count();
    if errors > 0 {
        return Err(NodeError::Rejected { errors });
    }
    let _ = writeln!(
        out,
        "configuration valid ({} environment): {warnings} warning(s)",
        loaded.config.environment
    );
    Ok(())
}

/// Prints the effective configuration, secrets redacted.
pub(super) fn show(args: &ShowArgs) -> Result<(), NodeError> {
    let loaded = load_config(&args.config)?;
    let mut out = std::io::stdout().lock();
    let text = match (args.origin, args.format) {
        (false, Format::Toml) => dump::to_toml(&loaded),
        (false, Format::Json) => dump::to_json(&loaded),
        (true, Format::Toml) => dump::origins(&loaded)
            .iter()
            .map(|kv| {
                format!(
                    "{} = {}  # {} {}\n",
                    kv.key, kv.value, kv.origin.layer, kv.origin.source
                )
            })
            .collect(),
        (true, Format::Json) => {
            let rows: Vec<serde_json::Value> = dump::origins(&loaded)
                .iter()
                .map(|kv| {
                    serde_json::json!({
                        "key": kv.key,
                        "value": kv.value,
                        "layer": kv.origin.layer.as_str(),
                        "source": kv.origin.source.to_string(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        }
    };
    let _ = write!(out, "{text}");
    if !text.ends_with('\n') {
        let _ = writeln!(out);
    }
    Ok(())
}
