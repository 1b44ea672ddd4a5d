//! The `admin_*` methods: reads answered from the status channel and the event log, writes
//! handed to the reload coordinator as commands.

use std::time::Duration;

use alys_eventlog::EventLog;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot, watch};

use super::api::{
    ConfigAtParams, DiffParams, HistoryParams, ReloadParams, RollbackParams, StatusReply,
};
use super::history::{self, QueryError};
use super::{codes, AdminError};
use crate::reload::command::{Command, CommandError, Outcome, RollbackTarget, Trigger};
use crate::reload::status::{ActorStatusFn, ReloadStatus};

/// How long `admin_status` waits for the actor tree before answering without it: a root stuck
/// behind a restart must not make status, the tool for finding out why, hang too.
const ACTOR_STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// Recorded as `by` in the `confirmation` event.
const CONFIRMED_BY: &str = "admin-api";

/// Recorded as the reason of an operator's rollback.
const ROLLBACK_REASON: &str = "operator";

/// What every method reads from or writes to.
pub(crate) struct Context {
    pub(crate) log: EventLog,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) status: watch::Receiver<ReloadStatus>,
    pub(crate) actors: ActorStatusFn,
}

/// Every admin method, registered on `context`.
pub(crate) fn module(context: Context) -> Result<RpcModule<Context>, AdminError> {
    let mut module = RpcModule::new(context);

    module.register_async_method("admin_status", |_, ctx, _| async move {
        Ok::<_, ErrorObjectOwned>(status(&ctx).await)
    })?;

    // Log reads replay sled from the start; register_blocking_method runs them on the blocking
    // pool so they never hold a runtime worker.
    module.register_blocking_method("admin_config_at", |params, ctx, _| {
        let params: ConfigAtParams = optional(&params)?;
        history::config_at(&ctx.log, params.offset).map_err(query_error)
    })?;
    module.register_blocking_method("admin_history", |params, ctx, _| {
        let params: HistoryParams = optional(&params)?;
        history::history(&ctx.log, &params).map_err(query_error)
    })?;
    module.register_blocking_method("admin_diff", |params, ctx, _| {
        let params: DiffParams = required(&params, "give the offsets `a` and `b`")?;
        history::diff_at(&ctx.log, params.a, params.b).map_err(query_error)
    })?;

    module.register_async_method("admin_reload", |params, ctx, _| async move {
        let params: ReloadParams = optional(&params)?;
        reload(&ctx, params).await
    })?;
    module.register_async_method("admin_rollback", |params, ctx, _| async move {
        let params: RollbackParams = optional(&params)?;
        rollback(&ctx, params).await
    })?;
    module.register_async_method("admin_confirm", |_, ctx, _| async move {
        tracing::info!(target: "alys_node::admin", "confirm requested");
        ask(&ctx, |reply| Command::Confirm {
            by: CONFIRMED_BY.to_owned(),
            reply,
        })
        .await
    })?;

    Ok(module)
}

async fn status(ctx: &Context) -> StatusReply {
    let published = ctx.status.borrow().clone();
    match tokio::time::timeout(ACTOR_STATUS_TIMEOUT, (ctx.actors)()).await {
        Ok(actors) => StatusReply::new(published, actors),
        Err(_) => {
            tracing::warn!(
                target: "alys_node::admin",
                timeout_ms = ACTOR_STATUS_TIMEOUT.as_millis() as u64,
                "actor tree did not answer status; replying without actors"
            );
            let mut reply = StatusReply::new(published, Vec::new());
            reply.healthy = false;
            reply
        }
    }
}

async fn reload(ctx: &Context, params: ReloadParams) -> Result<Outcome, ErrorObjectOwned> {
    let confirm_within = params
        .confirm_within
        .as_deref()
        .map(parse_window)
        .transpose()?;
    tracing::info!(
        target: "alys_node::admin",
        confirm_within_ms = confirm_within.map(|d| d.as_millis() as u64),
        "reload requested"
    );
    ask(ctx, |reply| Command::Reload {
        trigger: Trigger::AdminApi,
        confirm_within,
        reply: Some(reply),
    })
    .await
}

