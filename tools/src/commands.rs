//! The `alys-log` subcommands.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use alys_eventlog::codec::decode_envelope;
use alys_eventlog::event::KindFilter;
use alys_eventlog::export::envelope_to_json;
use alys_eventlog::projection::{ActiveConfig, Projection};
use alys_eventlog::Envelope;

use crate::cli::{Cli, Command};
use crate::error::ToolError;
use crate::source::{self, entries, Entries};
use crate::{history, replay, summary};

/// Runs one command; a broken chain gives exit status 1, other failures an error.
pub(crate) fn run(cli: &Cli) -> Result<ExitCode, ToolError> {
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Inspect {
            kind,
            from,
            to,
            json,
        } => {
            let filter = kind
                .as_deref()
                .map(|k| KindFilter::parse(k).ok_or_else(|| ToolError::UnknownKind(k.to_owned())))
                .transpose()?;
            let mut listed = envelopes(entries(&cli.data_dir, *from, *to)?).peekable();
            if *from > 0 && listed.peek().is_none() {
                // Close the log before it is read again.
                drop(listed);
                return past_head_or_empty(&cli.data_dir, *from, *json, &mut out);
            }
            if !*json {
                let _ = writeln!(out, "{}", summary::header());
            }
            for envelope in listed {
                let envelope = envelope?;
                if filter.as_ref().is_some_and(|f| !f.matches(envelope.kind())) {
                    continue;
                }
                let line = if *json {
                    envelope_to_json(&envelope).to_string()
                } else {
                    summary::row(&envelope)
                };
                let _ = writeln!(out, "{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { from, to } => {
            history::diff(
                entries(&cli.data_dir, 0, Some((*from).max(*to)))?,
                *from,
                *to,
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { key } => {
            alys_config::load::check_key(key).map_err(ToolError::UnknownKey)?;
            history::audit(entries(&cli.data_dir, 0, None)?, key, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify => verify_chain(&cli.data_dir, &mut out),
        Command::Show { offset } => {
            let envelope = envelopes(entries(&cli.data_dir, *offset, Some(*offset))?)
                .next()
                .ok_or(ToolError::NoEvent(*offset))??;
            let text =
                serde_json::to_string_pretty(&envelope_to_json(&envelope)).unwrap_or_default();
            let _ = writeln!(out, "{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { to, json } => {
            let replayed = replay::fold(envelopes(entries(&cli.data_dir, 0, *to)?), *to)?;
            if *json {
                let _ = writeln!(out, "{}", replayed.to_json());
            } else {
                replayed.write_text(&mut out);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ConfigAt { offset } => {
            let mut projection = ActiveConfig::default();
            let mut head = None;
            for envelope in envelopes(entries(&cli.data_dir, 0, Some(*offset))?) {
                let envelope = envelope?;
                head = Some(envelope.offset.0);
                let event = envelope.event().map_err(|e| ToolError::Undecodable {
                    offset: envelope.offset.0,
                    reason: e.to_string(),
                })?;
                projection.apply(envelope.offset, envelope.timestamp_ms, &event);
            }
            if head.is_none_or(|h| h < *offset) {
                return Err(ToolError::PastHead {
                    offset: *offset,
                    head,
                });
            }
            let active = projection
                .state()
                .as_ref()
                .ok_or(ToolError::NoConfig(*offset))?;
            let _ = write!(out, "{}", active.effective_toml);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// For an `inspect` that listed nothing from `from`: an error naming the newest event when
/// `from` is past it, else the empty table.
fn past_head_or_empty(
    data_dir: &Path,
    from: u64,
    json: bool,
    out: &mut impl Write,
) -> Result<ExitCode, ToolError> {
    let head = entries(data_dir, 0, None)?
        .last()
        .transpose()?
        .map(|(offset, _)| offset);
    if head.is_none_or(|h| h < from) {
        return Err(ToolError::PastHead { offset: from, head });
    }
    if !json {
        let _ = writeln!(out, "{}", summary::header());
    }
    Ok(ExitCode::SUCCESS)
}

fn envelopes(entries: Entries) -> impl Iterator<Item = Result<Envelope, ToolError>> {
    entries.map(|entry| {
        let (offset, bytes) = entry?;
        decode_envelope(&bytes).map_err(|e| ToolError::Undecodable {
            offset,
            reason: e.to_string(),
        })
    })
}

fn verify_chain(data_dir: &Path, out: &mut impl Write) -> Result<ExitCode, ToolError> {
    let report = source::verify_chain(data_dir)?;
    if let Some(error) = report.read_error {
        return Err(error.into());
    }
    match &report.first_break {
        Some(chain_break) => {
            let _ = writeln!(
                out,
                "broken: {chain_break} ({} events checked before it)",
                report.checked
            );
            Ok(ExitCode::from(1))
        }
        None => {
            let head = report
                .head
                .map(|(offset, hash)| format!(", head {offset} {}", hex::encode(hash)))
                .unwrap_or_default();
            let _ = writeln!(out, "ok: {} events verified{head}", report.checked);
            Ok(ExitCode::SUCCESS)
        }
    }
}
