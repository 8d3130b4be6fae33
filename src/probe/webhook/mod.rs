//! The webhook probe (placeholder until its issue lands).

pub mod address;
pub mod checksum;
pub mod legacy;
pub mod payload;

use crate::checklist::Rule;
use crate::engine::ProbeRun;
use crate::probe::{Outcome, RunContext};

/// Names of the implementations this probe offers.
pub const IMPLEMENTATIONS: &[&str] = &[];

/// Whether an implementation called `name` exists.
pub fn implements(name: &str) -> bool {
    IMPLEMENTATIONS.contains(&name)
}

/// Runs the rules.
#[allow(clippy::unused_async)]
pub async fn run(_ctx: &RunContext, rules: &[&Rule]) -> ProbeRun {
    rules.iter().map(|r| Outcome::skip(&r.id, "not implemented yet")).collect::<Vec<_>>().into()
}
