//! The report model shared by every output format, and the one place formats are registered.
//!
//! Adding a format: a module here with `pub fn render(report: &Report) -> String`, a variant in
//! [`Format`], and one arm in [`render`]. Every rendered string passes through
//! [`redact`](redact::Redactor) before it is written (see `output::emit`).

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod redact;
pub mod sarif;
mod ticket;

use serde::Serialize;

use crate::checklist::{Checklist, ProbeKind, Severity};
use crate::probe::{Finding, Measurements, Status};

/// The schema string of the JSON form; bumped on any change to the wire format.
pub const SCHEMA: &str = "golive-report/1";

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal view grouped by checklist section.
    Human,
    /// `golive-report/1` JSON.
    Json,
    /// The go-live ticket: verdict, a table per checklist section, attestations, audit context.
    Markdown,
    /// The go-live ticket as one self-contained, printable HTML page.
    Html,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// JUnit XML: one test case per rule.
    Junit,
    /// GitHub Actions workflow annotations (and the job summary when `GITHUB_STEP_SUMMARY` is set).
    Github,
}

impl Format {
    /// The name used on the command line (`--format NAME`, `--report NAME=PATH`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Json => "json",
            Self::Markdown => "markdown",
            Self::Html => "html",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::Github => "github",
        }
    }
}

/// Renders a report in a format. `color` applies to the human format only.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(report),
    }
}

/// golive's home page, for SARIF `informationUri` and report footers.
pub const HOMEPAGE: &str = "https://golive.dev";

/// How loudly a result is reported in annotation-style formats (SARIF `level`, GitHub commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Informational (a violated info-severity rule).
    Note,
    /// Should be fixed (a violated warn-severity rule, or a rule that could not be checked).
    Warning,
    /// Must be fixed before going live.
    Error,
}

impl Level {
    /// The level of a result, or `None` for results that are not problems (pass, skip, manual).
    ///
    /// A violated rule takes its severity's level; a rule that could not be checked (`error`) is an
    /// error when its severity is error (it fails the verdict), else a warning.
    pub fn of(r: &RuleResult) -> Option<Self> {
        match r.status {
            Status::Fail | Status::Warn => Some(match r.severity {
                Severity::Error if r.status == Status::Fail => Self::Error,
                Severity::Error | Severity::Warn => Self::Warning,
                Severity::Info => Self::Note,
            }),
            Status::Error => Some(if r.severity == Severity::Error { Self::Error } else { Self::Warning }),
            Status::Pass | Status::Skip | Status::Manual => None,
        }
    }
}

/// Pass or fail for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Ready (for what was checked).
    Pass,
    /// Not ready.
    Fail,
}

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// Always `golive`.
    pub name: String,
    /// golive's version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Self { name: "golive".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// Count of results per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Rules that hold.
    pub pass: usize,
    /// Rules violated at error severity.
    pub fail: usize,
    /// Rules violated at warn/info severity.
    pub warn: usize,
    /// Rules not run.
    pub skip: usize,
    /// Rules that could not be checked.
    pub error: usize,
    /// Rules awaiting attestation.
    pub manual: usize,
}

impl Summary {
    /// Counts the statuses of `results`.
    pub fn of(results: &[RuleResult]) -> Self {
        let mut s = Self::default();
        for r in results {
            *s.slot(r.status) += 1;
        }
        s
    }

    fn slot(&mut self, st: Status) -> &mut usize {
        match st {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Warn => &mut self.warn,
            Status::Skip => &mut self.skip,
            Status::Error => &mut self.error,
            Status::Manual => &mut self.manual,
        }
    }

    /// The count for one status.
    pub fn get(&self, st: Status) -> usize {
        let mut c = self.clone();
        *c.slot(st)
    }
}

