//! The static probe (placeholder until its issue lands).

use crate::checklist::Rule;
use crate::engine::ProbeRun;
use crate::probe::{Outcome, RunContext};

/// Names of the built-in detectors this probe offers.
pub const IMPLEMENTATIONS: &[&str] = &[];

/// Whether a detector called `name` exists.
pub fn implements(name: &str) -> bool {
    IMPLEMENTATIONS.contains(&name)
}

/// Runs the rules over the repository.
pub fn run(_ctx: &RunContext, rules: &[&Rule]) -> ProbeRun {
    rules.iter().map(|r| Outcome::skip(&r.id, "not implemented yet")).collect::<Vec<_>>().into()
}
