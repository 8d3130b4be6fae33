//! What the go-live ticket says, shared by the Markdown and HTML formats so both carry the same
//! content: status labels, the verdict sentence, each rule's evidence, and the audit context.

use super::{Report, RuleResult, Verdict, json};
use crate::probe::{Finding, Status};

/// Most findings listed per rule; the rest are counted (the JSON and SARIF reports have them all).
pub(crate) const MAX_FINDINGS: usize = 20;

/// Emoji and word for a status (the word keeps the ticket readable where emoji are not).
pub(crate) fn status_label(st: Status) -> (&'static str, &'static str) {
    match st {
        Status::Pass => ("✅", "PASS"),
        Status::Fail => ("❌", "FAIL"),
        Status::Warn => ("⚠️", "WARN"),
        Status::Skip => ("⏭️", "SKIP"),
        Status::Error => ("💥", "ERROR"),
        Status::Manual => ("✋", "MANUAL"),
    }
}

/// The heading: the project name, else the scanned root.
pub(crate) fn title(report: &Report) -> String {
    let name = report.context.project.as_deref().unwrap_or(&report.context.root);
    format!("Go-live report: {name}")
}

/// One sentence under the verdict: what it means and what is left.
pub(crate) fn verdict_sentence(report: &Report) -> String {
    let s = &report.summary;
    if report.results.is_empty() {
        return "No rules were selected, so nothing was checked.".into();
    }
    let mut parts = Vec::new();
    match report.verdict {
        Verdict::Fail => {
            parts.push("Not ready to go live".to_string());
            let mut why = Vec::new();
            if s.fail > 0 {
                why.push(plural(s.fail, "rule fails", "rules fail"));
            }
            if s.error > 0 {
                why.push(plural(s.error, "rule could not be checked", "rules could not be checked"));
            }
            if s.warn > 0 {
                why.push(plural(s.warn, "warning", "warnings"));
            }
            if s.manual > 0 {
                why.push(plural(s.manual, "item awaits attestation", "items await attestation"));
            }
            if !why.is_empty() {
                parts.push(format!(": {}", why.join(", ")));
            }
        }
        Verdict::Pass => {
            parts.push("Ready to go live for everything checked".to_string());
            let mut open = Vec::new();
            if s.warn > 0 {
                open.push(plural(s.warn, "warning", "warnings"));
            }
            if s.manual > 0 {
                open.push(plural(s.manual, "item awaits attestation", "items await attestation"));
            }
            if s.skip > 0 {
                open.push(plural(s.skip, "rule was skipped", "rules were skipped"));
            }
            if !open.is_empty() {
                parts.push(format!("; open: {}", open.join(", ")));
            }
        }
    }
    parts.push(".".into());
    parts.concat()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A finding's location as `path:line`, with `:column` when known.
pub(crate) fn location(f: &Finding) -> String {
    if f.column > 0 { format!("{}:{}:{}", f.path, f.line, f.column) } else { format!("{}:{}", f.path, f.line) }
}

/// A measurement value as text (strings without their JSON quotes).
pub(crate) fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The findings a ticket lists for a result, and how many more there are.
pub(crate) fn shown_findings(r: &RuleResult) -> (&[Finding], usize) {
    let n = r.findings.len().min(MAX_FINDINGS);
    (&r.findings[..n], r.findings.len() - n)
}

/// A value in the audit context.
pub(crate) enum Cell {
    /// Plain text.
    Text(String),
    /// Monospace (ids, paths, digests).
    Code(String),
    /// A link shown as its URL.
    Link(String),
}

/// The audit record: what ran, on what, when, with which inputs.
pub(crate) fn audit_rows(report: &Report) -> Vec<(&'static str, Cell)> {
    let c = &report.context;
    let mut rows = vec![
        ("golive version", Cell::Code(report.tool.version.clone())),
        ("Ruleset version", Cell::Code(c.ruleset_version.clone())),
    ];
    if let Some(p) = &c.project {
        rows.push(("Project", Cell::Text(p.clone())));
    }
    rows.push(("Scanned root", Cell::Code(c.root.clone())));
    rows.push((
        "Commit",
        c.commit.clone().map_or_else(|| Cell::Text("unknown (not a git work tree)".into()), Cell::Code),
    ));
    rows.push(("Webhook URL", c.webhook_url.clone().map_or_else(|| Cell::Text("not probed".into()), Cell::Link)));
    rows.push((
        "Sandbox base URL",
        c.sandbox_base_url.clone().map_or_else(
            || Cell::Text("not used".into()),
            |u| if u.starts_with("http") { Cell::Link(u) } else { Cell::Code(u) },
        ),
    ));
    rows.push(("Started (UTC)", Cell::Text(report.started_at.clone())));
    rows.push(("Duration", Cell::Text(format!("{} ms", report.duration_ms))));
    rows.push(("SHA-256 of the JSON report", Cell::Code(json::sha256(report))));
    rows
}

/// The sentence that says what the digest covers.
pub(crate) const DIGEST_NOTE: &str = "The SHA-256 is computed over the exact bytes of this run's JSON report \
     (`golive-report/1`, as written by `--format json`), so this ticket can be matched to the machine-readable record.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn verdict_sentences() {
        assert_eq!(
            verdict_sentence(&sample()),
            "Not ready to go live: 1 rule fails, 1 rule could not be checked, 1 warning, 1 item awaits attestation."
        );
        assert_eq!(verdict_sentence(&Report::empty()), "No rules were selected, so nothing was checked.");
        let mut r = sample();
        r.results.retain(|x| matches!(x.status, Status::Pass | Status::Skip));
        r.summary = crate::report::Summary::of(&r.results);
        r.verdict = Verdict::Pass;
        assert_eq!(verdict_sentence(&r), "Ready to go live for everything checked; open: 1 rule was skipped.");
    }
}
