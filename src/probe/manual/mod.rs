//! Manual attestations: checklist items only a person can confirm (monitoring, alerting, on-call,
//! support contact, settlement), read from `[attest.<name>]` in golive.toml.
//!
//! A missing attestation is `manual`; it fails the verdict only with `--require-attestations`.

use crate::checklist::Rule;
use crate::probe::{Outcome, RunContext, Status};

/// Manual rules need no code beyond this module; any id is accepted.
pub fn implements(_name: &str) -> bool {
    true
}

/// The `[attest]` key for a rule: the id without `attest-` (`attest-on-call` → `on-call`).
pub fn attest_key(rule_id: &str) -> &str {
    rule_id.strip_prefix("attest-").unwrap_or(rule_id)
}

/// Reads the attestation of each manual rule.
pub fn run(ctx: &RunContext, rules: &[&Rule]) -> Vec<Outcome> {
    rules
        .iter()
        .map(|r| {
            let key = attest_key(&r.id);
            match ctx.config.attest.get(key) {
                Some(a) => {
                    let mut o = Outcome::pass(&r.id, format!("attested by {} on {}", a.who, a.when));
                    o = o.measure("who", a.who.clone()).measure("when", a.when.clone());
                    if let Some(e) = &a.evidence {
                        o = o.measure("evidence", e.clone());
                    }
                    o
                }
                None => Outcome::new(
                    &r.id,
                    Status::Manual,
                    format!("not attested: add [attest.{key}] with who, when and evidence to golive.toml"),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attest_key_strips_prefix() {
        assert_eq!(attest_key("attest-on-call"), "on-call");
        assert_eq!(attest_key("custom"), "custom");
    }
}
