//! JUnit XML (via quick-junit) for CI systems that show test results: GitLab, Jenkins, Azure
//! DevOps, CircleCI, and GitHub through JUnit-reporting actions.
//!
//! One `<testsuite>` per checklist section, one `<testcase>` per rule (`name` = rule id, `classname`
//! = section), so a clean run shows every rule passing. Status mapping:
//!
//! | golive | JUnit | why |
//! | --- | --- | --- |
//! | pass | passed | |
//! | fail | `<failure type="fail">` | the body lists the (masked) findings and the fix link |
//! | error | `<failure type="error">` | a rule that could not be checked fails the gate like a violation |
//! | warn | passed, with the warning in `<system-out>` | mirrors the default gate (`--fail-on error`): a warning does not fail the run |
//! | skip | `<skipped>` | the message says why |
//! | manual | `<skipped type="manual">` | awaiting a person's attestation |
//!
//! Measurements (timings, transaction ids) go to the test case's `<system-out>` as evidence.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report as JUnitReport, TestCase, TestCaseStatus, TestSuite};

use super::{Report, RuleResult, ticket};
use crate::probe::Status;

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut junit = JUnitReport::new("golive");
    junit.set_time(Duration::from_millis(report.duration_ms));
    for (section, results) in report.by_section() {
        let mut suite = TestSuite::new(section);
        for r in results {
            suite.add_test_case(test_case(r));
        }
        junit.add_test_suite(suite);
    }
    // quick-junit writes to a Vec; only an I/O error could fail it.
    let mut xml = junit.to_string().unwrap_or_default();
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

fn test_case(r: &RuleResult) -> TestCase {
    let status = match r.status {
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Fail | Status::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let prefix = if r.status == Status::Error { "could not be checked: " } else { "" };
            s.set_message(format!("{prefix}{}", r.message));
            s.set_type(r.status.as_str());
            s.set_description(failure_body(r));
            s
        }
        Status::Skip | Status::Manual => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(&r.message);
            if r.status == Status::Manual {
                s.set_type("manual");
            }
            s
        }
    };
    let mut case = TestCase::new(&r.rule, status);
    case.set_classname(&r.section);
    let mut out = String::new();
    let _ = writeln!(out, "{} (probe {}, status {}, severity {})", r.title, r.probe, r.status.as_str(), r.severity);
    if r.status == Status::Warn {
        let _ = writeln!(out, "warning: {}", r.message);
        write_findings(&mut out, r);
    } else if r.status == Status::Pass && !r.message.is_empty() {
        let _ = writeln!(out, "{}", r.message);
    }
    for (k, v) in &r.measurements {
        let _ = writeln!(out, "{k}: {}", ticket::value_text(v));
    }
    case.set_system_out(out);
    case
}

/// What a failure shows: the findings (masked snippets) and where the fix is documented.
fn failure_body(r: &RuleResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", r.title, r.message);
    write_findings(&mut out, r);
    if let Some(url) = &r.docs_url {
        let _ = writeln!(out, "fix: {url}");
    }
    let _ = writeln!(out, "details: golive rules {}", r.rule);
    out
}

fn write_findings(out: &mut String, r: &RuleResult) {
    let (shown, more) = ticket::shown_findings(r);
    for f in shown {
        let suppressed = f.suppressed.as_ref().map(|s| format!(" [suppressed: {s}]")).unwrap_or_default();
        let _ = writeln!(out, "  {}  {}{suppressed}", ticket::location(f), f.snippet.trim());
    }
    if more > 0 {
        let _ = writeln!(out, "  … and {more} more (see the JSON or SARIF report)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{all_pass, sample};

    #[test]
    fn output() {
        insta::assert_snapshot!(render(&sample()));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(render(&Report::empty()));
    }

    #[test]
    fn one_case_per_rule_and_statuses_map() {
        let xml = render(&sample());
        assert_eq!(xml.matches("<testcase ").count(), sample().results.len());
        assert_eq!(xml.matches("<failure ").count(), 2, "fail and error");
        assert_eq!(xml.matches("<skipped").count(), 2, "skip and manual");
        assert!(xml.contains("src/config.js:3:17  const secret = &quot;sk_l****&quot;;"));
        let clean = render(&all_pass());
        assert!(!clean.contains("<failure") && !clean.contains("<skipped"));
        assert_eq!(clean.matches("<testcase ").count(), crate::checklist::Checklist::builtin().rules.len());
    }

    /// Parses the XML with junitparser (PyPI), the JUnit reader many CI tools build on, and checks
    /// it sees every rule with the right outcome. Needs `python3 -c 'import junitparser'`
    /// (`.ci/run` installs it); otherwise the test says it skipped.
    #[test]
    fn accepted_by_junitparser() {
        if !junitparser_available() {
            println!("skipped: python3 with junitparser not found (pip install junitparser)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for report in [sample(), Report::empty(), all_pass()] {
            let path = dir.path().join("junit.xml");
            std::fs::write(&path, render(&report)).unwrap();
            let seen = parse_with_junitparser(&path);
            let want: Vec<(String, String, String)> = report
                .results
                .iter()
                .map(|r| {
                    let outcome = match r.status {
                        Status::Pass | Status::Warn => "passed",
                        Status::Fail | Status::Error => "failure",
                        Status::Skip | Status::Manual => "skipped",
                    };
                    (r.section.clone(), r.rule.clone(), outcome.to_string())
                })
                .collect();
            assert_eq!(seen, want);
        }
    }

    pub(crate) fn junitparser_available() -> bool {
        std::process::Command::new("python3")
            .args(["-c", "import junitparser"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// (suite, case, outcome) for every test case, as junitparser reads the file.
    pub(crate) fn parse_with_junitparser(path: &std::path::Path) -> Vec<(String, String, String)> {
        const SCRIPT: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    for case in suite:
        kinds = [type(r).__name__.lower() for r in case.result]
        out.append([suite.name, case.name, case.classname, kinds[0] if kinds else "passed"])
print(json.dumps(out))
"#;
        let out = std::process::Command::new("python3").args(["-c", SCRIPT]).arg(path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<(String, String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
        for (suite, _, classname, _) in &rows {
            assert_eq!(suite, classname, "classname is the section");
        }
        rows.into_iter().map(|(s, c, _, k)| (s, c, k)).collect()
    }
}