/// One rule's result in a report.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// Rule id.
    pub rule: String,
    /// Probe that ran it.
    pub probe: ProbeKind,
    /// Effective severity.
    pub severity: Severity,
    /// Outcome.
    pub status: Status,
    /// Rule title.
    pub title: String,
    /// One-line explanation.
    pub message: String,
    /// The checklist item it proves (first one).
    pub checklist: String,
    /// Every checklist item it proves.
    pub checklist_items: Vec<String>,
    /// The checklist section title.
    pub section: String,
    /// Link to the Exirom docs page with the fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs_url: Option<String>,
    /// The rule's Markdown documentation (what it checks, why, how to fix), for formats that carry
    /// rule help (SARIF). Not part of the JSON wire format: `golive rules ID` prints it.
    #[serde(skip)]
    pub docs: Option<String>,
    /// Locations (masked snippets).
    pub findings: Vec<Finding>,
    /// Measurements.
    pub measurements: Measurements,
}

/// Where and how the run happened: what makes a report an audit record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Context {
    /// Project name from golive.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The scanned root as given on the command line.
    pub root: String,
    /// `git rev-parse HEAD` of the root, when a git repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Built-in ruleset version.
    pub ruleset_version: String,
    /// Webhook URL probed (credentials and query stripped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Sandbox base URL used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_base_url: Option<String>,
    /// The attestations recorded in golive.toml (name → who/when/evidence).
    pub attestations: Vec<AttestationRecord>,
}

/// An attestation as recorded in the report.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationRecord {
    /// Attestation name (`monitoring`).
    pub name: String,
    /// Who.
    pub who: String,
    /// When.
    pub when: String,
    /// Evidence link or note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// A complete report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The tool.
    pub tool: Tool,
    /// RFC 3339 start time (UTC).
    pub started_at: String,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Pass or fail.
    pub verdict: Verdict,
    /// Counts per status.
    pub summary: Summary,
    /// One result per selected rule, in checklist order.
    pub results: Vec<RuleResult>,
    /// Problems that did not stop the run (unreadable paths, unmatched ignores, interrupted run).
    pub warnings: Vec<String>,
    /// Audit context.
    pub context: Context,
}

impl Report {
    /// An empty report (no rules selected), for tests and renderers.
    pub fn empty() -> Self {
        Self {
            schema: SCHEMA,
            tool: Tool::default(),
            started_at: "1970-01-01T00:00:00Z".into(),
            duration_ms: 0,
            verdict: Verdict::Pass,
            summary: Summary::default(),
            results: Vec::new(),
            warnings: Vec::new(),
            context: Context {
                root: ".".into(),
                ruleset_version: Checklist::builtin().version.clone(),
                ..Context::default()
            },
        }
    }

    /// A finding's path relative to the directory golive ran in, for formats that GitHub resolves
    /// against the repository root (SARIF, workflow annotations): the scanned root is prefixed when
    /// it was given as a relative path below the working directory (`golive scan services/shop`).
    pub fn repo_path(&self, path: &str) -> String {
        let path = path.trim_start_matches("./");
        let root = self.context.root.replace('\\', "/");
        let root = root.trim_start_matches("./").trim_end_matches('/');
        let relative_below =
            !root.is_empty() && root != "." && !root.starts_with('/') && !root.split('/').any(|c| c == "..");
        if relative_below && !root.contains(':') { format!("{root}/{path}") } else { path.to_string() }
    }

