//! SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer), from hand-written serde
//! structs covering what consumers read.
//!
//! - `tool.driver.rules`: one per golive rule in the report, with its title, the first paragraph of
//!   "What it checks" as full description, the rule's docs as help (text and Markdown), the Exirom
//!   page as `helpUri`, and `security-severity` 9.0 / 5.0 / 2.0 for error / warn / info.
//! - `results`: one per finding of a rule that failed, warned or could not be checked, plus every
//!   suppressed finding (with `suppressions`: `inSource` for `golive:ignore` comments, `external`
//!   for `[[ignore]]` and baselines). A failing rule without findings (a webhook or sandbox rule, an
//!   absence) is reported once, located on `golive.toml`, where the project configures golive.
//! - URIs are relative to the directory golive ran in (see [`Report::repo_path`]), without `./`;
//!   columns count Unicode code points (`columnKind`), as findings do.
//! - `partialFingerprints.goliveFinding/v1` is the finding's content fingerprint (stable across
//!   edits that move it), so code scanning tracks an alert across commits.
//! - Snippets are the probe's masked snippets.
//!
//! See: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html> and GitHub's "SARIF
//! support for code scanning".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{HOMEPAGE, Level, Report, RuleResult};
use crate::checklist::Severity;
use crate::probe::{Finding, Status};

/// The SARIF schema URI GitHub expects.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where results of rules without findings are located.
pub const CONFIG_FILE: &str = "golive.toml";

/// The partial fingerprint key.
pub const FINGERPRINT_KEY: &str = "goliveFinding/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    properties: RunProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    verdict: super::Verdict,
    summary: super::Summary,
    ruleset_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    start_time_utc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, trailing newline).
pub fn render(report: &Report) -> String {
    let mut rules: Vec<Descriptor> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &report.results {
        if !index.contains_key(r.rule.as_str()) {
            index.insert(&r.rule, rules.len());
            rules.push(descriptor(r));
        }
    }
    let mut results = Vec::new();
    for r in &report.results {
        let rule_index = index.get(r.rule.as_str()).copied().unwrap_or_default();
        let level = Level::of(r);
        let problem = level.is_some();
        for f in &r.findings {
            if problem || f.suppressed.is_some() {
                let level = level.unwrap_or_else(|| severity_level(r.severity));
                results.push(finding_result(report, r, rule_index, level, f));
            }
        }
        if let Some(level) = level
            && !r.findings.iter().any(|f| f.suppressed.is_none())
            && matches!(r.status, Status::Fail | Status::Error)
        {
            results.push(rule_result(report, r, rule_index, level));
        }
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "golive",
                    version: report.tool.version.clone(),
                    semantic_version: report.tool.version.clone(),
                    information_uri: HOMEPAGE,
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                start_time_utc: report.started_at.clone(),
                end_time_utc: end_time(&report.started_at, report.duration_ms),
                tool_execution_notifications: report
                    .warnings
                    .iter()
                    .map(|w| Notification { level: "warning", message: Text { text: sentence(w) } })
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                verdict: report.verdict,
                summary: report.summary.clone(),
                ruleset_version: report.context.ruleset_version.clone(),
                commit: report.context.commit.clone(),
            },
        }],
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

fn descriptor(r: &RuleResult) -> Descriptor {
    let docs = r.docs.as_deref().unwrap_or_default();
    let what = what_it_checks(docs).unwrap_or_else(|| r.title.clone());
    let mut help_text = if docs.trim().is_empty() { sentence(&r.title) } else { docs.trim().to_string() };
    let mut help_md = help_text.clone();
    if let Some(url) = r.docs_url.as_ref().filter(|u| !docs.contains(u.as_str())) {
        let _ = write!(help_text, "\n\nExirom documentation: {url}");
        let _ = write!(help_md, "\n\n[Exirom documentation]({url})");
    }
    for h in [&mut help_text, &mut help_md] {
        let _ = write!(h, "\n\nRun `golive rules {}` for this text in the terminal.", r.rule);
    }
    let mut tags = vec!["security".to_string(), "exirom".into(), format!("golive/{}", r.probe)];
    tags.extend(r.checklist_items.iter().map(|i| format!("checklist/{i}")));
    Descriptor {
        id: r.rule.clone(),
        name: pascal_case(&r.rule),
        short_description: Text { text: sentence(&r.title) },
        full_description: Text { text: sentence(&what) },
        help: Help { text: help_text, markdown: help_md },
        help_uri: r.docs_url.clone(),
        default_configuration: Configuration { level: level_name(severity_level(r.severity)) },
        properties: DescriptorProperties {
            security_severity: match r.severity {
                Severity::Error => "9.0",
                Severity::Warn => "5.0",
                Severity::Info => "2.0",
            },
            precision: "high",
            tags,
        },
    }
}

