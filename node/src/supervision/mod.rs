//! Supervision decisions: whether a failed child restarts, waits, stays down or escalates, and
//! which siblings go with it.
//!
//! Everything here is pure logic driven by explicit [`Instant`](tokio::time::Instant)s; nothing
//! reads the clock, sleeps or touches an actor. The root supervisor owns one [`RestartPolicy`]
//! per child and one [`TreePlan`] for the tree:
//!
//! ```text
//! child fails ──▶ RestartPolicy::on_failure(now) ──▶ Decision
//!                                                     ├─ Restart { delay, attempt }
//!                                                     │    └─ TreePlan::plan(child, family)
//!                                                     │         ──▶ Plan { stop, restart }
//!                                                     ├─ StayDown { until } ─ at `until` ─▶
//!                                                     │    RestartPolicy::on_recovery_due
//!                                                     ├─ Escalate ──▶ Escalation, node exits
//!                                                     └─ Never: child stays down, degraded
//! ```
//!
//! [`RestartWindow`] is also what the root uses for the tree-wide `supervision.max_restarts`
//! within `restart_window`.

mod backoff;
mod breaker;
mod escalation;
mod jitter;
mod plan;
mod policy;
mod window;

pub use breaker::{BreakerState, BreakerTransition};
pub use escalation::Escalation;
pub use jitter::Jitter;
pub use plan::{ChildName, Family, Plan, PlanError, TreePlan};
pub use policy::{Decision, RestartPolicy};
pub use window::{Admission, RestartWindow};
