//! The health verdict behind `/health`: healthy when every actor of the tree runs and is not
//! recovering, and the last reload did not fail.
//!
//! The tree holds only enabled actors, so "every child" is "every enabled actor". A rejected
//! reload leaves the old config running, yet it still counts as unhealthy: the files on disk no
//! longer describe what runs, and an operator should hear of it before the next restart does.

use serde::Serialize;

use crate::actors::ChildStatus;
use crate::reload::ReloadStatus;

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Answered with 200.
    Healthy,
    /// Answered with 503: an actor is down or recovering while the node keeps serving (the word
    /// `alys-node`'s control socket uses too).
    Degraded,
    /// Answered with 503: the last reload failed, or the actor tree did not answer.
    Unhealthy,
}

/// One actor as `/health` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorHealth {
    /// The actor's name.
    pub name: String,
    /// Whether it runs now.
    pub running: bool,
    /// Restarted and not yet through its recovery threshold.
    pub recovering: bool,
    /// Restarts since the node started.
    pub restarts: u32,
}

/// The JSON body of `/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// The verdict.
    pub status: HealthStatus,
    /// Why it is unhealthy, one sentence each; empty when healthy.
    pub reasons: Vec<String>,
    /// The config revision in force.
    pub config_revision: u64,
    /// The actors, in the tree's start order; empty when the tree did not answer.
    pub actors: Vec<ActorHealth>,
}

impl HealthReport {
    /// Judges `status` and the tree's answer; `actors` is `None` when the tree did not answer in
    /// time, which is itself a reason to be unhealthy.
    pub fn judge(status: &ReloadStatus, actors: Option<&[ChildStatus]>) -> HealthReport {
        let mut reasons = Vec::new();
        let mut unhealthy = false;
        if status.failing {
            unhealthy = true;
            let why = status
                .last
                .as_ref()
                .and_then(|last| {
                    let reason = last.outcome.reason.as_deref()?;
                    Some(format!(": {} ({reason})", last.outcome.result.name()))
                })
                .unwrap_or_default();
            reasons.push(format!("last reload failed{why}"));
        }
        match actors {
            None => {
                unhealthy = true;
                reasons.push("actor tree did not answer".to_owned());
            }
            Some(children) => {
                for child in children {
                    if !child.running {
                        reasons.push(format!("actor {} is not running", child.name));
                    } else if child.recovering {
                        reasons.push(format!("actor {} is recovering", child.name));
                    }
                }
            }
        }

        HealthReport {
            status: if unhealthy {
                HealthStatus::Unhealthy
            } else if reasons.is_empty() {
                HealthStatus::Healthy
            } else {
                HealthStatus::Degraded
            },
            reasons,
            config_revision: status.revision,
            actors: actors
                .unwrap_or_default()
                .iter()
                .map(|c| ActorHealth {
                    name: c.name.clone(),
                    running: c.running,
                    recovering: c.recovering,
                    restarts: c.restarts,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::MailboxMetrics;

    fn child(name: &str, running: bool, recovering: bool) -> ChildStatus {
        ChildStatus {
            name: name.into(),
            running,
            restarts: 0,
            recovering,
            mailbox: MailboxMetrics::default(),
        }
    }

    #[test]
    fn every_problem_is_listed_as_a_reason() {
        let status = ReloadStatus {
            failing: true,
            ..ReloadStatus::default()
        };
        let children = [
            child("storage", false, false),
            child("chain", true, true),
            child("engine", true, false),
        ];

        let report = HealthReport::judge(&status, Some(&children));

        assert_eq!(report.status, HealthStatus::Unhealthy);
        assert_eq!(
            report.reasons,
            [
                "last reload failed",
                "actor storage is not running",
                "actor chain is recovering"
            ]
        );
    }

    #[test]
    fn a_silent_tree_is_unhealthy() {
        let report = HealthReport::judge(&ReloadStatus::default(), None);

        assert_eq!(report.status, HealthStatus::Unhealthy);
        assert_eq!(report.reasons, ["actor tree did not answer"]);
    }
}
