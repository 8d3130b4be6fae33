//! Evidence rules end to end: well-built integrations in seven languages get no warning from them
//! (every rule passes, pointing at its evidence), repositories missing one behaviour get exactly
//! that warning, suppressions apply to missing behaviour, and the checklist map
//! (`golive rules --checklist`) covers every item.
//!
//! Fixtures are scanned by their path relative to the repository root (the working directory of
//! `golive()`), so the human reports are the same in every checkout.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{golive, redact};

/// The evidence rules, in `rules/evidence.toml` order.
const EVIDENCE_RULES: &[&str] = &[
    "production-base-url",
    "credentials-from-env",
    "production-merchant-ids",
    "idempotent-request-id",
    "decline-code-handling",
    "token-refresh",
    "auth-401-retry",
    "polling-fallback",
    "webhook-dedup-code",
    "payment-logging",
    "alerting-thresholds",
];

/// Well-built integrations, one per language (Ruby and C# were written as holdouts, after the
/// rules were tuned on the others).
const GOOD: &[&str] = &["node", "python", "java", "go", "php", "ruby", "csharp"];

/// The configuration that runs only the evidence rules.
const EVIDENCE_ONLY: &str = "fixtures/config/valid/evidence-only.toml";

/// `golive scan REPO` (REPO relative to the repository root) with extra args: (exit code, stdout).
fn scan(repo: &str, args: &[&str]) -> (i32, String) {
    let out = golive().arg("scan").arg(repo).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Rule → (status, message, findings) of the evidence rules in a JSON report.
fn evidence_results(report: &Value) -> BTreeMap<String, (String, String, Vec<Value>)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| EVIDENCE_RULES.contains(&r["rule"].as_str().unwrap()))
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                (
                    r["status"].as_str().unwrap().to_string(),
                    r["message"].as_str().unwrap().to_string(),
                    r["findings"].as_array().cloned().unwrap_or_default(),
                ),
            )
        })
        .collect()
}

fn json_scan(repo: &str, args: &[&str]) -> Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let (_, out) = scan(repo, &a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn well_built_integrations_get_no_warning_from_the_evidence_rules() {
    for lang in GOOD {
        let repo = format!("fixtures/repos/evidence-good-{lang}");
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(&repo).is_dir(), "{repo}");
        let report = json_scan(&repo, &["--config", EVIDENCE_ONLY]);
        let results = evidence_results(&report);
        assert_eq!(results.len(), EVIDENCE_RULES.len(), "{repo}");
        for (rule, (status, message, findings)) in &results {
            assert_eq!(status, "pass", "{repo}: {rule}: {message}");
            // Evidence: the pass points at the code that shows the behaviour.
            assert!(!findings.is_empty(), "{repo}: {rule} passed without evidence");
            assert!(message.contains(": found at "), "{repo}: {rule}: {message}");
            for f in findings {
                let path = f["path"].as_str().unwrap();
                assert!(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join(&repo).join(path).is_file(),
                    "{repo}: {rule}: {path}"
                );
                assert!(f["suppressed"].is_null());
            }
        }
        assert!(report["warnings"].as_array().unwrap().is_empty(), "{repo}: {}", report["warnings"]);
        // Evidence is not a problem: not even --fail-on warn fails the run.
        let (code, human) = scan(&repo, &["--config", EVIDENCE_ONLY, "--fail-on", "warn"]);
        assert_eq!(code, 0, "{repo}:\n{human}");
    }
}

/// (fixture, the evidence rule it lacks, the status that rule gets).
const MISSING: &[(&str, &str)] = &[
    ("production-base-url", "fail"),
    ("credentials-from-env", "warn"),
    ("production-merchant-ids", "warn"),
    ("idempotent-request-id", "warn"),
    ("decline-code-handling", "warn"),
    ("token-refresh", "warn"),
    ("auth-401-retry", "warn"),
    ("polling-fallback", "warn"),
    ("webhook-dedup-code", "warn"),
    ("payment-logging", "warn"),
    ("alerting-thresholds", "warn"),
];

#[test]
fn a_repository_missing_one_behaviour_gets_exactly_that_warning() {
    assert_eq!(MISSING.iter().map(|(r, _)| *r).collect::<Vec<_>>(), EVIDENCE_RULES, "one fixture per evidence rule");
    for (missing, expected) in MISSING {
        let repo = format!("fixtures/repos/evidence-missing-{missing}");
        let report = json_scan(&repo, &["--config", EVIDENCE_ONLY]);
        for (rule, (status, message, findings)) in evidence_results(&report) {
            if rule == *missing {
                assert_eq!(status, *expected, "{repo}: {rule}: {message}");
                assert!(!findings.is_empty(), "{repo}: {rule} warns without saying where");
            } else {
                assert_eq!(status, "pass", "{repo}: {rule} should still pass: {message}");
            }
        }
        // Warnings fail only under --fail-on warn; the error-severity base URL fails always.
        let (code, _) = scan(&repo, &["--config", EVIDENCE_ONLY]);
        assert_eq!(code, i32::from(*expected == "fail"), "{repo}");
        let (code, _) = scan(&repo, &["--config", EVIDENCE_ONLY, "--fail-on", "warn"]);
        assert_eq!(code, 1, "{repo}");
    }
}