fn finding_result(report: &Report, r: &RuleResult, rule_index: usize, level: Level, f: &Finding) -> SarifResult {
    let uri = report.repo_path(&f.path);
    let fingerprint = f.fingerprint.clone().unwrap_or_else(|| digest(&[&r.rule, &f.path, f.snippet.trim()]));
    let suppressions = f
        .suppressed
        .as_ref()
        .map(|why| {
            let kind = if why.starts_with("golive:ignore") { "inSource" } else { "external" };
            vec![Suppression { kind, justification: why.clone() }]
        })
        .unwrap_or_default();
    SarifResult {
        rule_id: r.rule.clone(),
        rule_index,
        level: level_name(level),
        message: Text { text: sentence(&format!("{}: {}", r.title, r.message)) },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Region {
                    start_line: f.line.max(1),
                    start_column: (f.column > 0).then_some(f.column),
                    snippet: (!f.snippet.is_empty()).then(|| Text { text: f.snippet.clone() }),
                },
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        suppressions,
    }
}

/// A failing rule with nothing to point at in the code: reported once, on golive.toml.
fn rule_result(report: &Report, r: &RuleResult, rule_index: usize, level: Level) -> SarifResult {
    let prefix = if r.status == Status::Error { "could not be checked: " } else { "" };
    SarifResult {
        rule_id: r.rule.clone(),
        rule_index,
        level: level_name(level),
        message: Text { text: sentence(&format!("{}: {prefix}{}", r.title, r.message)) },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: report.repo_path(CONFIG_FILE) },
                region: Region { start_line: 1, start_column: None, snippet: None },
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, digest(&[&r.rule, CONFIG_FILE]))]),
        suppressions: Vec::new(),
    }
}

