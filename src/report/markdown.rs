//! The Markdown go-live ticket (GitHub-flavoured: tables): verdict and summary first, a table per
//! checklist section with every rule's status, evidence and fix link, then attestations, warnings and
//! the audit context that makes the report a record (versions, commit, URLs, time, JSON digest).
//!
//! Text from the report is escaped so it cannot break a table or turn into markup: `|` and
//! newlines in cells, and Markdown punctuation everywhere. This is also what `golive` appends to
//! `$GITHUB_STEP_SUMMARY` with `--format github`.

use std::fmt::Write as _;

use super::ticket::{self, Cell};
use super::{Report, RuleResult};
use crate::probe::Status;

/// Renders the go-live ticket as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&ticket::title(report)));
    let verdict = match report.verdict {
        super::Verdict::Pass => "✅ PASS",
        super::Verdict::Fail => "❌ FAIL",
    };
    let _ = writeln!(out, "**Verdict: {verdict}.** {}\n", escape(&ticket::verdict_sentence(report)));
    write_summary(&mut out, report);
    let c = &report.context;
    let _ = writeln!(
        out,
        "Checked by golive {} (ruleset {}) at {}{}. The audit context is at the end.\n",
        escape(&report.tool.version),
        escape(&c.ruleset_version),
        escape(&report.started_at),
        c.commit.as_deref().map(|h| format!(" on commit {}", code(h))).unwrap_or_default(),
    );
    for (section, results) in report.by_section() {
        let _ = writeln!(out, "## {}\n", escape(section));
        let _ = writeln!(out, "| Status | Rule | Evidence | Fix |");
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for r in results {
            write_row(&mut out, r);
        }
        let _ = writeln!(out);
    }
    write_attestations(&mut out, report);
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "## Warnings\n");
        for w in &report.warnings {
            let _ = writeln!(out, "- {}", escape(w));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Audit context\n");
    let _ = writeln!(out, "| | |");
    let _ = writeln!(out, "| --- | --- |");
    for (name, cell) in ticket::audit_rows(report) {
        let value = match cell {
            Cell::Text(t) => escape(&t),
            Cell::Code(t) => code(&t),
            Cell::Link(u) => link(&u, &u),
        };
        let _ = writeln!(out, "| {name} | {value} |");
    }
    let _ = writeln!(out, "\n{}", ticket::DIGEST_NOTE);
    out
}

fn write_summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    let head: Vec<String> = Status::ALL.iter().map(|st| label(*st)).collect();
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", " ---: |".repeat(Status::ALL.len()));
    let counts: Vec<String> = Status::ALL.iter().map(|st| s.get(*st).to_string()).collect();
    let _ = writeln!(out, "| {} |\n", counts.join(" | "));
}

fn label(st: Status) -> String {
    let (emoji, word) = ticket::status_label(st);
    format!("{emoji} {word}")
}

fn write_row(out: &mut String, r: &RuleResult) {
    let rule = format!("{}<br>{}", code(&r.rule), escape(&r.title));
    let mut evidence = Vec::new();
    if !r.message.is_empty() {
        evidence.push(escape(&r.message));
    }
    let (shown, more) = ticket::shown_findings(r);
    for f in shown {
        let mut line = format!("{} {}", code(&ticket::location(f)), code(f.snippet.trim()));
        if let Some(why) = &f.suppressed {
            let _ = write!(line, " (suppressed: {})", escape(why));
        }
        evidence.push(line);
    }
    if more > 0 {
        evidence.push(format!("… and {more} more (see the JSON or SARIF report)"));
    }
    if !r.measurements.is_empty() {
        let m: Vec<String> =
            r.measurements.iter().map(|(k, v)| format!("{}: {}", escape(k), code(&ticket::value_text(v)))).collect();
        evidence.push(m.join(", "));
    }
    let mut fix = Vec::new();
    if let Some(url) = &r.docs_url {
        fix.push(link("Exirom docs", url));
    }
    if matches!(r.status, Status::Fail | Status::Warn | Status::Error | Status::Manual) {
        fix.push(code(&format!("golive rules {}", r.rule)));
    }
    let _ = writeln!(out, "| {} | {rule} | {} | {} |", label(r.status), evidence.join("<br>"), fix.join("<br>"));
}

fn write_attestations(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Attestations\n");
    let att = &report.context.attestations;
    if att.is_empty() {
        let _ = writeln!(out, "No attestations recorded in golive.toml.\n");
        return;
    }
    let _ = writeln!(out, "| Attestation | Who | When | Evidence |");
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    for a in att {
        let evidence = match a.evidence.as_deref() {
            Some(e) if e.starts_with("https://") || e.starts_with("http://") => link(e, e),
            Some(e) => escape(e),
            None => "none given".into(),
        };
        let _ = writeln!(out, "| {} | {} | {} | {evidence} |", code(&a.name), escape(&a.who), escape(&a.when));
    }
    let _ = writeln!(out);
}

/// Escapes text for a Markdown table cell: Markdown punctuation is backslash-escaped, `|` cannot
/// end the cell, and a newline becomes `<br>` (a raw one would end the row).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Inline code that survives backticks, `|` and newlines in its content.
fn code(s: &str) -> String {
    let body: String = s.chars().map(|c| if c == '\n' || c == '\r' || c.is_control() { ' ' } else { c }).collect();
    let body = body.replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A link; the URL's `(`, `)`, `|` and spaces are percent-encoded so it cannot end early.
fn link(text: &str, url: &str) -> String {
    let url = url.replace('(', "%28").replace(')', "%29").replace('|', "%7C").replace(' ', "%20");
    let url = url.replace(['\n', '\r', '<', '>'], "");
    format!("[{}]({url})", escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    /// The JSON digest changes with any JSON change; its correctness has its own test.
    fn snapshot(name: &str, text: &str) {
        insta::with_settings!({ filters => vec![(r"\b[0-9a-f]{64}\b", "[SHA-256]")] }, {
            insta::assert_snapshot!(name, text);
        });
    }

    #[test]
    fn output() {
        snapshot("output", &render(&sample()));
    }

    #[test]
    fn empty() {
        snapshot("empty", &render(&Report::empty()));
    }

    /// Every table row has the same number of cells as its header, whatever the text contains.
    #[test]
    fn hostile_text_cannot_break_a_table() {
        let mut r = sample();
        r.results[0].message = "a | b\nc\r\nd `e` <script>x</script>".into();
        r.results[0].findings[0].snippet = "x = `a|b` ``c``\nnext".into();
        r.context.attestations[0].who = "eve | mallory\n| injected | row |".into();
        let md = render(&r);
        for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells = |line: &str| line.replace("\\|", "").matches('|').count();
            let mut lines = table.lines();
            let head = cells(lines.next().unwrap());
            for line in lines {
                assert_eq!(cells(line), head, "{line}");
            }
        }
        assert!(!md.contains("<script>"));
        assert!(md.contains("a \\| b<br>c<br>d"));
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn digest_in_the_ticket_matches_the_json_report() {
        let r = sample();
        let md = render(&r);
        assert!(md.contains(&format!("`{}`", crate::report::json::sha256(&r))));
        assert!(md.contains("exact bytes of this run's JSON report"));
    }
}