async fn rollback(ctx: &Context, params: RollbackParams) -> Result<Outcome, ErrorObjectOwned> {
    let target = match (params.to, params.steps) {
        (Some(offset), None) => RollbackTarget::Offset(offset),
        (None, Some(0)) => return Err(invalid_params("`steps` must be at least 1")),
        (None, Some(steps)) => RollbackTarget::Steps(steps),
        _ => return Err(invalid_params("give exactly one of `to` or `steps`")),
    };
    tracing::info!(target: "alys_node::admin", ?target, "rollback requested");
    ask(ctx, |reply| Command::Rollback {
        target,
        reason: ROLLBACK_REASON.to_owned(),
        trigger: Trigger::Rollback,
        reply: Some(reply),
    })
    .await
}

/// `"5m"`, `"90s"`, `"1h 30m"`; zero is refused because it would roll back at once.
fn parse_window(text: &str) -> Result<Duration, ErrorObjectOwned> {
    let window = humantime::parse_duration(text).map_err(|e| {
        invalid_params(format!(
            "`confirm_within` {text:?} is not a duration like \"5m\": {e}"
        ))
    })?;
    if window.is_zero() {
        return Err(invalid_params("`confirm_within` must be longer than zero"));
    }
    Ok(window)
}

/// Sends the command `make` builds and waits for the coordinator's answer.
async fn ask<T>(
    ctx: &Context,
    make: impl FnOnce(oneshot::Sender<Result<T, CommandError>>) -> Command,
) -> Result<T, ErrorObjectOwned> {
    let (reply, answer) = oneshot::channel();
    // A closed channel or a dropped reply both mean the coordinator has gone: the node stops.
    ctx.commands
        .send(make(reply))
        .await
        .map_err(|_| command_error(CommandError::Stopping))?;
    answer
        .await
        .map_err(|_| command_error(CommandError::Stopping))?
        .map_err(command_error)
}

/// Parameters whose fields are all optional: absent params mean every default.
fn optional<T: DeserializeOwned + Default>(params: &Params) -> Result<T, ErrorObjectOwned> {
    match params.as_str() {
        None => Ok(T::default()),
        Some(text) => parse(text),
    }
}

/// Parameters with required fields; `hint` says which when none were sent.
fn required<T: DeserializeOwned>(params: &Params, hint: &str) -> Result<T, ErrorObjectOwned> {
    match params.as_str() {
        None => Err(invalid_params(hint)),
        Some(text) => parse(text),
    }
}

/// Named (`{"to": 3}`) or positional (`[3]`) parameters, with serde's reason on failure.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ErrorObjectOwned> {
    serde_json::from_str(text).map_err(|e| invalid_params(format!("bad parameters: {e}")))
}

fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(codes::INVALID_PARAMS, message, None::<()>)
}

/// The command error as message, with the error itself as data so clients can match on it.
fn command_error(error: CommandError) -> ErrorObjectOwned {
    let code = match &error {
        CommandError::NothingToConfirm => codes::NOTHING_TO_CONFIRM,
        CommandError::NoSuchRevision(_) => codes::NO_SUCH_REVISION,
        CommandError::PastHead { .. } => codes::INVALID_PARAMS,
        CommandError::Stopping => codes::STOPPING,
        CommandError::Log(_) => codes::LOG,
    };
    ErrorObjectOwned::owned(code, error.to_string(), Some(error))
}

fn query_error(error: QueryError) -> ErrorObjectOwned {
    let code = match &error {
        QueryError::NoConfig { .. } => codes::NO_SUCH_REVISION,
        QueryError::UnknownKind { .. }
        | QueryError::PastHead { .. }
        | QueryError::RangeReversed { .. } => codes::INVALID_PARAMS,
        QueryError::BadToml { .. } | QueryError::Log(_) => {
            tracing::error!(target: "alys_node::admin", error = %error, "admin read of the event log failed");
            codes::LOG
        }
    };
    ErrorObjectOwned::owned(code, error.to_string(), None::<()>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_window_accepts_humantime_and_refuses_zero() {
        assert_eq!(parse_window("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_window("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_window("0s").unwrap_err().code(),
            codes::INVALID_PARAMS
        );
        let error = parse_window("soon").unwrap_err();
        assert!(error.message().contains("\"soon\""), "{}", error.message());
    }

    #[test]
    fn command_errors_keep_their_message_and_a_stable_code() {
        let error = command_error(CommandError::NothingToConfirm);
        assert_eq!(error.code(), codes::NOTHING_TO_CONFIRM);
        assert_eq!(error.message(), "no revision is waiting for confirmation");
    }
}