#[test]
fn human_report_of_a_well_built_integration() {
    let (code, human) = scan("fixtures/repos/evidence-good-node", &["--config", EVIDENCE_ONLY]);
    insta::assert_snapshot!("good_node", format!("exit code: {code}\n{}", redact(&human, None)));
}

#[test]
fn human_report_of_a_missing_behaviour() {
    let (code, human) = scan("fixtures/repos/evidence-missing-token-refresh", &["--config", EVIDENCE_ONLY]);
    insta::assert_snapshot!("missing_token_refresh", format!("exit code: {code}\n{}", redact(&human, None)));
}

#[test]
fn the_error_severity_base_url_rule_reads_as_a_failure() {
    let (code, human) = scan("fixtures/repos/evidence-missing-production-base-url", &["--config", EVIDENCE_ONLY]);
    assert_eq!(code, 1, "{human}");
    insta::assert_snapshot!("missing_production_base_url", format!("exit code: {code}\n{}", redact(&human, None)));
}

#[test]
fn a_repository_without_exirom_code_skips_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/app.ts"), "export const answer = 42;\n").unwrap();
    let out = golive().args(["scan", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (rule, (status, message, _)) in evidence_results(&report) {
        assert_eq!(status, "skip", "{rule}");
        if rule == "alerting-thresholds" {
            assert!(message.contains("attest-alerting"), "{message}");
        } else {
            assert!(message.contains("no Exirom integration"), "{rule}: {message}");
        }
    }
}

#[test]
fn suppressions_apply_to_missing_behaviour() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/pay.ts"),
        "// golive:ignore payment-logging the platform's HTTP middleware logs every Exirom call\nexport const pay = (b) => http.post('/v1/payments/card', b);\n",
    )
    .unwrap();
    std::fs::write(
        root.join("golive.toml"),
        "[[ignore]]\nrule = \"polling-fallback\"\nreason = \"reconciliation runs in the ops repository\"\n\n[[ignore]]\nrule = \"token-refresh\"\npath = \"nowhere/**\"\nreason = \"stale entry\"\n",
    )
    .unwrap();
    let out = golive().args(["scan", "--format", "json"]).arg(root).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = evidence_results(&report);
    let (status, message, findings) = &results["polling-fallback"];
    assert_eq!(status, "skip", "{message}");
    assert!(message.contains("reconciliation runs in the ops repository"), "{message}");
    assert_eq!(findings[0]["suppressed"], "reconciliation runs in the ops repository");
    let (status, message, _) = &results["payment-logging"];
    assert_eq!(status, "skip", "{message}");
    assert!(message.contains("the platform's HTTP middleware logs every Exirom call"), "{message}");
    // A missing behaviour nobody waived still warns.
    assert_eq!(results["decline-code-handling"].0, "warn");
    let warnings: Vec<&str> = report["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("nowhere/**") && w.contains("matched no finding")), "{warnings:?}");
}

#[test]
fn rules_test_runs_the_evidence_examples() {
    let out = golive().args(["rules", "test"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for rule in EVIDENCE_RULES {
        assert!(stdout.lines().any(|l| l.starts_with(&format!("ok    {rule} ("))), "{rule}:\n{stdout}");
    }
}

#[test]
fn checklist_map_lists_every_item_with_its_rules() {
    let out = golive().args(["rules", "--checklist"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("(no rule)"), "{stdout}");
    insta::assert_snapshot!("checklist_map", stdout);
}

#[test]
fn the_human_report_follows_the_checklist_sections() {
    let (_, human) = scan("fixtures/repos/evidence-good-node", &[]);
    let order: Vec<&str> =
        human.lines().filter(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with("golive ")).collect();
    assert_eq!(order[..4], ["Configuration", "Code Quality", "Operations", "PCI DSS"], "{human}");
}

#[test]
fn the_demo_shop_shows_a_mix_of_evidence_and_gaps() {
    let out = golive().args(["check", "--format", "json", "fixtures/demo-shop"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: BTreeMap<String, String> =
        evidence_results(&report).into_iter().map(|(r, (s, _, _))| (r, s)).collect();
    let expected: BTreeMap<String, String> = [
        ("production-base-url", "fail"),
        ("credentials-from-env", "warn"),
        ("production-merchant-ids", "pass"),
        ("idempotent-request-id", "warn"),
        ("decline-code-handling", "pass"),
        ("token-refresh", "warn"),
        ("auth-401-retry", "warn"),
        ("polling-fallback", "pass"),
        ("webhook-dedup-code", "pass"),
        ("payment-logging", "pass"),
        ("alerting-thresholds", "skip"),
    ]
    .into_iter()
    .map(|(r, s)| (r.to_string(), s.to_string()))
    .collect();
    assert_eq!(statuses, expected);
}
