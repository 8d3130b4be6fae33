//! Accuracy benchmark of the static probe (issue 3), judged from the outside: `golive scan --format json`
//! runs on six realistic merchant repositories under `fixtures/eval/` (Node/TypeScript, Python, PHP,
//! Java, Go, Ruby) and on `clean-shop`; the reported findings are matched against the ground truth in
//! `fixtures/eval/EXPECTED.toml` and every rule must reach precision and recall of at least 0.95, with
//! no finding at all on `clean-shop`.
//!
//! The same scorer runs on a second, held-out corpus, `fixtures/eval-holdout/` (`holdout_accuracy`):
//! six other merchant repositories in other frameworks, written independently of the detectors. It was
//! scored once, blind, then fixed against; it is a regression test now.
//!
//! A third corpus, `fixtures/eval-blind/` (`blind_accuracy`), was written the same way in yet other
//! frameworks after the first two had been fixed against, scored once blind (the honest estimate, in
//! its README), then fixed against too. All three run in every `cargo test`.
//!
//! Matching rules (the header of EXPECTED.toml states them for corpus authors):
//! - a report matches an expected finding with the same repo, rule and path on its `line` or one of its
//!   `alt_lines`; for the two handler-level rules (`webhook-signature-unverified`, `token-per-request`)
//!   a report within ±3 lines matches;
//! - a second report of an already matched problem is a duplicate, neither right nor wrong;
//! - a report of a rule listed in an expected finding's `also`, on that finding's line, is tolerated;
//! - suppressed findings (with a `suppressed` reason) and rules outside the ten are not scored;
//! - every other report is a false positive; when it lands on a listed near-miss, its kind is shown.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::{fixture, golive};

/// The ten static rules of issue 3, in its order.
const RULES: [&str; 10] = [
    "hardcoded-credential",
    "sandbox-url",
    "insecure-api-url",
    "pan-in-source",
    "pan-in-log",
    "cvv-storage",
    "legacy-tls",
    "test-card-in-production",
    "webhook-signature-unverified",
    "token-per-request",
];

/// A corpus: a folder under `fixtures/` with an `EXPECTED.toml`, its repositories with planted problems
/// and the clean repository `CLEAN`.
struct Corpus {
    /// Folder under `fixtures/`.
    dir: &'static str,
    /// Repositories with planted problems.
    repos: &'static [&'static str],
    /// Fewest planted problems each rule must have.
    min_per_rule: usize,
}

/// The corpus the detectors were developed against.
const EVAL: Corpus = Corpus {
    dir: "eval",
    repos: &["node-shop", "python-shop", "php-shop", "java-shop", "go-shop", "ruby-shop"],
    min_per_rule: 10,
};

/// The held-out corpus: never tune the detectors against it.
const HOLDOUT: Corpus = Corpus {
    dir: "eval-holdout",
    repos: &["nest-store", "flask-pay", "woo-gateway", "kotlin-payments", "echo-checkout", "sinatra-shop"],
    min_per_rule: 10,
};

/// The blind corpus: written without sight of the detectors and never tuned against; score it once.
const BLIND: Corpus = Corpus {
    dir: "eval-blind",
    repos: &[
        "next-storefront",
        "fastapi-orders",
        "symfony-billing",
        "quarkus-checkout",
        "gin-gateway",
        "roda-merchant",
    ],
    min_per_rule: 7,
};

/// The repository that must produce no finding.
const CLEAN: &str = "clean-shop";

/// Minimum precision and recall per rule.
const BAR: f64 = 0.95;

/// Line tolerance of the handler-level rules.
const HANDLER_TOLERANCE: usize = 3;

/// The corpus must stay small.
const MAX_CORPUS_BYTES: u64 = 1024 * 1024;

/// `fixtures/<corpus>/EXPECTED.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
    #[serde(default)]
    near_miss: Vec<NearMiss>,
}

/// A planted problem.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    repo: String,
    rule: String,
    path: String,
    line: usize,
    text: String,
    #[serde(default)]
    alt_lines: Vec<usize>,
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    note: String,
}

