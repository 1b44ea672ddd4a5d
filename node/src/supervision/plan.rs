//! Which children a failure takes down and brings back: the tree-level half of OTP's
//! `one_for_one`, `one_for_all` and `rest_for_one`.

use std::fmt;

use alys_config::schema::actors::RestartStrategy;

/// The name of a supervised child (`storage`, `chain` ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildName(String);

impl ChildName {
    /// Wraps a child's name.
    pub fn new(name: impl Into<String>) -> Self {
        ChildName(name.into())
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChildName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ChildName {
    fn from(name: &str) -> Self {
        ChildName::new(name)
    }
}

impl From<String> for ChildName {
    fn from(name: String) -> Self {
        ChildName(name)
    }
}

/// Which siblings go down with a failed child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Only the failed child.
    OneForOne,
    /// Every child.
    OneForAll,
    /// The failed child and every child started after it.
    RestForOne,
}

impl Family {
    /// The family a strategy restarts with. `exponential_backoff` and `circuit_breaker` restart
    /// only the failed child; `never` restarts nothing and has no family (the caller stops the
    /// failed child if it still runs and leaves it down).
    pub fn of(strategy: &RestartStrategy) -> Option<Family> {
        match strategy {
            RestartStrategy::OneForAll(_) => Some(Family::OneForAll),
            RestartStrategy::RestForOne(_) => Some(Family::RestForOne),
            RestartStrategy::OneForOne(_)
            | RestartStrategy::ExponentialBackoff(_)
            | RestartStrategy::CircuitBreaker(_) => Some(Family::OneForOne),
            RestartStrategy::Never {} => None,
        }
    }
}

/// What the supervisor does about one failure, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Children to stop, in reverse start order. The failed child is included: a failed health
    /// check leaves it running. Stopping a child that already died is the caller's no-op.
    pub stop: Vec<ChildName>,
    /// Children to start again once all of `stop` are down, in start order.
    pub restart: Vec<ChildName>,
}

/// A plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The failed child is not one of the supervised children.
    #[error("child `{child}` is not supervised here")]
    UnknownChild {
        /// The name given.
        child: ChildName,
    },
    /// A child name appears twice in the start order.
    #[error("child `{child}` appears twice in the start order")]
    DuplicateChild {
        /// The repeated name.
        child: ChildName,
    },
}

/// The supervised children in start order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePlan {
    children: Vec<ChildName>,
}

impl TreePlan {
    /// Children in the order they start; refuses a name given twice.
    pub fn new(children: impl IntoIterator<Item = ChildName>) -> Result<Self, PlanError> {
        let mut ordered: Vec<ChildName> = Vec::new();
        for child in children {
            if ordered.contains(&child) {
                return Err(PlanError::DuplicateChild { child });
            }
            ordered.push(child);
        }
        Ok(TreePlan { children: ordered })
    }

    /// The children in start order.
    pub fn children(&self) -> &[ChildName] {
        &self.children
    }

    /// Who stops and who restarts when `failed` fails under `family`.
    pub fn plan(&self, failed: &ChildName, family: Family) -> Result<Plan, PlanError> {
        let position = self
            .children
            .iter()
            .position(|child| child == failed)
            .ok_or_else(|| PlanError::UnknownChild {
                child: failed.clone(),
            })?;

        let affected = match family {
            Family::OneForOne => &self.children[position..=position],
            Family::OneForAll => &self.children[..],
            Family::RestForOne => &self.children[position..],
        };

        Ok(Plan {
            stop: affected.iter().rev().cloned().collect(),
            restart: affected.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> TreePlan {
        let names = ["storage", "chain", "engine"];
        TreePlan::new(names.map(ChildName::from)).expect("distinct names")
    }

    fn names(children: &[ChildName]) -> Vec<&str> {
        children.iter().map(ChildName::as_str).collect()
    }

    #[test]
    fn rest_for_one_of_the_last_child_is_only_that_child() {
        let plan = tree()
            .plan(&"engine".into(), Family::RestForOne)
            .expect("known child");

        assert_eq!(names(&plan.stop), ["engine"]);
        assert_eq!(names(&plan.restart), ["engine"]);
    }

    #[test]
    fn rest_for_one_of_the_first_child_is_everyone() {
        let plan = tree()
            .plan(&"storage".into(), Family::RestForOne)
            .expect("known child");

        assert_eq!(names(&plan.stop), ["engine", "chain", "storage"]);
        assert_eq!(names(&plan.restart), ["storage", "chain", "engine"]);
    }

    #[test]
    fn unknown_child_is_an_error_naming_it() {
        let error = tree()
            .plan(&"bridge".into(), Family::OneForOne)
            .unwrap_err();

        assert_eq!(error.to_string(), "child `bridge` is not supervised here");
    }

    #[test]
    fn duplicate_child_in_start_order_is_refused() {
        let error = TreePlan::new(["chain", "chain"].map(ChildName::from)).unwrap_err();

        assert_eq!(
            error,
            PlanError::DuplicateChild {
                child: "chain".into()
            }
        );
    }

    #[test]
    fn family_follows_the_strategy_and_never_has_none() {
        assert_eq!(
            Family::of(&RestartStrategy::default()),
            Some(Family::OneForOne)
        );
        assert_eq!(
            Family::of(&RestartStrategy::ExponentialBackoff(Default::default())),
            Some(Family::OneForOne)
        );
        assert_eq!(Family::of(&RestartStrategy::Never {}), None);
    }
}
