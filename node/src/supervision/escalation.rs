//! Why a supervisor gave up on an actor: the data `alys-node run` exits with and records.

use std::fmt;
use std::time::Duration;

/// An actor whose failures outran its restart strategy. The root stops the tree in order,
/// records this, and the node exits non-zero with its [`Display`](fmt::Display) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The actor that failed (`chain` ...).
    pub child: String,
    /// The strategy's `type` tag (`one_for_one` ...).
    pub strategy: &'static str,
    /// The error of the failure that escalated.
    pub last_error: String,
    /// Restarts counted when the failure came: within `window` for the OTP strategies,
    /// consecutive ones for `exponential_backoff`.
    pub restarts_in_window: u32,
    /// The window restarts are counted in; `None` for strategies that count consecutively.
    pub window: Option<Duration>,
}

impl fmt::Display for Escalation {
    /// `actor `chain` escalated after 3 restarts within 60s (one_for_one): <last error>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "actor `{}` escalated after {} ({}): {}",
            self.child,
            restart_count(self.restarts_in_window, self.window),
            self.strategy,
            self.last_error
        )
    }
}

/// `3 restarts within 60s`, or `10 consecutive restarts` without a window.
pub(crate) fn restart_count(count: u32, window: Option<Duration>) -> String {
    let noun = if count == 1 { "restart" } else { "restarts" };
    match window {
        // Duration's Debug prints as people write it: `60s`, `1.5s`, `250ms`.
        Some(window) => format!("{count} {noun} within {window:?}"),
        None => format!("{count} consecutive {noun}"),
    }
}

impl std::error::Error for Escalation {}

#[cfg(test)]
mod tests {
    use super::*;

    fn escalation(restarts_in_window: u32, window: Option<Duration>) -> Escalation {
        Escalation {
            child: "chain".to_owned(),
            strategy: "one_for_one",
            last_error: "chain spec unreadable".to_owned(),
            restarts_in_window,
            window,
        }
    }

    #[test]
    fn names_actor_count_window_strategy_and_error() {
        let text = escalation(3, Some(Duration::from_secs(60))).to_string();

        assert_eq!(
            text,
            "actor `chain` escalated after 3 restarts within 60s (one_for_one): \
             chain spec unreadable"
        );
    }

    #[test]
    fn counts_consecutive_restarts_without_a_window_and_in_the_singular() {
        let mut e = escalation(1, None);
        e.strategy = "exponential_backoff";

        assert_eq!(
            e.to_string(),
            "actor `chain` escalated after 1 consecutive restart (exponential_backoff): \
             chain spec unreadable"
        );
    }
}
