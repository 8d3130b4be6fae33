//! GitHub Actions workflow commands: an `::error`/`::warning`/`::notice` annotation for each of the
//! [`MAX_ANNOTATIONS`] most severe problems, then one summary line. A problem is an unsuppressed
//! finding of a rule that failed, warned or could not be checked, or such a rule itself when it has
//! nothing to point at in the code (webhook and sandbox rules, absences): that annotation has no file.
//!
//! GitHub shows at most 10 annotations of each kind per step, so more would only be noise; the
//! SARIF upload and the Markdown summary carry everything. Paths are relative to the directory golive
//! ran in ([`Report::repo_path`]), which in a workflow is the repository root. Values are escaped as
//! `@actions/core` does: `%`, `\r`, `\n` in messages, plus `:` and `,` in properties.
//!
//! With `--format github`, `output::emit` also appends the Markdown ticket to the file named by
//! `$GITHUB_STEP_SUMMARY`, so the job summary shows the whole report.
//!
//! See: <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use std::fmt::Write as _;

use super::{Level, Report, RuleResult};
use crate::probe::Finding;

/// Most annotations written per run.
pub const MAX_ANNOTATIONS: usize = 10;

struct Annotation<'a> {
    level: Level,
    result: &'a RuleResult,
    finding: Option<&'a Finding>,
}

/// Renders the workflow commands and the summary line.
pub fn render(report: &Report) -> String {
    let mut all: Vec<Annotation<'_>> = Vec::new();
    for r in &report.results {
        let Some(level) = Level::of(r) else { continue };
        let open: Vec<&Finding> = r.findings.iter().filter(|f| f.suppressed.is_none()).collect();
        if open.is_empty() {
            all.push(Annotation { level, result: r, finding: None });
        }
        all.extend(open.into_iter().map(|f| Annotation { level, result: r, finding: Some(f) }));
    }
    // Most severe first; a stable sort keeps checklist order within a level.
    all.sort_by_key(|a| std::cmp::Reverse(a.level));
    let mut out = String::new();
    for a in all.iter().take(MAX_ANNOTATIONS) {
        write_annotation(&mut out, report, a);
    }
    let s = &report.summary;
    let verdict = match report.verdict {
        super::Verdict::Pass => "PASS",
        super::Verdict::Fail => "FAIL",
    };
    let _ = write!(
        out,
        "golive {verdict}: {} passed, {} failed, {} warnings, {} skipped, {} errors, {} manual",
        s.pass, s.fail, s.warn, s.skip, s.error, s.manual
    );
    if all.len() > MAX_ANNOTATIONS {
        let _ = write!(
            out,
            "; annotated the {MAX_ANNOTATIONS} most severe of {} problems (the SARIF and Markdown reports have all)",
            all.len()
        );
    }
    out.push('\n');
    out
}

fn write_annotation(out: &mut String, report: &Report, a: &Annotation<'_>) {
    let command = match a.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    };
    let r = a.result;
    let mut props = Vec::new();
    let mut message = r.message.clone();
    match a.finding {
        Some(f) => {
            props.push(format!("file={}", escape_property(&report.repo_path(&f.path))));
            props.push(format!("line={}", f.line.max(1)));
            if f.column > 0 {
                props.push(format!("col={}", f.column));
            }
            if !f.snippet.trim().is_empty() {
                message = format!("{message}\n{}", f.snippet.trim());
            }
        }
        None => {
            if r.status == crate::probe::Status::Error {
                message = format!("could not be checked: {message}");
            }
        }
    }
    props.push(format!("title={}", escape_property(&format!("golive {}: {}", r.rule, r.title))));
    if let Some(url) = &r.docs_url {
        message = format!("{message}\nFix: {url}");
    }
    let _ = writeln!(out, "::{command} {}::{}", props.join(","), escape_data(&message));
}

/// Escapes a workflow command's message (`escapeData` in `@actions/core`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command property value (`escapeProperty` in `@actions/core`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Status;
    use crate::report::tests::sample;

    #[test]
    fn output() {
        insta::assert_snapshot!(render(&sample()));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(render(&Report::empty()));
    }

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn at_most_ten_annotations_most_severe_first() {
        let mut r = sample();
        let template = r.results[1].findings[0].clone();
        r.results[1].findings = (1..=15).map(|line| Finding { line, ..template.clone() }).collect();
        let out = render(&r);
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
        assert_eq!(lines.len(), MAX_ANNOTATIONS);
        assert!(lines[0].starts_with(
            "::error file=fixtures/demo-shop/src/config.js,line=3,col=17,title=golive hardcoded-credential%3A"
        ));
        assert!(lines[1].starts_with("::error title=golive webhook-tls-version"), "{}", lines[1]);
        assert!(lines[2..].iter().all(|l| l.starts_with("::warning ")));
        assert!(out.contains("annotated the 10 most severe of 17 problems"));
        assert!(!out.contains("docs/a.md"), "suppressed findings are not annotated");
    }

    #[test]
    fn a_clean_run_has_no_annotations() {
        let mut r = sample();
        r.results.retain(|x| x.status == Status::Pass);
        assert!(!render(&r).contains("::"));
    }
}
