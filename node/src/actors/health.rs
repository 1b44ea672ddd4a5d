//! Health checks of the root's children: a timer per child and a probe that never blocks the
//! root (the answer comes back as a message, tagged with the child's generation).

use std::time::Duration;

use ractor::ActorRef;
use tokio::sync::oneshot;

use super::control::Control;
use super::root::RootMsg;
use super::spec::ChildHandle;

/// Sends the root a `HealthTick` for `name` every `interval`, for as long as the root lives.
pub(super) fn schedule(root: &ActorRef<RootMsg>, name: &str, interval: Duration) {
    if interval.is_zero() {
        return;
    }
    let name = name.to_owned();
    ractor::time::send_interval(interval, root.get_cell(), move || {
        RootMsg::HealthTick(name.clone())
    });
}

/// Asks the child whether it is healthy; no answer within `timeout` counts as a failure.
pub(super) fn probe(
    root: &ActorRef<RootMsg>,
    name: String,
    generation: u64,
    child: ChildHandle,
    timeout: Duration,
) {
    let root = root.clone();
    tokio::spawn(async move {
        let (tx, rx) = oneshot::channel();
        let ok = child.control(Control::Health(tx))
            && matches!(tokio::time::timeout(timeout, rx).await, Ok(Ok(true)));
        let _ = root.send_message(RootMsg::HealthResult {
            name,
            generation,
            ok,
        });
    });
}