/// Text that looks like a problem but is not one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NearMiss {
    repo: String,
    path: String,
    line: usize,
    kind: String,
    text: String,
    #[serde(default)]
    note: String,
}

/// One unsuppressed finding of one of the ten rules, as golive reported it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Reported {
    repo: String,
    rule: String,
    path: String,
    line: usize,
}

/// What one `golive-report/1` document says about the ten rules.
#[derive(Debug, Default)]
struct Parsed {
    /// Unsuppressed findings of the ten rules, deduplicated by (rule, path, line), sorted.
    findings: Vec<Reported>,
    /// Status of each of the ten rules present in the report.
    statuses: BTreeMap<String, String>,
    /// Findings that carried a `suppressed` reason (not scored).
    suppressed: usize,
}

/// Reads a `golive-report/1` JSON document (see src/report/json.rs for the wire format).
fn parse_report(repo: &str, json: &str) -> Result<Parsed, String> {
    let doc: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{repo}: report is not JSON: {e}"))?;
    match doc.get("schema").and_then(serde_json::Value::as_str) {
        Some("golive-report/1") => {}
        other => return Err(format!("{repo}: unexpected report schema {other:?}")),
    }
    let results =
        doc.get("results").and_then(serde_json::Value::as_array).ok_or(format!("{repo}: no results array"))?;
    let mut parsed = Parsed::default();
    let mut seen = BTreeSet::new();
    for result in results {
        let rule =
            result.get("rule").and_then(serde_json::Value::as_str).ok_or(format!("{repo}: result without rule"))?;
        if !RULES.contains(&rule) {
            continue;
        }
        let status = result.get("status").and_then(serde_json::Value::as_str).unwrap_or("?");
        parsed.statuses.insert(rule.to_string(), status.to_string());
        let findings = result.get("findings").and_then(serde_json::Value::as_array).map_or(&[][..], Vec::as_slice);
        for f in findings {
            if f.get("suppressed").is_some_and(|s| !s.is_null()) {
                parsed.suppressed += 1;
                continue;
            }
            let path = f
                .get("path")
                .and_then(serde_json::Value::as_str)
                .ok_or(format!("{repo}: {rule} finding without path"))?;
            let line = f
                .get("line")
                .and_then(serde_json::Value::as_u64)
                .and_then(|l| usize::try_from(l).ok())
                .ok_or(format!("{repo}: {rule} finding without line"))?;
            let path = path.trim_start_matches("./").to_string();
            if seen.insert((rule.to_string(), path.clone(), line)) {
                parsed.findings.push(Reported { repo: repo.to_string(), rule: rule.to_string(), path, line });
            }
        }
    }
    parsed.findings.sort();
    Ok(parsed)
}

/// How far from its expected line a report of `rule` may be.
fn tolerance(rule: &str) -> usize {
    if matches!(rule, "webhook-signature-unverified" | "token-per-request") { HANDLER_TOLERANCE } else { 0 }
}

/// Distance from `line` to the nearest line that reports `e`, if the report is close enough.
fn distance(e: &ExpectedFinding, line: usize) -> Option<usize> {
    let tol = tolerance(&e.rule);
    std::iter::once(e.line).chain(e.alt_lines.iter().copied()).map(|l| l.abs_diff(line)).filter(|d| *d <= tol).min()
}

/// Precision/recall counts of one rule.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct RuleScore {
    expected: usize,
    matched: usize,
    false_positives: usize,
    duplicates: usize,
    tolerated: usize,
}

impl RuleScore {
    fn precision(&self) -> f64 {
        let reported = self.matched + self.false_positives;
        if reported == 0 { 1.0 } else { self.matched as f64 / reported as f64 }
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 { 1.0 } else { self.matched as f64 / self.expected as f64 }
    }
}

/// The outcome of matching reports against the ground truth.
#[derive(Debug, Default)]
struct Score {
    per_rule: BTreeMap<&'static str, RuleScore>,
    /// Expected findings nobody reported: "repo/path:line rule (note)".
    misses: Vec<String>,
    /// Unexpected reports: "repo/path:line rule [near-miss kind]".
    false_positives: Vec<String>,
}

