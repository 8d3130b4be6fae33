//! The terminal view: grouped by checklist section, colour on a TTY, one summary line at the end,
//! findings as `path:line:col` with the masked snippet.

use std::fmt::Write as _;

use owo_colors::OwoColorize;

use super::{Report, RuleResult, Verdict};
use crate::probe::Status;

/// Most findings shown per rule; the rest are counted (the JSON report has them all).
const MAX_FINDINGS: usize = 20;

/// Renders the report for a terminal. `color` adds ANSI colour.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let title = report.context.project.as_deref().unwrap_or(&report.context.root);
    let _ = writeln!(out, "golive {}: go-live check of {title}", report.tool.version);
    for (section, results) in report.by_section() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint(section, color, Paint::Bold));
        for r in results {
            write_result(&mut out, r, color);
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint("Warnings", color, Paint::Bold));
        for w in &report.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    let _ = writeln!(out);
    let s = &report.summary;
    let verdict = match report.verdict {
        Verdict::Pass => paint("PASS", color, Paint::Green),
        Verdict::Fail => paint("FAIL", color, Paint::Red),
    };
    let _ = writeln!(
        out,
        "{verdict}: {} passed, {} failed, {} warnings, {} skipped, {} errors, {} manual ({} ms)",
        s.pass, s.fail, s.warn, s.skip, s.error, s.manual, report.duration_ms
    );
    out
}

fn write_result(out: &mut String, r: &RuleResult, color: bool) {
    let (label, paint_as) = match r.status {
        Status::Pass => ("PASS  ", Paint::Green),
        Status::Fail => ("FAIL  ", Paint::Red),
        Status::Warn => ("WARN  ", Paint::Yellow),
        Status::Skip => ("SKIP  ", Paint::Dim),
        Status::Error => ("ERROR ", Paint::Red),
        Status::Manual => ("MANUAL", Paint::Cyan),
    };
    let _ = writeln!(
        out,
        "  {} {} {}",
        paint(label, color, paint_as),
        r.rule,
        paint(&format!("({})", r.title), color, Paint::Dim)
    );
    if !r.message.is_empty() {
        let _ = writeln!(out, "         {}", r.message);
    }
    for f in r.findings.iter().take(MAX_FINDINGS) {
        let loc = format!("{}:{}:{}", f.path, f.line, f.column);
        let suppressed = f.suppressed.as_ref().map(|s| format!(" [suppressed: {s}]")).unwrap_or_default();
        let _ = writeln!(out, "         {}  {}{suppressed}", paint(&loc, color, Paint::Bold), f.snippet.trim());
    }
    if r.findings.len() > MAX_FINDINGS {
        let _ = writeln!(out, "         … and {} more (see --format json)", r.findings.len() - MAX_FINDINGS);
    }
    if matches!(r.status, Status::Fail | Status::Warn | Status::Error)
        && let Some(url) = &r.docs_url
    {
        let _ = writeln!(out, "         fix: golive rules {}  ·  {url}", r.rule);
    }
}

#[derive(Clone, Copy)]
enum Paint {
    Bold,
    Dim,
    Green,
    Red,
    Yellow,
    Cyan,
}

fn paint(s: &str, color: bool, p: Paint) -> String {
    if !color {
        return s.to_string();
    }
    match p {
        Paint::Bold => s.bold().to_string(),
        Paint::Dim => s.dimmed().to_string(),
        Paint::Green => s.green().bold().to_string(),
        Paint::Red => s.red().bold().to_string(),
        Paint::Yellow => s.yellow().bold().to_string(),
        Paint::Cyan => s.cyan().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn output() {
        insta::assert_snapshot!(render(&sample(), false));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(render(&Report::empty(), false));
    }

    #[test]
    fn color_only_when_asked() {
        assert!(!render(&sample(), false).contains('\u{1b}'));
        assert!(render(&sample(), true).contains('\u{1b}'));
    }
}
