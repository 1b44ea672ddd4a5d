//! `alys-node ctl`: the admin API from a shell, for operators and scripts.
//!
//! Exit status: 0 when the command did what was asked (a reload that found nothing to change
//! included), 1 when a reload or rollback was rejected or rolled back or the node refused the
//! command, 2 when the node could not be asked at all (not running, unreachable, wrong token,
//! bad arguments). Scripts can thus tell "the change failed" from "the question never arrived".

use std::io::Write;
use std::process::ExitCode;

use crate::admin::{codes, AdminClient, AdminError, HistoryEntry, HistoryParams, StatusReply};
use crate::cli::{CtlArgs, CtlCommand};
use crate::reload::command::{Outcome, ResultKind};
use alys_eventlog::export::format_timestamp;

/// The command did what was asked.
const EXIT_OK: u8 = 0;
/// The node answered no: the reload was rejected or rolled back, or the command was refused.
const EXIT_FAILED: u8 = 1;
/// The node could not be asked, or the question was malformed (clap uses 2 for usage as well).
const EXIT_UNASKED: u8 = 2;

/// Runs one `ctl` subcommand and prints its answer to stdout, errors to stderr.
pub(super) fn ctl(args: &CtlArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&AdminErrorOr::Runtime(e)),
    };
    match runtime.block_on(run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => fail(&AdminErrorOr::Admin(error)),
    }
}

