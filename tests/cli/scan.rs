//! `golive scan`: one row per static rule over `fixtures/repos/<id>/` (human output and JSON
//! findings snapshotted), the clean repo, suppressions, unreadable files, thread-count
//! independence, `golive rules test`, and precision/recall on the mixed evaluation repo.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use golive::probe::static_scan::card;
use serde_json::Value;

use crate::common::{fixture, golive, redact};

/// Every static rule id, in `rules/static.toml` order.
const RULES: &[&str] = &[
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

/// The configuration that leaves only the problem rules of `RULES` (no evidence rules): their
/// fixtures plant one problem each, not a whole integration.
fn detectors_only() -> String {
    fixture("config/valid/detectors-only.toml").display().to_string()
}

/// Runs `golive scan PATH` with extra args; (exit code, stdout, stderr).
fn scan(path: &Path, args: &[&str]) -> (i32, String, String) {
    let out = golive().arg("scan").arg(path).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_report(path: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let (_, out, err) = scan(path, &a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
}

/// No output may contain a full card number or an unmasked sample secret.
fn assert_nothing_leaks(text: &str) {
    let pans = card::find_pans(text);
    assert!(pans.is_empty(), "full card numbers in output: {:?}", pans.iter().map(|p| &p.digits).collect::<Vec<_>>());
    assert!(!text.contains("GOLIVEFAKE"), "an unmasked sample secret in output:\n{text}");
}

/// (rule, status, findings) of every result.
fn results(report: &Value) -> Vec<(String, String, Vec<Value>)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
                r["findings"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect()
}

fn check_rule_fixture(id: &str) {
    let repo = fixture(&format!("repos/{id}"));
    let cfg = detectors_only();
    let (code, human, stderr) = scan(&repo, &["--config", &cfg]);
    assert_nothing_leaks(&human);
    assert_nothing_leaks(&stderr);
    let report = json_report(&repo, &["--config", &cfg]);
    let raw = serde_json::to_string(&report).unwrap();
    assert_nothing_leaks(&raw);
    // The fixture triggers its own rule and no other.
    for (rule, status, findings) in results(&report) {
        if rule == id {
            assert!(matches!(status.as_str(), "fail" | "warn"), "{id} should be violated in its fixture, got {status}");
            assert!(findings.len() >= 3, "{id}: only {} findings", findings.len());
        } else {
            assert!(
                !matches!(status.as_str(), "fail" | "warn" | "error"),
                "{rule} fires on the {id} fixture:\n{human}"
            );
        }
    }
    // Warn-severity rules do not fail the run under the default --fail-on error.
    let expected_code = i32::from(!matches!(id, "test-card-in-production" | "token-per-request"));
    assert_eq!(code, expected_code, "{human}\n{stderr}");
    insta::assert_snapshot!(id.to_string(), format!("exit code: {code}\n{}", redact(&human, None)));
    let (_, _, findings) = results(&report).into_iter().find(|(r, _, _)| r == id).unwrap();
    insta::assert_json_snapshot!(format!("{id}.json"), findings);
}

macro_rules! rule_rows {
    ($($name:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_rule_fixture($id);
            }
        )*

        #[test]
        fn every_static_rule_has_a_row() {
            let rows = [$($id),*];
            assert_eq!(rows.as_slice(), RULES);
        }
    };
}

rule_rows! {
    hardcoded_credential => "hardcoded-credential",
    sandbox_url => "sandbox-url",
    insecure_api_url => "insecure-api-url",
    pan_in_source => "pan-in-source",
    pan_in_log => "pan-in-log",
    cvv_storage => "cvv-storage",
    legacy_tls => "legacy-tls",
    test_card_in_production => "test-card-in-production",
    webhook_signature_unverified => "webhook-signature-unverified",
    token_per_request => "token-per-request",
}

#[test]
fn clean_repo_has_zero_findings_and_exits_zero() {
    let repo = fixture("repos/clean");
    let cfg = detectors_only();
    let (code, human, _) = scan(&repo, &["--config", &cfg]);
    assert_eq!(code, 0, "{human}");
    let report = json_report(&repo, &["--config", &cfg]);
    let results = results(&report);
    assert_eq!(results.len(), RULES.len());
    for (rule, status, findings) in results {
        assert_eq!(status, "pass", "{rule}: {findings:?}");
        assert!(findings.is_empty(), "{rule}: {findings:?}");
    }
    assert!(report["warnings"].as_array().unwrap().is_empty(), "{}", report["warnings"]);
}

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

#[test]
fn inline_and_config_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "src/config.js",
        "// golive:ignore hardcoded-credential rotated in Nov 2026, sandbox-only key\nconst merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a1b0c';\nconst apiKey = 'GOLIVEFAKEk3y9a8b7c6d5e4'; // golive:ignore hardcoded-credential\n",
    );
    write(r, "legacy/old.js", "const merchantKey = 'GOLIVEFAKEold0123456789ab';\n");
    write(r, "src/base.js", "const BASE_URL = 'https://sandbox.api.exirom.com/api';\n");
    write(
        r,
        "golive.toml",
        "[[ignore]]\nrule = \"hardcoded-credential\"\npath = \"legacy/**\"\nreason = \"legacy module is not deployed\"\n\n[[ignore]]\nrule = \"sandbox-url\"\npath = \"src/base.js\"\nreason = \"base URL is overridden at deploy time\"\n\n[[ignore]]\nrule = \"pan-in-source\"\npath = \"nowhere/**\"\nreason = \"stale entry\"\n",
    );
    let report = json_report(r, &[]);
    let raw = serde_json::to_string(&report).unwrap();
    assert_nothing_leaks(&raw);
    let by_rule: BTreeMap<String, (String, Vec<Value>)> =
        results(&report).into_iter().map(|(rule, st, f)| (rule, (st, f))).collect();

    // hardcoded-credential: one inline-suppressed, one without a reason (still active), one by [[ignore]].
    let (status, findings) = &by_rule["hardcoded-credential"];
    assert_eq!(status, "fail");
    assert_eq!(findings.len(), 3, "{findings:?}");
    let reasons: BTreeSet<Option<&str>> = findings.iter().map(|f| f["suppressed"].as_str()).collect();
    assert!(reasons.contains(&Some("rotated in Nov 2026, sandbox-only key")), "{reasons:?}");
    assert!(reasons.contains(&Some("legacy module is not deployed")), "{reasons:?}");
    assert!(reasons.contains(&None), "{reasons:?}");

    // sandbox-url: every finding suppressed → skip with the reason.
    let (status, findings) = &by_rule["sandbox-url"];
    assert_eq!(status, "skip");
    assert_eq!(findings[0]["suppressed"], "base URL is overridden at deploy time");
    let msg = report["results"].as_array().unwrap().iter().find(|r| r["rule"] == "sandbox-url").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("base URL is overridden at deploy time"), "{msg}");

    let warnings: Vec<&str> = report["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("nowhere/**") && w.contains("matched no finding")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("src/config.js:3") && w.contains("has no reason")), "{warnings:?}");
}

#[test]
fn fingerprint_ignores_survive_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "src/a.js", "const merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a1b0c';\n");
    let report = json_report(r, &[]);
    let fp =
        results(&report).into_iter().find(|(rule, _, _)| rule == "hardcoded-credential").unwrap().2[0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
    write(r, "src/a.js", "// moved down\n\n\n    const merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a1b0c';\n");
    write(
        r,
        "golive.toml",
        &format!("[[ignore]]\nrule = \"hardcoded-credential\"\nfingerprint = \"{fp}\"\nreason = \"accepted risk\"\n"),
    );
    let report = json_report(r, &[]);
    let (_, status, findings) =
        results(&report).into_iter().find(|(rule, _, _)| rule == "hardcoded-credential").unwrap();
    assert_eq!(status, "skip");
    assert_eq!(findings[0]["line"], 4);
    assert_eq!(findings[0]["fingerprint"], fp.as_str());
}

/// A sandbox URL in a base config file is the development default when a production file beside
/// it sets the live host (ASP.NET, Spring, Helm layering); without that override it is reported.
#[test]
fn sandbox_url_in_an_overridden_base_config_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let sandbox_urls = |r: &Path| -> Vec<String> {
        let report = json_report(r, &[]);
        let (_, _, findings) = results(&report).into_iter().find(|(rule, _, _)| rule == "sandbox-url").unwrap();
        findings.iter().map(|f| f["path"].as_str().unwrap().to_string()).collect()
    };
    write(r, "src/Shop/appsettings.json", "{ \"Exirom\": { \"BaseUrl\": \"https://sandbox.api.exirom.com/api\" } }\n");
    write(r, "src/main/resources/application.yml", "exirom:\n  base-url: https://sandbox.api.exirom.com/api\n");
    assert_eq!(sandbox_urls(r), ["src/Shop/appsettings.json", "src/main/resources/application.yml"]);
    write(
        r,
        "src/Shop/appsettings.Production.json",
        "{ \"Exirom\": { \"BaseUrl\": \"https://api.exirom.com/api\" } }\n",
    );
    write(r, "src/main/resources/application-prod.yml", "exirom:\n  base-url: https://api.exirom.com/api\n");
    assert!(sandbox_urls(r).is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_paths_are_warnings() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "src/ok.js", "const a = 1;\n");
    // A dangling symlink cannot be read by anyone, root included.
    std::os::unix::fs::symlink(r.join("missing.js"), r.join("src/dangling.js")).unwrap();
    write(r, "src/locked.js", "const b = 2;\n");
    std::fs::set_permissions(r.join("src/locked.js"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let root_can_read = std::fs::read(r.join("src/locked.js")).is_ok();
    write(r, "golive.toml", "[static]\nmax_file_size = 64\n");
    write(r, "src/big.json", &format!("[{}]\n", "1,".repeat(100)));

    let report = json_report(r, &[]);
    let warnings: Vec<String> =
        report["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
    let all = warnings.join("\n");
    assert!(all.contains("src/dangling.js") && all.contains("dangling symlink"), "{all}");
    assert!(all.contains("src/big.json") && all.contains("max_file_size"), "{all}");
    if !root_can_read {
        assert!(all.contains("src/locked.js"), "{all}");
    }
    let (code, human, _) = scan(r, &[]);
    assert_eq!(code, 0);
    assert!(human.contains("dangling symlink"), "{human}");
}

/// Findings with the run-dependent parts removed.
fn stable(report: &Value) -> Value {
    let mut v = report.clone();
    for k in ["started_at", "duration_ms", "context"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let repo = fixture("repos/eval-mixed");
    let one = golive().args(["scan", "--format", "json"]).arg(&repo).env("GOLIVE_THREADS", "1").output().unwrap();
    let many = golive().args(["scan", "--format", "json"]).arg(&repo).env("GOLIVE_THREADS", "8").output().unwrap();
    let one: Value = serde_json::from_slice(&one.stdout).unwrap();
    let many: Value = serde_json::from_slice(&many.stdout).unwrap();
    assert_eq!(stable(&one), stable(&many));
    let default = json_report(&repo, &[]);
    assert_eq!(stable(&one), stable(&default));
}

/// Per-rule precision and recall on `fixtures/repos/eval-mixed/` against its ground truth.
#[test]
fn eval_mixed_precision_recall() {
    precision_recall("eval-mixed");
}

/// The same on the held-out repo (written after the detectors; see `scripts/gen_eval_holdout.py`).
#[test]
fn eval_holdout_precision_recall() {
    precision_recall("eval-holdout");
}

/// Scores `fixtures/repos/<name>/` against `fixtures/repos/<name>.truth` (`rule path:line` per
/// planted problem): every rule must reach precision and recall 0.95.
fn precision_recall(name: &str) {
    let truth_text = std::fs::read_to_string(fixture(&format!("repos/{name}.truth"))).unwrap();
    let truth: BTreeSet<(String, String)> = truth_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (rule, loc) = l.split_once(' ').unwrap();
            (rule.to_string(), loc.to_string())
        })
        .collect();
    let report = json_report(&fixture(&format!("repos/{name}")), &[]);
    assert_nothing_leaks(&serde_json::to_string(&report).unwrap());
    let found: BTreeSet<(String, String)> = results(&report)
        .into_iter()
        .flat_map(|(rule, _, f)| {
            f.into_iter()
                .filter(|x| x["suppressed"].is_null())
                .map(move |x| (rule.clone(), format!("{}:{}", x["path"].as_str().unwrap(), x["line"])))
        })
        .collect();
    let mut table = String::new();
    let mut bad = Vec::new();
    for rule in RULES {
        let t: BTreeSet<_> = truth.iter().filter(|(r, _)| r == rule).collect();
        let f: BTreeSet<_> = found.iter().filter(|(r, _)| r == rule).collect();
        let tp = t.intersection(&f).count();
        let precision = if f.is_empty() { 1.0 } else { tp as f64 / f.len() as f64 };
        let recall = if t.is_empty() { 1.0 } else { tp as f64 / t.len() as f64 };
        let _ = writeln!(
            table,
            "{rule:30} planted {:3} found {:3} precision {precision:.2} recall {recall:.2}",
            t.len(),
            f.len()
        );
        for x in f.difference(&t) {
            bad.push(format!("false positive {} {}", x.0, x.1));
        }
        for x in t.difference(&f) {
            bad.push(format!("missed {} {}", x.0, x.1));
        }
        assert!(!t.is_empty(), "the evaluation repo plants no {rule}");
        if precision < 0.95 || recall < 0.95 {
            bad.push(format!("{rule}: precision {precision:.2} recall {recall:.2} below 0.95"));
        }
    }
    let _ = write!(std::io::stdout(), "{table}");
    assert!(bad.is_empty(), "{table}\n{}", bad.join("\n"));
}

fn write_rules(dir: &Path, examples: &str) -> std::path::PathBuf {
    let p = dir.join("my-rules.toml");
    std::fs::write(
        &p,
        format!(
            "[[rule]]\nid = \"internal-api-token\"\nprobe = \"static\"\nseverity = \"error\"\nchecklist = [\"production-credentials\"]\ntitle = \"Internal API token in code\"\nkeywords = [\"shp_int_\"]\npattern = '''shp_int_(?P<secret>[A-Za-z0-9]{{16,}})'''\n\n[rule.examples]\n{examples}\n"
        ),
    )
    .unwrap();
    p
}

#[test]
fn rules_test_passes_on_correct_examples() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_rules(
        dir.path(),
        "match = [\"token = 'shp_int_GOLIVEFAKE0123456789'\"]\nno-match = [\"token = process.env.SHOP_TOKEN\", { path = \"tests/a.js\", text = \"x = 'shp_int_short'\" }]",
    );
    let out = golive().args(["rules", "test"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok    internal-api-token (3 examples)"), "{stdout}");
    assert_nothing_leaks(&stdout);
}

#[test]
fn rules_test_fails_and_says_which_example() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_rules(
        dir.path(),
        "match = [\"token = 'shp_live_GOLIVEFAKE0123456789'\"]\nno-match = [\"ok = 1\", \"token = 'shp_int_GOLIVEFAKEabcdef0123456'\"]",
    );
    let out = golive().args(["rules", "test"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  internal-api-token (2 of 3 examples wrong)"), "{stdout}");
    assert!(stdout.contains("match example #1 (scanned as src/app.js) was not flagged"), "{stdout}");
    assert!(stdout.contains("no-match example #2 (scanned as src/app.js) was flagged"), "{stdout}");
    assert_nothing_leaks(&stdout);
    insta::assert_snapshot!("rules_test_failure", redact(&stdout, Some(dir.path())));
}

#[test]
fn rules_test_without_examples_or_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "[[rule]]\nid = \"no-examples\"\nprobe = \"static\"\nseverity = \"warn\"\nchecklist = [\"production-credentials\"]\ntitle = \"T\"\npattern = '''x'''\n").unwrap();
    golive().args(["rules", "test"]).arg(&p).assert().code(2);
    golive().args(["rules", "test", "does/not/exist.toml"]).assert().code(2);
    // Without a file: the built-in rules' examples.
    golive().args(["rules", "test"]).assert().code(0).stdout(predicates::str::contains("ok    pan-in-source"));
}

#[test]
fn demo_shop_check_fails_with_a_real_report() {
    let out = golive().args(["check", "--format", "json"]).arg(fixture("demo-shop")).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_nothing_leaks(&stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let failing: BTreeSet<String> = results(&report)
        .into_iter()
        .filter(|(_, status, _)| status == "fail" || status == "warn")
        .map(|(rule, _, _)| rule)
        .collect();
    for rule in [
        "hardcoded-credential",
        "sandbox-url",
        "pan-in-log",
        "webhook-signature-unverified",
        "token-per-request",
        "cvv-storage",
    ] {
        assert!(failing.contains(rule), "{rule} not reported: {failing:?}");
    }
    for rule in ["insecure-api-url", "pan-in-source", "legacy-tls", "test-card-in-production"] {
        assert!(!failing.contains(rule), "{rule} reported on the demo shop: {failing:?}");
    }
    let human = golive().arg("check").arg(fixture("demo-shop")).output().unwrap();
    assert_nothing_leaks(&String::from_utf8_lossy(&human.stdout));
}
