//! Report formats through the real binary: several reports in one run (`--format`/`--output` pairs
//! and `--report FORMAT=PATH`), the GitHub job summary, real SARIF and JUnit consumers, and the
//! no-leak guarantee over every format.

use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::common::golive;

const FORMATS: [&str; 7] = ["human", "json", "markdown", "html", "sarif", "junit", "github"];

/// A fake merchant secret (visibly fake, as every fixture secret is).
const SECRET: &str = "GOLIVEFAKE-msecret-9f8e7d6c5b4a";
/// Full card numbers (Exirom test cards) planted in every place a report repeats.
const PANS: [&str; 3] = ["4111111111111111", "5555555555554444", "4000 0000 0000 3220"];

fn ext(format: &str) -> &str {
    match format {
        "human" | "github" => "txt",
        "markdown" => "md",
        "junit" => "xml",
        other => other,
    }
}

#[test]
fn several_reports_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let out = golive()
        .args(["check", "fixtures/repos/clean", "--format", "sarif", "--output"])
        .arg(p("golive.sarif"))
        .args(["--format", "markdown", "--output"])
        .arg(p("golive.md"))
        .arg("--report")
        .arg(format!("json={}", p("golive.json").display()))
        .arg("--report")
        .arg(format!("junit={}", p("golive.xml").display()))
        .arg("--report")
        .arg(format!("html={}", p("golive.html").display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "every report went to a file");
    let json = std::fs::read(p("golive.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(report["schema"], "golive-report/1");
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p("golive.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(),
        report["results"].as_array().unwrap().len()
    );
    let digest = hex::encode(sha2::Sha256::digest(&json));
    for ticket in ["golive.md", "golive.html"] {
        let text = std::fs::read_to_string(p(ticket)).unwrap();
        assert!(text.contains(&digest), "{ticket} names the SHA-256 of the JSON report written beside it");
    }
    let junit = std::fs::read_to_string(p("golive.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), report["results"].as_array().unwrap().len());
}

#[test]
fn report_flag_without_format_keeps_the_terminal_report() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("g.sarif");
    let out = golive()
        .args(["check", "fixtures/repos/clean", "--report"])
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"), "human report on stdout");
    assert!(sarif.is_file());
}

#[test]
fn bad_report_flags_are_usage_errors() {
    let out = golive().args(["check", "fixtures/repos/clean", "--report", "pdf=x.pdf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format `pdf`"));
    let out = golive().args(["check", "fixtures/repos/clean", "--report", "sarif"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = golive()
        .args([
            "check",
            "fixtures/repos/clean",
            "--format",
            "json",
            "--output",
            "same.out",
            "--report",
            "sarif=same.out",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two reports would be written to same.out"));
}

#[test]
fn github_format_annotates_and_appends_the_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "## earlier step\n").unwrap();
    let out = golive()
        .args(["check", "fixtures/repos/clean", "--format", "github", "--require-attestations"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "missing attestations fail under --require-attestations");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().last().unwrap().starts_with("golive FAIL: "), "{stdout}");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("## earlier step\n# Go-live report: "), "{text}");
    assert!(text.contains("| ✋ MANUAL | `attest-monitoring`"));
    // Without the variable nothing else is written.
    let out = golive().args(["check", "fixtures/repos/clean", "--format", "github"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A repository whose config and files carry a merchant secret and full card numbers.
fn leaky_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("golive.toml"),
        format!(
            "[project]\nname = \"shop {pan0}\"\n\n[attest.monitoring]\nwho = \"{SECRET}\"\nwhen = \"2026-11-20 card {pan2}\"\n\
             evidence = \"https://wiki.shop.example/{SECRET}/{pan1}\"\n",
            pan0 = PANS[0],
            pan1 = PANS[1],
            pan2 = PANS[2],
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/pay.js"),
        format!(
            "const merchantSecret = \"{SECRET}\";\nconst card = \"{}\";\nlog(`card ${{'{}'}}`);\n",
            PANS[0], PANS[1]
        ),
    )
    .unwrap();
    std::fs::write(root.join("src/test.log"), format!("charged {} ok\n", PANS[2])).unwrap();
    dir
}

/// Every format, written by a real scan with the secret in the environment, contains neither the
/// secret nor a full card number, and still shows the (masked) values it was given.
#[test]
fn no_format_leaks_a_planted_secret_or_pan() {
    let repo = leaky_repo();
    let out_dir = tempfile::tempdir().unwrap();
    let summary = out_dir.path().join("summary.md");
    for command in ["scan", "check"] {
        let mut cmd = golive();
        cmd.arg(command).arg(repo.path()).env("EXIROM_MERCHANT_SECRET", SECRET).env("GITHUB_STEP_SUMMARY", &summary);
        let mut files: Vec<PathBuf> = Vec::new();
        for f in FORMATS {
            let path = out_dir.path().join(format!("{command}.{f}.{}", ext(f)));
            cmd.arg("--report").arg(format!("{f}={}", path.display()));
            files.push(path);
        }
        let out = cmd.output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        let mut texts: Vec<(String, String)> =
            files.iter().map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap())).collect();
        texts.push(("stdout".into(), String::from_utf8_lossy(&out.stdout).into_owned()));
        texts.push(("stderr".into(), String::from_utf8_lossy(&out.stderr).into_owned()));
        texts.push(("step summary".into(), std::fs::read_to_string(&summary).unwrap()));
        for (name, text) in &texts {
            assert_no_leak(name, text);
        }
        // The values reached the reports, masked: the test is not passing on empty output.
        for f in ["markdown", "html", "json"] {
            let (name, text) = texts.iter().find(|(n, _)| n.contains(&format!(".{f}."))).unwrap();
            assert!(text.contains("411111******1111"), "{name} shows the masked project name");
            assert!(text.contains("[REDACTED]"), "{name} shows where the secret was");
        }
    }
}

fn assert_no_leak(name: &str, text: &str) {
    assert!(!text.contains("msecret-9f8e7d6c5b4a"), "{name} contains the merchant secret");
    let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '\n').collect();
    for pan in PANS {
        let pan: String = pan.chars().filter(char::is_ascii_digit).collect();
        assert!(!text.contains(&pan), "{name} contains {pan}");
        assert!(!digits.contains(&pan), "{name} contains {pan} split by separators");
    }
}

/// The SARIF that `golive check` writes is accepted by Microsoft's SARIF Multitool (schema plus
/// the SARIF and GitHub ingestion rules), and its JUnit by junitparser. Each consumer is optional
/// locally (`.ci/run` installs both); a missing one is reported as skipped.
#[test]
fn real_consumers_accept_the_cli_output() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("golive.sarif");
    let junit = dir.path().join("golive.xml");
    let out = golive()
        .args(["check", "fixtures/repos/clean", "--require-attestations", "--report"])
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    match golive_sarif_multitool() {
        Some(tool) => {
            let problems = multitool_problems(&tool, &sarif);
            assert!(problems.is_empty(), "{problems:#?}");
        }
        None => println!("skipped SARIF validation: set GOLIVE_SARIF_MULTITOOL to Sarif.Multitool"),
    }
    if junitparser_available() {
        let xml = std::fs::read_to_string(&junit).unwrap();
        let cases = xml.matches("<testcase ").count();
        assert!(cases > 0);
        let script = "import sys\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\n\
                      print(sum(1 for s in x for c in s), x.tests, x.skipped, x.failures, x.errors)";
        let out = std::process::Command::new("python3").args(["-c", script]).arg(&junit).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{cases} {cases} {cases} 0 0"),
            "all manual → skipped"
        );
        // `junitparser verify` exits 0 when no test case failed or errored.
        let out =
            std::process::Command::new("python3").args(["-m", "junitparser", "verify"]).arg(&junit).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    } else {
        println!("skipped JUnit validation: python3 with junitparser not found");
    }
}

fn golive_sarif_multitool() -> Option<PathBuf> {
    std::env::var_os("GOLIVE_SARIF_MULTITOOL").map(PathBuf::from).filter(|p| p.is_file())
}

fn multitool_problems(tool: &Path, sarif: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("validation.sarif");
    let out = std::process::Command::new(tool)
        .args(["validate", "--rule-kind", "Sarif;Gh", "--output"])
        .arg(&log)
        .arg(sarif)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    v["runs"][0]["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| matches!(r["level"].as_str(), None | Some("error" | "warning")))
                .map(|r| format!("{} {}", r["ruleId"], r["message"]))
                .collect()
        })
        .unwrap_or_default()
}

fn junitparser_available() -> bool {
    std::process::Command::new("python3").args(["-c", "import junitparser"]).output().is_ok_and(|o| o.status.success())
}