impl Score {
    /// Rules below the bar, with why.
    fn failures(&self) -> Vec<String> {
        self.per_rule
            .iter()
            .filter(|(_, s)| s.precision() < BAR || s.recall() < BAR)
            .map(|(rule, s)| format!("{rule}: precision {:.3}, recall {:.3}", s.precision(), s.recall()))
            .collect()
    }
}

/// Matches `reported` (findings of the scored repositories) against `expected`.
fn score(expected: &Expected, reported: &[Reported]) -> Score {
    let mut out = Score::default();
    for rule in RULES {
        let n = expected.finding.iter().filter(|e| e.rule == rule).count();
        out.per_rule.insert(rule, RuleScore { expected: n, ..RuleScore::default() });
    }
    let mut matched = vec![false; expected.finding.len()];
    for r in reported {
        let Some(rule) = RULES.iter().copied().find(|x| *x == r.rule) else { continue };
        let entry = out.per_rule.entry(rule).or_default();
        let candidates: Vec<(usize, usize)> = expected
            .finding
            .iter()
            .enumerate()
            .filter(|(_, e)| e.repo == r.repo && e.rule == r.rule && e.path == r.path)
            .filter_map(|(i, e)| distance(e, r.line).map(|d| (d, i)))
            .collect();
        if let Some(&(_, i)) = candidates.iter().filter(|(_, i)| !matched[*i]).min() {
            matched[i] = true;
            entry.matched += 1;
        } else if !candidates.is_empty() {
            entry.duplicates += 1;
        } else if expected.finding.iter().any(|e| {
            e.repo == r.repo
                && e.path == r.path
                && e.also.contains(&r.rule)
                && (e.line == r.line || e.alt_lines.contains(&r.line))
        }) {
            entry.tolerated += 1;
        } else {
            entry.false_positives += 1;
            let tol = tolerance(&r.rule);
            let kinds: Vec<&str> = expected
                .near_miss
                .iter()
                .filter(|n| n.repo == r.repo && n.path == r.path && n.line.abs_diff(r.line) <= tol)
                .map(|n| n.kind.as_str())
                .collect();
            let hint = if kinds.is_empty() { String::new() } else { format!(" [near-miss: {}]", kinds.join(", ")) };
            out.false_positives.push(format!("{}/{}:{} {}{hint}", r.repo, r.path, r.line, r.rule));
        }
    }
    for (e, hit) in expected.finding.iter().zip(&matched) {
        if !hit {
            out.misses.push(format!("{}/{}:{} {} ({})", e.repo, e.path, e.line, e.rule, e.note));
        }
    }
    out
}

/// Problems with a clean repository's report: any unsuppressed finding, or a rule that did not pass.
fn clean_problems(parsed: &Parsed) -> Vec<String> {
    let mut problems: Vec<String> =
        parsed.findings.iter().map(|f| format!("{}/{}:{} {}", f.repo, f.path, f.line, f.rule)).collect();
    for rule in RULES {
        match parsed.statuses.get(rule).map(String::as_str) {
            Some("pass") => {}
            Some(other) => problems.push(format!("{rule}: status {other}, want pass")),
            None => problems.push(format!("{rule}: missing from the report")),
        }
    }
    problems
}

/// The per-rule table, then the misses and false positives.
fn render(score: &Score, clean: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<30} {:>8} {:>7} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "rule", "expected", "matched", "FP", "dup", "tol", "precision", "recall"
    );
    let mut total = RuleScore::default();
    for (rule, r) in &score.per_rule {
        let flag = if r.precision() < BAR || r.recall() < BAR { "  <-- below 0.95" } else { "" };
        let _ = writeln!(
            s,
            "{rule:<30} {:>8} {:>7} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}{flag}",
            r.expected,
            r.matched,
            r.false_positives,
            r.duplicates,
            r.tolerated,
            r.precision(),
            r.recall()
        );
        total.expected += r.expected;
        total.matched += r.matched;
        total.false_positives += r.false_positives;
        total.duplicates += r.duplicates;
        total.tolerated += r.tolerated;
    }
    let _ = writeln!(
        s,
        "{:<30} {:>8} {:>7} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
        "all rules",
        total.expected,
        total.matched,
        total.false_positives,
        total.duplicates,
        total.tolerated,
        total.precision(),
        total.recall()
    );
    for (title, items) in [("missed", &score.misses), ("false positives", &score.false_positives)] {
        if !items.is_empty() {
            let _ = writeln!(s, "\n{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(s, "  {item}");
            }
        }
    }
    let _ = writeln!(s, "\n{CLEAN}: {}", if clean.is_empty() { "no findings".to_string() } else { clean.join("; ") });
    s
}