fn severity_level(s: Severity) -> Level {
    match s {
        Severity::Error => Level::Error,
        Severity::Warn => Level::Warning,
        Severity::Info => Level::Note,
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// The first paragraph under `## What it checks`, on one line.
fn what_it_checks(docs: &str) -> Option<String> {
    let start = docs.find("## What it checks")?;
    let body = &docs[start + "## What it checks".len()..];
    let para: Vec<&str> = body
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let text = para.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// SARIF messages are sentences: they end with a period (SARIF2001).
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
}

/// `webhook-tls-version` → `WebhookTlsVersion` (SARIF rule names are identifiers).
fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// `started_at` plus the duration, as RFC 3339 (None when `started_at` does not parse).
fn end_time(started_at: &str, duration_ms: u64) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let start = time::OffsetDateTime::parse(started_at, &Rfc3339).ok()?;
    let end = start + time::Duration::milliseconds(i64::try_from(duration_ms).ok()?);
    end.format(&Rfc3339).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn output() {
        insta::assert_snapshot!(render(&sample()));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(render(&Report::empty()));
    }

    fn parse(r: &Report) -> serde_json::Value {
        serde_json::from_str(&render(r)).unwrap()
    }

    #[test]
    fn results_cover_findings_and_failing_rules_only() {
        let v = parse(&sample());
        let run = &v["runs"][0];
        let rules: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(rules.len(), sample().results.len(), "one descriptor per rule in the report");
        let results: Vec<(&str, &str, &str)> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap(),
                    r["level"].as_str().unwrap(),
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            results,
            [
                ("hardcoded-credential", "error", "fixtures/demo-shop/src/config.js"),
                ("hardcoded-credential", "error", "fixtures/demo-shop/docs/a.md"),
                ("token-per-request", "warning", "fixtures/demo-shop/src/pay.js"),
                ("webhook-tls-version", "error", "fixtures/demo-shop/golive.toml"),
            ]
        );
        let suppressed = &run["results"][1]["suppressions"][0];
        assert_eq!(suppressed["kind"], "inSource");
        assert_eq!(run["results"][0]["partialFingerprints"][FINGERPRINT_KEY], "abc123");
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["region"]["snippet"]["text"],
            "const secret = \"sk_l****\";"
        );
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(rule["properties"]["security-severity"], "9.0");
        assert_eq!(rule["name"], "HardcodedCredential");
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("## How to fix"));
        assert_eq!(
            rule["fullDescription"]["text"],
            "Title of hardcoded-credential: what golive looks at, in one paragraph."
        );
    }

    #[test]
    fn relative_uris_never_start_with_dot_slash() {
        let mut r = sample();
        r.context.root = ".".into();
        r.results[0].findings[0].path = "./src/config.js".into();
        let v = parse(&r);
        assert_eq!(
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "src/config.js"
        );
    }

    #[test]
    fn fingerprint_falls_back_to_content() {
        let mut r = sample();
        r.results[0].findings[0].fingerprint = None;
        let a = parse(&r)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY].clone();
        r.results[0].findings[0].line = 40;
        let b = parse(&r)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY].clone();
        assert_eq!(a, b, "moving a finding keeps its fingerprint");
        assert_eq!(a.as_str().unwrap().len(), 64);
    }

    #[test]
    fn end_time_adds_the_duration() {
        assert_eq!(end_time("2026-11-26T10:00:00Z", 1234).as_deref(), Some("2026-11-26T10:00:01.234Z"));
        assert_eq!(end_time("garbage", 1), None);
    }

    /// Validates with Microsoft's SARIF Multitool (`@microsoft/sarif-multitool` from npm): the
    /// SARIF 2.1.0 schema plus its SARIF and GitHub ingestion rules (`--rule-kind "Sarif;Gh"`).
    /// Set `GOLIVE_SARIF_MULTITOOL` to the `Sarif.Multitool` binary (`.ci/run` does).
    #[test]
    fn accepted_by_sarif_multitool() {
        let Some(tool) = multitool() else {
            println!("skipped: set GOLIVE_SARIF_MULTITOOL to Sarif.Multitool (npm @microsoft/sarif-multitool)");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (name, report) in
            [("sample", sample()), ("empty", Report::empty()), ("pass", crate::report::tests::all_pass())]
        {
            let p = dir.path().join(format!("{name}.sarif"));
            std::fs::write(&p, render(&report)).unwrap();
            files.push(p);
        }
        let problems = validate_with(&tool, &files);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// The Multitool binary from `GOLIVE_SARIF_MULTITOOL`, if set.
    pub(crate) fn multitool() -> Option<std::path::PathBuf> {
        crate::secret::env_var("GOLIVE_SARIF_MULTITOOL").map(std::path::PathBuf::from).filter(|p| p.is_file())
    }

    /// Runs `Sarif.Multitool validate` over `files` and returns its error and warning results.
    pub(crate) fn validate_with(tool: &std::path::Path, files: &[std::path::PathBuf]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("validation.sarif");
        let status = std::process::Command::new(tool)
            .args(["validate", "--rule-kind", "Sarif;Gh", "--output"])
            .arg(&out)
            .args(files)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
        let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let run = &log["runs"][0];
        assert_eq!(run["invocations"][0]["executionSuccessful"], true, "{run:#}");
        run["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| matches!(r["level"].as_str(), None | Some("error" | "warning")))
                    .map(|r| {
                        format!(
                            "{} {} {}",
                            r["ruleId"],
                            r["message"]["arguments"],
                            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
