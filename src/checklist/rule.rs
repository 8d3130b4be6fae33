//! The rule model: what every checklist rule is, whatever probe runs it.
//!
//! Rules are data (TOML in `rules/`, plus the user's own files); this module holds the validated
//! form that probes and reports read. Parsing and validation live in `load.rs`.

use std::fmt;

use serde::Serialize;

/// Which probe runs a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    /// Scans the merchant's repository.
    Static,
    /// Calls the merchant's live callback endpoint.
    Webhook,
    /// Runs payment flows against the Exirom sandbox or the simulator.
    Sandbox,
    /// Reads attestations from `[attest]`.
    Manual,
}

impl ProbeKind {
    /// Every kind, in report order.
    pub const ALL: [ProbeKind; 4] = [Self::Static, Self::Webhook, Self::Sandbox, Self::Manual];

    /// The name used in TOML and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Webhook => "webhook",
            Self::Sandbox => "sandbox",
            Self::Manual => "manual",
        }
    }

    /// Parses the TOML/JSON name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a violated rule matters. Ordered: `Info < Warn < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Should be fixed; fails the run only with `--fail-on warn`.
    Warn,
    /// Must be fixed before going live.
    Error,
}

impl Severity {
    /// The name used in TOML, JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    /// Parses the TOML name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Self::Info),
            "warn" | "warning" => Some(Self::Warn),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in Exirom checklist (`rules/<file>`).
    Builtin(&'static str),
    /// A user checklist file.
    User(std::path::PathBuf),
}

/// Examples a static rule must (and must not) match; `golive rules test` runs them.
///
/// In TOML each entry is a string, or a table `{ path = ".env.production", text = "…" }` for an
/// example that must be scanned as a particular file (environment-aware rules look at the path).
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// Snippets (one line or a whole file) the rule must flag.
    pub matching: Vec<Example>,
    /// Snippets the rule must stay silent on.
    pub non_matching: Vec<Example>,
    /// File path the examples are scanned as unless they name their own; default `src/app.js`.
    pub path: Option<String>,
}

/// One example snippet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Example {
    /// The text scanned.
    pub text: String,
    /// The path it is scanned as (overrides [`Examples::path`]).
    pub path: Option<String>,
}

/// Per-rule allowlist for static rules.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    /// Path globs where the rule never reports.
    pub paths: Vec<String>,
    /// Regexes; a match whose text matches one of these is dropped.
    pub regexes: Vec<String>,
    /// Lowercase words; a match containing one is dropped (placeholders such as `changeme`).
    pub stopwords: Vec<String>,
}

/// The static probe's parameters for one rule.
#[derive(Debug, Clone, Default)]
pub struct StaticSpec {
    /// Lowercase literals; the rule runs on a file only when one of them occurs (prefilter).
    pub keywords: Vec<String>,
    /// The regex that finds candidates (compiled by the static probe; validated at load time).
    pub pattern: Option<String>,
    /// A named built-in detector that validates or replaces the pattern (see `static_scan`).
    pub detector: Option<String>,
    /// Path globs the rule is limited to (empty = every file).
    pub paths: Vec<String>,
    /// Path globs the rule skips.
    pub exclude: Vec<String>,
    /// File contexts the rule skips: `test`, `docs`, `lock`, `minified`, `vendor`, `log`, `config`, `code`.
    pub skip_contexts: Vec<String>,
    /// Allowlist.
    pub allow: Allow,
    /// The rule's self-test examples.
    pub examples: Examples,
}

/// One validated checklist rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Permanent kebab-case id.
    pub id: String,
    /// Former ids that still select this rule.
    pub aliases: Vec<String>,
    /// The probe that runs it.
    pub probe: ProbeKind,
    /// Severity after the user's overrides.
    pub severity: Severity,
    /// Ids of the go-live checklist items it proves (`rules/checklist.toml`).
    pub checklist: Vec<String>,
    /// One-line title, sentence case, no trailing period.
    pub title: String,
    /// Markdown: what it checks, why it matters, how to fix.
    pub docs: String,
    /// golive version that introduced it.
    pub since: String,
    /// The implementation it runs: a webhook check, sandbox flow or static detector name (defaults
    /// to the id without its probe prefix).
    pub implementation: String,
    /// Probe options (`[rule.options]`), as JSON for easy typed reading by the probe.
    pub options: serde_json::Map<String, serde_json::Value>,
    /// Static probe parameters (static rules only).
    pub static_spec: Option<StaticSpec>,
    /// Where it was defined.
    pub origin: Origin,
}

impl Rule {
    /// The Exirom page the docs cite (the first `https://developers.exirom.com` link, else the
    /// first link), for "fix" links in reports.
    pub fn docs_url(&self) -> Option<&str> {
        let start = self.docs.find("https://developers.exirom.com").or_else(|| self.docs.find("https://"))?;
        let rest = &self.docs[start..];
        let end =
            rest.find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | ']' | '"' | '\'')).unwrap_or(rest.len());
        Some(rest[..end].trim_end_matches(['.', ',']))
    }

    /// An option as u64.
    pub fn opt_u64(&self, key: &str) -> Option<u64> {
        self.options.get(key).and_then(serde_json::Value::as_u64)
    }

    /// An option as a string.
    pub fn opt_str(&self, key: &str) -> Option<&str> {
        self.options.get(key).and_then(serde_json::Value::as_str)
    }
}

/// True for a permanent rule id: lowercase kebab-case, starting with a letter.
pub fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_ids() {
        assert!(is_kebab_id("webhook-tls-version"));
        assert!(is_kebab_id("pan-in-log"));
        assert!(!is_kebab_id("Pan"));
        assert!(!is_kebab_id("pan_in_log"));
        assert!(!is_kebab_id("-pan"));
        assert!(!is_kebab_id("pan--x"));
    }

    #[test]
    fn severity_orders() {
        assert!(Severity::Info < Severity::Warn && Severity::Warn < Severity::Error);
    }
}
