//! The rule engine that judges a configuration before it may become active.
//!
//! A [`Validator`] holds rules: the built-in ones ([`rules`]) plus any that code registers. Each
//! rule looks at the whole [`AlysConfig`] (so cross-section rules are ordinary rules) and reports
//! [`Finding`]s with a severity, its rule id and the key path. Any error-level finding rejects the
//! configuration; warnings and infos are reported and recorded but do not block it.
//!
//! Some doubts depend on where the node runs: a missing certificate file or TLS towards an
//! `http://` endpoint is a warning in development and testing and an error in staging and
//! production ([`RuleContext::doubt`]).

pub mod rules;

use std::fmt;

use crate::schema::{AlysConfig, Environment};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Rejects the configuration.
    Error,
    /// Reported and recorded; the configuration is still accepted.
    Warning,
    /// A note for the operator.
    Info,
}

impl Severity {
    /// Lower-case name, as printed and recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observation of one rule about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// The id of the rule that reported it, e.g. `range` or `governance.tls-endpoint`.
    pub rule: String,
    /// Dotted key path, with `[i]` for array elements: `governance.endpoints[0].url`.
    pub key: String,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} [{}]",
            self.severity, self.key, self.message, self.rule
        )
    }
}

/// Everything a rule may look at.
pub struct RuleContext<'a> {
    /// The configuration under judgement.
    pub config: &'a AlysConfig,
}

impl RuleContext<'_> {
    /// Severity for something doubtful that may be fine on a developer's machine: a warning in
    /// development and testing, an error in staging and production.
    pub fn doubt(&self) -> Severity {
        match self.config.environment {
            Environment::Development | Environment::Testing => Severity::Warning,
            Environment::Staging | Environment::Production => Severity::Error,
        }
    }
}

/// Collects findings for one rule, stamping each with the rule's id.
pub struct Findings<'a> {
    rule: &'a str,
    out: &'a mut Vec<Finding>,
}

impl Findings<'_> {
    /// Records a finding about `key`.
    pub fn push(&mut self, severity: Severity, key: impl Into<String>, message: impl Into<String>) {
        self.out.push(Finding {
            severity,
            rule: self.rule.to_owned(),
            key: key.into(),
            message: message.into(),
        });
    }

    /// Records an error about `key`.
    pub fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, key, message);
    }

    /// Records a warning about `key`.
    pub fn warning(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, key, message);
    }

    /// Records an info about `key`.
    pub fn info(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Info, key, message);
    }
}

/// A validation rule. Rules must be pure apart from reading files the config names.
pub trait Rule: Send + Sync {
    /// Stable id recorded with every finding.
    fn id(&self) -> &str;

    /// Looks at the configuration and reports findings.
    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Findings<'_>);
}

/// A rule made from an id and a function, for rules that need no state.
pub struct FnRule<F> {
    id: String,
    check: F,
}

impl<F> FnRule<F>
where
    F: Fn(&RuleContext<'_>, &mut Findings<'_>) + Send + Sync,
{
    /// A rule with this id that runs `check`.
    pub fn new(id: impl Into<String>, check: F) -> Self {
        FnRule {
            id: id.into(),
            check,
        }
    }
}

impl<F> Rule for FnRule<F>
where
    F: Fn(&RuleContext<'_>, &mut Findings<'_>) + Send + Sync,
{
    fn id(&self) -> &str {
        &self.id
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Findings<'_>) {
        (self.check)(ctx, findings)
    }
}

/// The outcome of running every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every finding, errors first, then warnings, then infos; within a severity by key.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no finding is an error.
    pub fn is_accepted(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Findings of one severity.
    pub fn of(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }
}

/// The set of rules a configuration is judged by.
pub struct Validator {
    rules: Vec<Box<dyn Rule>>,
}

impl Default for Validator {
    fn default() -> Self {
        Validator::with_builtin_rules()
    }
}

impl Validator {
    /// A validator with no rules at all.
    pub fn empty() -> Self {
        Validator { rules: Vec::new() }
    }

    /// A validator with every built-in rule of [`rules::builtin`].
    pub fn with_builtin_rules() -> Self {
        Validator {
            rules: rules::builtin(),
        }
    }

    /// Adds a rule; it runs after the rules registered before it.
    pub fn register(&mut self, rule: impl Rule + 'static) -> &mut Self {
        self.rules.push(Box::new(rule));
        self
    }

    /// Ids of the registered rules, in order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id()).collect()
    }

    /// Runs every rule against `config`.
    pub fn validate(&self, config: &AlysConfig) -> Report {
        let ctx = RuleContext { config };
        let mut all = Vec::new();
        for rule in &self.rules {
            let mut findings = Findings {
                rule: rule.id(),
                out: &mut all,
            };
            rule.check(&ctx, &mut findings);
        }
        all.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.key.cmp(&b.key)));
        Report { findings: all }
    }
}