fn eval_dir(corpus: &Corpus) -> PathBuf {
    fixture(corpus.dir)
}

fn load_expected(corpus: &Corpus) -> Expected {
    let path = eval_dir(corpus).join("EXPECTED.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `golive scan REPO --format json` from inside the repository (so no outer golive.toml applies).
fn scan(corpus: &Corpus, repo: &str) -> Parsed {
    let dir = eval_dir(corpus).join(repo);
    let out = golive().args(["scan", "--format", "json"]).arg(&dir).current_dir(&dir).output().expect("run golive");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "golive scan {repo} exited {code:?}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_report(repo, &String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| panic!("{e}"))
}

/// Scans every repository of `corpus` and asserts the bar, printing the per-rule table.
#[allow(clippy::print_stdout, reason = "the per-rule table is the ignored tests' output")]
fn accuracy(corpus: &Corpus) {
    let expected = load_expected(corpus);
    let mut reported = Vec::new();
    for repo in corpus.repos {
        reported.extend(scan(corpus, repo).findings);
    }
    let clean = clean_problems(&scan(corpus, CLEAN));
    let score = score(&expected, &reported);
    let table = render(&score, &clean);
    println!("{table}");
    let failures = score.failures();
    assert!(failures.is_empty() && clean.is_empty(), "below the bar: {failures:?}; {CLEAN}: {clean:?} (table above)");
}

#[test]
fn static_probe_accuracy() {
    accuracy(&EVAL);
}

/// The second corpus. Its first score, before any detector saw it, was the honest estimate
/// (precision 0.981, recall 0.897 over 117 problems; see fixtures/eval-holdout/README.md); the
/// misses were fixed since, so it is a regression test now, like the first.
#[test]
fn holdout_accuracy() {
    accuracy(&HOLDOUT);
}

/// The third corpus: its one blind score (precision 0.932, recall 0.958 over 72 problems) is in
/// fixtures/eval-blind/README.md; fixed since, it is a regression test now.
#[test]
fn blind_accuracy() {
    accuracy(&BLIND);
}

/// Lines of a corpus file.
fn lines_of(corpus: &Corpus, repo: &str, path: &str) -> Vec<String> {
    let file = eval_dir(corpus).join(repo).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    text.lines().map(str::to_string).collect()
}

/// Total size of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| if e.file_type().unwrap().is_dir() { size_of(&e.path()) } else { e.metadata().unwrap().len() })
        .sum()
}

/// The ground truth agrees with the corpus: every line named still holds its text, the rules are the ten,
/// nothing is listed twice, each rule has the corpus's minimum of positives, and the corpus stays small.
#[test]
fn expected_toml_matches_the_corpus() {
    check_corpus(&EVAL);
}

/// The same checks for the held-out corpus.
#[test]
fn holdout_expected_toml_matches_the_corpus() {
    check_corpus(&HOLDOUT);
}

/// The same checks for the blind corpus (they read only its ground truth and files, never run golive).
#[test]
fn blind_expected_toml_matches_the_corpus() {
    check_corpus(&BLIND);
}

fn check_corpus(corpus: &Corpus) {
    let repos = corpus.repos;
    let expected = load_expected(corpus);
    let mut problems = Vec::new();
    let mut keys = BTreeSet::new();
    for e in &expected.finding {
        let at = format!("{}/{}:{} {}", e.repo, e.path, e.line, e.rule);
        if !repos.contains(&e.repo.as_str()) {
            problems.push(format!("{at}: repo must be one of {repos:?} ({CLEAN} has no findings)"));
        }
        if !RULES.contains(&e.rule.as_str()) {
            problems.push(format!("{at}: unknown rule"));
        }
        if e.also.iter().any(|a| !RULES.contains(&a.as_str()) || *a == e.rule) {
            problems.push(format!("{at}: bad `also` {:?}", e.also));
        }
        if e.note.is_empty() {
            problems.push(format!("{at}: no note"));
        }
        if !keys.insert((e.repo.clone(), e.path.clone(), e.line, e.rule.clone())) {
            problems.push(format!("{at}: listed twice"));
        }
        let lines = lines_of(corpus, &e.repo, &e.path);
        match lines.get(e.line.wrapping_sub(1)) {
            Some(l) if l.contains(&e.text) => {}
            _ => {
                let actual = lines.iter().position(|l| l.contains(&e.text)).map(|i| i + 1);
                problems.push(format!("{at}: line does not contain {:?} (found on line {actual:?})", e.text));
            }
        }
        if e.alt_lines.iter().any(|l| *l == 0 || *l > lines.len()) {
            problems.push(format!("{at}: alt_lines out of range"));
        }
    }
    for n in &expected.near_miss {
        let at = format!("{}/{}:{} near-miss {}", n.repo, n.path, n.line, n.kind);
        let lines = lines_of(corpus, &n.repo, &n.path);
        if !lines.get(n.line.wrapping_sub(1)).is_some_and(|l| l.contains(&n.text)) {
            let actual = lines.iter().position(|l| l.contains(&n.text)).map(|i| i + 1);
            problems.push(format!("{at}: line does not contain {:?} (found on line {actual:?})", n.text));
        }
        if n.note.is_empty() {
            problems.push(format!("{at}: no note"));
        }
    }
    for rule in RULES {
        let n = expected.finding.iter().filter(|e| e.rule == rule).count();
        if n < corpus.min_per_rule {
            problems.push(format!("{rule}: only {n} planted problems (want at least {})", corpus.min_per_rule));
        }
    }
    for repo in repos.iter().chain([&CLEAN]) {
        if !expected.near_miss.iter().any(|n| n.repo == *repo) {
            problems.push(format!("{repo}: no near-misses listed"));
        }
    }
    let size = size_of(&eval_dir(corpus));
    if size > MAX_CORPUS_BYTES {
        problems.push(format!("corpus is {size} bytes, over {MAX_CORPUS_BYTES}"));
    }
    assert!(problems.is_empty(), "{}: {problems:#?}", corpus.dir);
}

#[cfg(test)]
mod scorer {
    use super::*;

    /// A synthetic report in the golive-report/1 wire format.
    fn report(results: &serde_json::Value) -> String {
        serde_json::json!({
            "schema": "golive-report/1",
            "tool": {"name": "golive", "version": "0.1.0"},
            "started_at": "2026-01-01T00:00:00Z",
            "duration_ms": 3,
            "verdict": "fail",
            "summary": {"pass": 0, "fail": 1, "warn": 0, "skip": 0, "error": 0, "manual": 0},
            "results": results,
            "warnings": [],
            "context": {"project": "x", "root": "/tmp/x"}
        })
        .to_string()
    }

    fn finding(path: &str, line: u64) -> serde_json::Value {
        serde_json::json!({"path": path, "line": line, "column": 1, "snippet": "…", "fingerprint": "abc"})
    }

    fn expected_from(toml_text: &str) -> Expected {
        toml::from_str(toml_text).unwrap()
    }

    fn rep(repo: &str, rule: &str, path: &str, line: usize) -> Reported {
        Reported { repo: repo.into(), rule: rule.into(), path: path.into(), line }
    }

    #[test]
    fn parses_findings_skips_suppressed_other_rules_and_duplicates() {
        let mut suppressed = finding("src/a.ts", 9);
        suppressed["suppressed"] = serde_json::json!("golive:ignore fixture data");
        let json = report(&serde_json::json!([
            {"rule": "sandbox-url", "status": "fail", "findings": [finding("./src/a.ts", 3), finding("src/a.ts", 3), suppressed]},
            {"rule": "pan-in-log", "status": "pass", "findings": []},
            {"rule": "webhook-tls-version", "status": "fail", "findings": [finding("x", 1)]},
            {"rule": "legacy-tls", "status": "warn", "findings": [finding("nginx.conf", 12)]}
        ]));
        let parsed = parse_report("node-shop", &json).unwrap();
        assert_eq!(
            parsed.findings,
            vec![rep("node-shop", "legacy-tls", "nginx.conf", 12), rep("node-shop", "sandbox-url", "src/a.ts", 3)]
        );
        assert_eq!(parsed.suppressed, 1);
        assert_eq!(parsed.statuses.get("pan-in-log").map(String::as_str), Some("pass"));
        assert!(!parsed.statuses.contains_key("webhook-tls-version"));
    }

    #[test]
    fn rejects_other_documents() {
        assert!(parse_report("r", "not json").is_err());
        assert!(parse_report("r", r#"{"schema": "golive-report/2", "results": []}"#).is_err());
        assert!(parse_report("r", r#"{"schema": "golive-report/1"}"#).is_err());
        let no_line =
            report(&serde_json::json!([{"rule": "pan-in-log", "status": "fail", "findings": [{"path": "a"}]}]));
        assert!(parse_report("r", &no_line).is_err());
    }

    const TRUTH: &str = r#"
        [[finding]]
        repo = "r"
        rule = "legacy-tls"
        path = "a.conf"
        line = 10
        text = "ssl_protocols TLSv1"
        note = "n"

        [[finding]]
        repo = "r"
        rule = "webhook-signature-unverified"
        path = "hook.js"
        line = 20
        text = "X-Checksum"
        note = "n"

        [[finding]]
        repo = "r"
        rule = "cvv-storage"
        path = "Entity.java"
        line = 7
        alt_lines = [6]
        text = "cvv"
        note = "n"

        [[finding]]
        repo = "r"
        rule = "test-card-in-production"
        path = "demo.ts"
        line = 4
        also = ["pan-in-source"]
        text = "4111"
        note = "n"

        [[near_miss]]
        repo = "r"
        path = "b.conf"
        line = 2
        kind = "tls12-config"
        text = "TLSv1.2"
        note = "n"
    "#;

    #[test]
    fn exact_lines_for_most_rules_and_tolerance_for_handlers() {
        let truth = expected_from(TRUTH);
        let s = score(
            &truth,
            &[
                rep("r", "legacy-tls", "a.conf", 11),
                rep("r", "webhook-signature-unverified", "hook.js", 23),
                rep("r", "cvv-storage", "Entity.java", 6),
                rep("r", "test-card-in-production", "demo.ts", 4),
            ],
        );
        assert_eq!(s.per_rule["legacy-tls"], RuleScore { expected: 1, false_positives: 1, ..RuleScore::default() });
        assert_eq!(s.per_rule["webhook-signature-unverified"].matched, 1);
        assert_eq!(s.per_rule["cvv-storage"].matched, 1);
        assert_eq!(s.per_rule["test-card-in-production"].matched, 1);
        assert_eq!(s.misses, vec!["r/a.conf:10 legacy-tls (n)"]);
        assert_eq!(s.false_positives, vec!["r/a.conf:11 legacy-tls"]);
        assert_eq!(s.failures(), vec!["legacy-tls: precision 0.000, recall 0.000"]);

        let far = score(&truth, &[rep("r", "webhook-signature-unverified", "hook.js", 24)]);
        assert_eq!(far.per_rule["webhook-signature-unverified"].matched, 0);
        assert_eq!(far.per_rule["webhook-signature-unverified"].false_positives, 1);
    }

    #[test]
    fn duplicates_and_also_rules_are_neither_right_nor_wrong() {
        let truth = expected_from(TRUTH);
        let s = score(
            &truth,
            &[
                rep("r", "cvv-storage", "Entity.java", 6),
                rep("r", "cvv-storage", "Entity.java", 7),
                rep("r", "webhook-signature-unverified", "hook.js", 18),
                rep("r", "webhook-signature-unverified", "hook.js", 21),
                rep("r", "pan-in-source", "demo.ts", 4),
                rep("r", "pan-in-source", "demo.ts", 5),
            ],
        );
        let cvv = &s.per_rule["cvv-storage"];
        assert_eq!((cvv.matched, cvv.duplicates, cvv.false_positives), (1, 1, 0));
        let hook = &s.per_rule["webhook-signature-unverified"];
        assert_eq!((hook.matched, hook.duplicates, hook.false_positives), (1, 1, 0));
        let pan = &s.per_rule["pan-in-source"];
        assert_eq!((pan.tolerated, pan.false_positives, pan.expected), (1, 1, 0));
        assert!(pan.precision().abs() < f64::EPSILON);
        assert!(s.per_rule["test-card-in-production"].recall().abs() < f64::EPSILON);
    }

    #[test]
    fn false_positives_name_the_near_miss_they_hit() {
        let truth = expected_from(TRUTH);
        let s = score(&truth, &[rep("r", "legacy-tls", "b.conf", 2), rep("other", "legacy-tls", "a.conf", 10)]);
        assert_eq!(
            s.false_positives,
            vec!["r/b.conf:2 legacy-tls [near-miss: tls12-config]", "other/a.conf:10 legacy-tls"]
        );
    }

    #[test]
    fn the_ground_truth_itself_scores_perfectly() {
        for corpus in [&EVAL, &HOLDOUT, &BLIND] {
            let truth = load_expected(corpus);
            let reported: Vec<Reported> =
                truth.finding.iter().map(|e| rep(&e.repo, &e.rule, &e.path, e.line)).collect();
            let s = score(&truth, &reported);
            assert!(s.failures().is_empty() && s.misses.is_empty() && s.false_positives.is_empty(), "{s:#?}");
            assert_eq!(s.per_rule.values().map(|r| r.matched).sum::<usize>(), truth.finding.len());
        }
    }

    #[test]
    fn precision_and_recall_arithmetic() {
        let r = RuleScore { expected: 20, matched: 19, false_positives: 1, duplicates: 3, tolerated: 2 };
        assert!((r.precision() - 0.95).abs() < 1e-9);
        assert!((r.recall() - 0.95).abs() < 1e-9);
        assert!((RuleScore::default().precision() - 1.0).abs() < f64::EPSILON);
        let mut s = Score::default();
        s.per_rule.insert("pan-in-log", r.clone());
        assert!(s.failures().is_empty());
        s.per_rule.insert("pan-in-log", RuleScore { matched: 18, ..r });
        assert_eq!(s.failures(), vec!["pan-in-log: precision 0.947, recall 0.900"]);
    }

    #[test]
    fn clean_repository_needs_every_rule_to_pass_without_findings() {
        let all_pass: Vec<_> =
            RULES.iter().map(|r| serde_json::json!({"rule": r, "status": "pass", "findings": []})).collect();
        let ok = parse_report(CLEAN, &report(&serde_json::Value::Array(all_pass.clone()))).unwrap();
        assert!(clean_problems(&ok).is_empty());

        let mut bad = all_pass;
        bad[1] = serde_json::json!({"rule": "sandbox-url", "status": "fail", "findings": [finding("a.env", 2)]});
        bad[2] = serde_json::json!({"rule": "insecure-api-url", "status": "skip", "findings": []});
        bad.pop();
        let parsed = parse_report(CLEAN, &report(&serde_json::Value::Array(bad))).unwrap();
        assert_eq!(
            clean_problems(&parsed),
            vec![
                "clean-shop/a.env:2 sandbox-url",
                "sandbox-url: status fail, want pass",
                "insecure-api-url: status skip, want pass",
                "token-per-request: missing from the report",
            ]
        );
    }

    #[test]
    fn table_lists_misses_false_positives_and_the_clean_repo() {
        let truth = expected_from(TRUTH);
        let s = score(&truth, &[rep("r", "legacy-tls", "b.conf", 2)]);
        let table = render(&s, &["clean-shop/x:1 sandbox-url".to_string()]);
        assert!(table.contains("legacy-tls                            1       0    1"), "{table}");
        assert!(table.contains("below 0.95"));
        assert!(table.contains("missed (4):"));
        assert!(table.contains("r/b.conf:2 legacy-tls [near-miss: tls12-config]"));
        assert!(table.contains("clean-shop: clean-shop/x:1 sandbox-url"));
    }
}