/// What can stop `ctl` before it has an answer to print.
#[derive(Debug, thiserror::Error)]
enum AdminErrorOr {
    #[error(transparent)]
    Admin(AdminError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

fn fail(error: &AdminErrorOr) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {}", super::with_causes(error));
    let code = match error {
        // The server heard the question and said no (nothing to confirm, unknown revision).
        AdminErrorOr::Admin(AdminError::Rpc { code, .. }) if *code != codes::INVALID_PARAMS => {
            EXIT_FAILED
        }
        _ => EXIT_UNASKED,
    };
    ExitCode::from(code)
}

async fn run(args: &CtlArgs) -> Result<u8, AdminError> {
    let client = AdminClient::for_data_dir(&args.data_dir)?;
    let mut out = std::io::stdout().lock();
    let json = args.json;

    match &args.command {
        CtlCommand::Status => {
            let status = client.status().await?;
            emit(&mut out, json, &status, print_status);
            Ok(EXIT_OK)
        }
        CtlCommand::History(history) => {
            let query = HistoryParams {
                from: history.from,
                to: history.to,
                kind: history.kind.clone(),
                limit: history.limit,
            };
            let entries = client.history(&query).await?;
            emit(&mut out, json, &entries, print_history);
            Ok(EXIT_OK)
        }
        CtlCommand::Reload { confirm_within } => {
            let outcome = client.reload(confirm_within.as_deref()).await?;
            emit(&mut out, json, &outcome, print_outcome);
            Ok(outcome_code(&outcome))
        }
        CtlCommand::Rollback { to, steps } => {
            let outcome = client.rollback(*to, *steps).await?;
            emit(&mut out, json, &outcome, print_outcome);
            Ok(outcome_code(&outcome))
        }
        CtlCommand::Confirm => {
            let revision = client.confirm().await?;
            emit(&mut out, json, &revision, |out, revision| {
                let _ = writeln!(out, "revision {revision} confirmed");
            });
            Ok(EXIT_OK)
        }
        CtlCommand::ConfigAt { offset } => {
            let config = client.config_at(*offset).await?;
            emit(&mut out, json, &config, |out, config| {
                let _ = writeln!(
                    out,
                    "# revision {} at offset {} (config@{}, {}, activated by {})",
                    config.revision,
                    config.offset,
                    config.config_offset,
                    config.environment,
                    config.activated_by
                );
                let _ = write!(out, "{}", config.effective_toml);
            });
            Ok(EXIT_OK)
        }
        CtlCommand::Diff { a, b } => {
            let diff = client.diff(*a, *b).await?;
            emit(&mut out, json, &diff, |out, diff| {
                let _ = writeln!(
                    out,
                    "# offset {} (revision {}) -> offset {} (revision {})",
                    diff.a.offset, diff.a.revision, diff.b.offset, diff.b.revision
                );
                if diff.changes.is_empty() {
                    let _ = writeln!(out, "no changes");
                }
                for change in &diff.changes {
                    let _ = writeln!(out, "{change}");
                }
            });
            Ok(EXIT_OK)
        }
    }
}

/// Prints `value` as pretty JSON with `--json`, else as `text` renders it.
fn emit<T: serde::Serialize>(
    out: &mut impl Write,
    json: bool,
    value: &T,
    text: impl FnOnce(&mut dyn Write, &T),
) {
    if json {
        let rendered = serde_json::to_string_pretty(value).unwrap_or_default();
        let _ = writeln!(out, "{rendered}");
    } else {
        text(out, value);
    }
}

fn outcome_code(outcome: &Outcome) -> u8 {
    match outcome.result {
        ResultKind::Applied | ResultKind::Unchanged => EXIT_OK,
        ResultKind::Rejected | ResultKind::RolledBack => EXIT_FAILED,
    }
}

fn print_status(out: &mut dyn Write, status: &StatusReply) {
    let health = if status.healthy {
        "healthy"
    } else if status.failing {
        "unhealthy (the last reload failed)"
    } else {
        "degraded (an actor is down or recovering)"
    };
    let _ = writeln!(
        out,
        "revision {} (config@{}): {health}{}",
        status.revision,
        status.config_offset,
        if status.in_progress {
            ", reload in progress"
        } else {
            ""
        }
    );
    for actor in &status.actors {
        let state = match (actor.running, actor.recovering) {
            (false, _) => "stopped",
            (true, true) => "recovering",
            (true, false) => "running",
        };
        let depth = actor.mailbox.get("depth").and_then(|d| d.as_u64());
        let _ = writeln!(
            out,
            "  {:<12} {state:<10} restarts {:<3} mailbox depth {}",
            actor.name,
            actor.restarts,
            depth.map_or_else(|| "?".to_owned(), |d| d.to_string())
        );
    }
    match &status.last_reload {
        Some(last) => {
            let _ = writeln!(
                out,
                "last reload: {} by {} at {}{}",
                last.outcome.result.name(),
                last.trigger,
                format_timestamp(last.at_ms),
                last.outcome
                    .reason
                    .as_deref()
                    .map_or_else(String::new, |r| format!(": {r}"))
            );
        }
        None => {
            let _ = writeln!(out, "last reload: none since start");
        }
    }
    if let Some(pending) = &status.pending_confirmation {
        let _ = writeln!(
            out,
            "pending confirmation: revision {} rolls back to {} at {} unless confirmed",
            pending.revision,
            pending.previous_revision,
            format_timestamp(pending.deadline_ms)
        );
    }
    let counts = &status.counts;
    let _ = writeln!(
        out,
        "reloads: {} applied, {} unchanged, {} rejected, {} rolled back",
        counts.applied, counts.unchanged, counts.rejected, counts.rolled_back
    );
}

fn print_history(out: &mut dyn Write, entries: &Vec<HistoryEntry>) {
    for entry in entries {
        let _ = writeln!(
            out,
            "{:>8}  {:<24}  {:<20}  {}",
            entry.offset, entry.time, entry.kind, entry.summary
        );
    }
}

fn print_outcome(out: &mut dyn Write, outcome: &Outcome) {
    let _ = writeln!(
        out,
        "{}: revision {}",
        outcome.result.name(),
        outcome.revision
    );
    if !outcome.changed_keys.is_empty() {
        let _ = writeln!(out, "changed: {}", outcome.changed_keys.join(", "));
    }
    if !outcome.restarted_actors.is_empty() {
        let _ = writeln!(out, "restarted: {}", outcome.restarted_actors.join(", "));
    }
    if let Some(reason) = &outcome.reason {
        let _ = writeln!(out, "reason: {reason}");
    }
    if let Some(deadline) = outcome.confirm_deadline_ms {
        let _ = writeln!(
            out,
            "confirm before {} (alys-node ctl confirm) or it rolls back",
            format_timestamp(deadline)
        );
    }
}
