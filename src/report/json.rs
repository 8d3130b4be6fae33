//! The `golive-report/1` JSON format: the machine-readable report CI scripts depend on.
//!
//! ## Wire format
//!
//! Field names are a public contract: fields are only ever added, never renamed. Any change that is
//! not an addition bumps [`SCHEMA`](super::SCHEMA). `schema/golive-report-1.json` is the JSON Schema;
//! a test validates real output against it.
//!
//! ### Report (the top-level object)
//! - `schema`: `"golive-report/1"`
//! - `tool`: `{ "name": "golive", "version": "0.1.0" }`
//! - `started_at`: RFC 3339 UTC time the run started
//! - `duration_ms`: wall time of the run
//! - `verdict`: `"pass"` or `"fail"`
//! - `summary`: `{ pass, fail, warn, skip, error, manual }`, counts of results
//! - `results`: array of Result, one per selected rule, in checklist order then rule id
//! - `warnings`: strings: what could not be read or checked outside any single rule
//! - `context`: Context
//!
//! ### Result
//! - `rule`: permanent rule id (`sandbox-url`)
//! - `probe`: `static` | `webhook` | `sandbox` | `manual`
//! - `severity`: `error` | `warn` | `info` (after the user's overrides)
//! - `status`: `pass` | `fail` | `warn` | `skip` | `error` | `manual`
//! - `title`, `message`: text for people
//! - `checklist`: the first checklist item id the rule proves; `checklist_items`: all of them;
//!   `section`: the checklist section title
//! - `docs_url`: the Exirom page with the fix (optional)
//! - `findings`: array of Finding
//! - `measurements`: object of named values (ms, versions, `transactionId`, `traceId`, …)
//!
//! ### Finding
//! - `path`: relative to the scanned root, `/`-separated
//! - `line`, `column`: 1-based
//! - `snippet`: the line, with secrets and card numbers masked
//! - `fingerprint`: content-based id (optional), stable across edits; used by `[[ignore]]` and baselines
//! - `suppressed`: why the finding does not count (optional)
//!
//! ### Context
//! - `project`, `root`, `commit` (git HEAD), `ruleset_version`, `webhook_url`, `sandbox_base_url`,
//!   `attestations` (array of `{ name, who, when, evidence }`)

use sha2::{Digest as _, Sha256};

use super::Report;
use super::redact::Redactor;

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

/// The lowercase hex SHA-256 of the exact bytes `--format json` writes for this report (rendered,
/// then redacted as `output::emit` does), so a Markdown or HTML ticket can be matched to its JSON
/// record.
pub fn sha256(report: &Report) -> String {
    let json = Redactor::for_report(report).apply_format(&render(report), super::Format::Json);
    hex::encode(Sha256::digest(json.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    fn validate(json: &str) {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/golive-report-1.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{e} at {:?}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn output() {
        let out = render(&sample());
        validate(&out);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn digest_is_sha256_of_the_rendered_json() {
        let r = sample();
        let d = sha256(&r);
        assert_eq!(d.len(), 64);
        assert_eq!(d, hex::encode(Sha256::digest(render(&r).as_bytes())));
        let mut other = sample();
        other.duration_ms += 1;
        assert_ne!(sha256(&other), d, "any change to the report changes the digest");
    }

    #[test]
    fn empty() {
        let out = render(&Report::empty());
        validate(&out);
        insta::assert_snapshot!(out);
    }
}