    /// Results grouped by checklist section, in checklist order (sections without results omitted).
    pub fn by_section(&self) -> Vec<(&str, Vec<&RuleResult>)> {
        let mut groups: Vec<(&str, Vec<&RuleResult>)> = Vec::new();
        for r in &self.results {
            match groups.iter_mut().find(|(s, _)| *s == r.section) {
                Some((_, v)) => v.push(r),
                None => groups.push((&r.section, vec![r])),
            }
        }
        groups
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Rule documentation in the shape every built-in rule has.
    pub(crate) fn docs_for(title: &str) -> String {
        format!(
            "## What it checks\n{title}: what golive looks at, in one paragraph.\n\n## Why it matters\n\
             Exirom's go-live checklist requires it.\n\n## How to fix\nChange the code, then run `golive check` \
             again.\n\n## References\nhttps://developers.exirom.com/docs/getting-started/production-guide\n"
        )
    }

    /// A report with every status, findings (one suppressed) with masked snippets and content
    /// fingerprints, measurements with `transactionId`/`traceId`, warnings and attestations: the
    /// shared sample every format's `output` test renders.
    pub(crate) fn sample() -> Report {
        let mk = |rule: &str, probe, severity, status, section: &str, item: &str, message: &str| RuleResult {
            rule: rule.into(),
            probe,
            severity,
            status,
            title: format!("Title of {rule}"),
            message: message.into(),
            checklist: item.into(),
            checklist_items: vec![item.into()],
            section: section.into(),
            docs_url: Some("https://developers.exirom.com/docs/getting-started/production-guide".into()),
            docs: Some(docs_for(&format!("Title of {rule}"))),
            findings: Vec::new(),
            measurements: Measurements::new(),
        };
        let mut fail = mk(
            "hardcoded-credential",
            ProbeKind::Static,
            Severity::Error,
            Status::Fail,
            "Configuration",
            "production-credentials",
            "2 hardcoded credentials",
        );
        fail.findings = vec![
            Finding {
                path: "src/config.js".into(),
                line: 3,
                column: 17,
                snippet: "const secret = \"sk_l****\";".into(),
                fingerprint: Some("abc123".into()),
                suppressed: None,
            },
            Finding {
                path: "docs/a.md".into(),
                line: 9,
                column: 1,
                snippet: "card 411111******1111".into(),
                fingerprint: Some("def456".into()),
                suppressed: Some("golive:ignore: docs example".into()),
            },
        ];
        let mut warn = mk(
            "token-per-request",
            ProbeKind::Static,
            Severity::Warn,
            Status::Warn,
            "Code Quality",
            "token-caching",
            "auth called per request",
        );
        warn.findings = vec![Finding {
            path: "src/pay.js".into(),
            line: 12,
            column: 5,
            snippet: "const token = await auth(key, secret); // every request".into(),
            fingerprint: Some("0f1e2d".into()),
            suppressed: None,
        }];
        let mut pass = mk(
            "webhook-response-time",
            ProbeKind::Webhook,
            Severity::Error,
            Status::Pass,
            "Webhook endpoint tests",
            "webhook-responds-fast",
            "all 9 deliveries answered within 2000 ms",
        );
        pass.measurements.insert("max_ms".into(), 41.into());
        pass.measurements.insert("transactionId".into(), "golive-1".into());
        pass.measurements.insert("traceId".into(), "4bf92f3577b34da6a3ce929d0e0e4736".into());
        let mut card = mk(
            "sandbox-card-flow",
            ProbeKind::Sandbox,
            Severity::Error,
            Status::Pass,
            "Testing",
            "card-flow-tested",
            "card payment approved and callback received",
        );
        // Exirom's example transaction id (API.md §4): 18 digits that pass the Luhn check, so only
        // the redactor's id allowlist keeps it readable.
        card.measurements.insert("transactionId".into(), "733609401625775730".into());
        card.measurements.insert("traceId".into(), "trace-7f3a".into());
        card.measurements.insert("callback_ms".into(), 812.into());
        let mut manual = mk(
            "attest-monitoring",
            ProbeKind::Manual,
            Severity::Error,
            Status::Manual,
            "Operations",
            "monitoring",
            "not attested",
        );
        manual.docs_url = None;
        let results = vec![
            fail,
            warn,
            pass,
            mk(
                "webhook-tls-version",
                ProbeKind::Webhook,
                Severity::Error,
                Status::Error,
                "Webhook endpoint tests",
                "webhook-https-public",
                "connection refused",
            ),
            card,
            mk(
                "sandbox-payout-flow",
                ProbeKind::Sandbox,
                Severity::Error,
                Status::Skip,
                "Testing",
                "payout-flow-tested",
                "payouts not in [sandbox] flows",
            ),
            manual,
        ];
        Report {
            summary: Summary::of(&results),
            verdict: Verdict::Fail,
            results,
            started_at: "2026-11-26T10:00:00Z".into(),
            duration_ms: 1234,
            warnings: vec!["cannot read secrets/locked.txt: permission denied".into()],
            context: Context {
                project: Some("demo-shop".into()),
                root: "fixtures/demo-shop".into(),
                commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
                ruleset_version: "2026.11".into(),
                webhook_url: Some("https://shop.example/callback".into()),
                sandbox_base_url: Some("embedded".into()),
                attestations: vec![AttestationRecord {
                    name: "on-call".into(),
                    who: "ops@shop.example".into(),
                    when: "2026-11-20".into(),
                    evidence: Some("https://wiki/oncall".into()),
                }],
            },
            ..Report::empty()
        }
    }

    /// A passing run: every rule of the built-in checklist holds (what a clean repository shows).
    pub(crate) fn all_pass() -> Report {
        let checklist = Checklist::builtin();
        let mut rules: Vec<&crate::checklist::Rule> = checklist.rules.iter().collect();
        rules.sort_by_key(|r| (checklist.order_of(r), r.id.clone()));
        let results: Vec<RuleResult> = rules
            .into_iter()
            .map(|rule| RuleResult {
                rule: rule.id.clone(),
                probe: rule.probe,
                severity: rule.severity,
                status: Status::Pass,
                title: rule.title.clone(),
                message: "holds".into(),
                checklist: rule.checklist.first().cloned().unwrap_or_default(),
                checklist_items: rule.checklist.clone(),
                section: rule
                    .checklist
                    .first()
                    .and_then(|i| checklist.item(i))
                    .map_or_else(|| "Other".to_string(), |(s, _)| s.title.clone()),
                docs_url: rule.docs_url().map(str::to_string),
                docs: Some(rule.docs.clone()),
                findings: Vec::new(),
                measurements: Measurements::new(),
            })
            .collect();
        Report { summary: Summary::of(&results), results, ..Report::empty() }
    }

    #[test]
    fn summary_counts_each_status() {
        let s = sample().summary;
        assert_eq!((s.pass, s.fail, s.warn, s.skip, s.error, s.manual), (2, 1, 1, 1, 1, 1));
    }

    #[test]
    fn levels_follow_status_and_severity() {
        let r = sample();
        let levels: Vec<(&str, Option<Level>)> = r.results.iter().map(|x| (x.rule.as_str(), Level::of(x))).collect();
        assert_eq!(
            levels,
            [
                ("hardcoded-credential", Some(Level::Error)),
                ("token-per-request", Some(Level::Warning)),
                ("webhook-response-time", None),
                ("webhook-tls-version", Some(Level::Error)),
                ("sandbox-card-flow", None),
                ("sandbox-payout-flow", None),
                ("attest-monitoring", None),
            ]
        );
        let mut info = r.results[1].clone();
        info.severity = Severity::Info;
        assert_eq!(Level::of(&info), Some(Level::Note));
        info.status = Status::Error;
        assert_eq!(Level::of(&info), Some(Level::Warning));
    }

    #[test]
    fn repo_paths_prefix_a_relative_root() {
        let mut r = Report::empty();
        for (root, want) in [
            (".", "src/a.js"),
            ("./", "src/a.js"),
            ("shop", "shop/src/a.js"),
            ("./services/shop/", "services/shop/src/a.js"),
            ("/abs/shop", "src/a.js"),
            ("../shop", "src/a.js"),
        ] {
            r.context.root = root.into();
            assert_eq!(r.repo_path("./src/a.js"), want, "root {root}");
        }
    }

    #[test]
    fn every_format_has_a_distinct_name() {
        use clap::ValueEnum as _;
        for f in Format::value_variants() {
            assert_eq!(Format::from_str(f.name(), false), Ok(*f));
        }
    }
}
