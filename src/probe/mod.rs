//! What every probe produces: [`Outcome`]s made of a [`Status`], a message, [`Finding`]s and
//! measurements, plus the [`RunContext`] probes read.
//!
//! A probe failure is a result, not an error: a timeout, TLS failure or 5xx becomes `Status::Error`
//! on that rule with a message, and the run continues.

pub mod manual;
pub mod sandbox;
pub mod static_scan;
pub mod webhook;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::checklist::{ProbeKind, Rule};
use crate::config::Config;
use crate::gating::{Baseline, Scope};
use crate::secret::Credentials;

/// The result of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The rule holds.
    Pass,
    /// The rule is violated (severity error).
    Fail,
    /// The rule is violated (severity warn or info), or held with a caveat.
    Warn,
    /// The rule did not run; the message says why.
    Skip,
    /// The rule could not be checked (network failure, unreadable input); the message says why.
    Error,
    /// Needs a person's attestation.
    Manual,
}

impl Status {
    /// Every status, in summary order.
    pub const ALL: [Status; 6] = [Self::Pass, Self::Fail, Self::Warn, Self::Skip, Self::Error, Self::Manual];

    /// The lowercase name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Skip => "skip",
            Self::Error => "error",
            Self::Manual => "manual",
        }
    }
}

/// A place in the repository (or a piece of evidence) that a rule points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The matched line with secrets and card numbers masked.
    pub snippet: String,
    /// Content-based fingerprint (rule + normalized value hash), stable across edits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Why the finding is suppressed (`golive:ignore`, `[[ignore]]`, baseline), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// Named measurements of a rule (ms, versions, ids); JSON values, sorted by key.
pub type Measurements = BTreeMap<String, serde_json::Value>;

/// One rule's outcome, as a probe reports it (before severity overrides are applied).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The rule id.
    pub rule: String,
    /// Status. Probes report `Fail` for a violated rule; the engine lowers it to `Warn` for
    /// rules whose effective severity is warn or info.
    pub status: Status,
    /// One line for people.
    pub message: String,
    /// Evidence locations.
    pub findings: Vec<Finding>,
    /// Measurements.
    pub measurements: Measurements,
}

impl Outcome {
    /// An outcome with a status and message.
    pub fn new(rule: &str, status: Status, message: impl Into<String>) -> Self {
        Self {
            rule: rule.to_string(),
            status,
            message: message.into(),
            findings: Vec::new(),
            measurements: Measurements::new(),
        }
    }

    /// Rule holds.
    pub fn pass(rule: &str, message: impl Into<String>) -> Self {
        Self::new(rule, Status::Pass, message)
    }

    /// Rule violated.
    pub fn fail(rule: &str, message: impl Into<String>) -> Self {
        Self::new(rule, Status::Fail, message)
    }

    /// Rule held with a caveat (always a warning, whatever the severity).
    pub fn warn(rule: &str, message: impl Into<String>) -> Self {
        Self::new(rule, Status::Warn, message)
    }

    /// Rule not run.
    pub fn skip(rule: &str, message: impl Into<String>) -> Self {
        Self::new(rule, Status::Skip, message)
    }

    /// Rule could not be checked.
    pub fn error(rule: &str, message: impl Into<String>) -> Self {
        Self::new(rule, Status::Error, message)
    }

    /// Adds a measurement.
    #[must_use]
    pub fn measure(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.measurements.insert(key.to_string(), value.into());
        self
    }

    /// Adds findings.
    #[must_use]
    pub fn with_findings(mut self, findings: Vec<Finding>) -> Self {
        self.findings = findings;
        self
    }
}

/// Everything a probe may read during a run.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The scanned repository root.
    pub root: PathBuf,
    /// The validated configuration (CLI flags already applied).
    pub config: Config,
    /// Exirom credentials from the environment, if set.
    pub credentials: Option<Credentials>,
    /// Files the static probe limits itself to (from `--changed-since` or `--staged`), relative to root.
    pub only_files: Option<Vec<PathBuf>>,
    /// `--changed-since`/`--staged`: the changed files and their earlier versions; findings already
    /// present there are not reported again.
    pub scope: Option<Arc<Scope>>,
    /// `--baseline`: known findings, reported as suppressed ("baselined").
    pub baseline: Option<Arc<Baseline>>,
}

/// Whether `probe` has an implementation called `name` (used to validate checklist files).
pub fn implements(probe: ProbeKind, name: &str) -> bool {
    match probe {
        ProbeKind::Static => static_scan::implements(name),
        ProbeKind::Webhook => webhook::implements(name),
        ProbeKind::Sandbox => sandbox::implements(name),
        ProbeKind::Manual => manual::implements(name),
    }
}

/// Rules of one probe, for dispatch.
pub fn of_kind<'a>(rules: &[&'a Rule], kind: ProbeKind) -> Vec<&'a Rule> {
    rules.iter().copied().filter(|r| r.probe == kind).collect()
}

#[cfg(test)]
mod tests {
    use crate::checklist::{Checklist, ProbeKind};

    /// Every built-in rule id has an implementation, and every implementation has a rule.
    #[test]
    fn every_rule_has_one_implementation() {
        let c = Checklist::builtin();
        for r in &c.rules {
            assert!(
                super::implements(r.probe, &r.implementation) || r.probe == ProbeKind::Static,
                "{} has no implementation",
                r.id
            );
        }
        for name in super::webhook::IMPLEMENTATIONS {
            assert!(
                c.rules.iter().any(|r| r.probe == ProbeKind::Webhook && r.implementation == *name),
                "webhook check {name} has no rule"
            );
        }
        for name in super::sandbox::IMPLEMENTATIONS {
            assert!(
                c.rules.iter().any(|r| r.probe == ProbeKind::Sandbox && r.implementation == *name),
                "sandbox flow {name} has no rule"
            );
        }
        for name in super::static_scan::IMPLEMENTATIONS {
            assert!(
                c.rules.iter().any(|r| r.static_spec.as_ref().and_then(|s| s.detector.as_deref()) == Some(*name)),
                "static detector {name} has no rule"
            );
        }
    }

    #[test]
    fn rule_ids() {
        let ids: Vec<String> = Checklist::builtin().rules.iter().map(|r| format!("{} {}", r.probe, r.id)).collect();
        insta::assert_snapshot!(ids.join("\n"));
    }
}
