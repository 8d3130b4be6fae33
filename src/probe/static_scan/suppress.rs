//! Suppressions: inline `golive:ignore <rule-id> <reason>` comments and `[[ignore]]` entries in
//! golive.toml.
//!
//! A suppressed finding stays in the report with `suppressed: Some(reason)`, so reviewers see what
//! was waived and why; a rule whose findings are all suppressed reports `skip` with the reason. A
//! reason is required in both forms, and an `[[ignore]]` that matches nothing produces a warning
//! (it is stale, or its glob or fingerprint is wrong).

use globset::{Glob, GlobMatcher};

use super::source::FileView;
use crate::checklist::Rule;
use crate::config::Ignore;

/// What an inline comment says about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// No `golive:ignore` for this rule on the line or the line above.
    None,
    /// Suppressed, with this reason.
    Reason(String),
    /// `golive:ignore <rule-id>` without a reason (not applied; the probe warns).
    NoReason,
}

const MARKER: &str = "golive:ignore";

/// The inline suppression of `rule` on 0-based `line` of the file: a `golive:ignore <rule-id>
/// <reason>` comment on that line or on the line above. Several ids may be given, comma-separated.
pub fn inline(view: &FileView<'_>, line: usize, rule: &str) -> Inline {
    let mut res = parse(view.line(line), rule);
    if res == Inline::None && line > 0 {
        res = parse(view.line(line - 1), rule);
    }
    res
}

/// Parses one line for `golive:ignore <ids> <reason>`.
pub fn parse(line: &str, rule: &str) -> Inline {
    let mut rest = line;
    while let Some(i) = rest.find(MARKER) {
        rest = &rest[i + MARKER.len()..];
        let args = rest.trim_start();
        let (ids, reason) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        if ids.trim_end_matches(':').split(',').any(|id| id == rule) {
            let reason = reason
                .trim()
                .trim_end_matches("*/")
                .trim_end_matches("-->")
                .trim_end_matches("#}")
                .trim_end_matches("%>")
                .trim()
                .trim_start_matches(['-', ':'])
                .trim();
            return if reason.is_empty() { Inline::NoReason } else { Inline::Reason(reason.to_string()) };
        }
    }
    Inline::None
}

/// The `[[ignore]]` entries that concern the rules of this run, compiled.
#[derive(Debug)]
pub struct Ignores<'c> {
    entries: Vec<(&'c Ignore, Option<GlobMatcher>)>,
    used: Vec<bool>,
}

impl<'c> Ignores<'c> {
    /// The entries of `all` whose rule (id or alias) is one of `rules`.
    pub fn new(all: &'c [Ignore], rules: &[&Rule]) -> Self {
        let entries: Vec<_> = all
            .iter()
            .filter(|i| rules.iter().any(|r| r.id == i.rule.id || r.aliases.contains(&i.rule.id)))
            .map(|i| (i, i.path.as_deref().and_then(|p| Glob::new(p).ok()).map(|g| g.compile_matcher())))
            .collect();
        let used = vec![false; entries.len()];
        Self { entries, used }
    }

    /// The reason of the first entry matching a finding of `rule` (id and aliases) at `path` with
    /// `fingerprint`, marking the entry used.
    pub fn matching(&mut self, rule: &Rule, path: &str, fingerprint: Option<&str>) -> Option<String> {
        for (i, (ig, glob)) in self.entries.iter().enumerate() {
            let rule_ok = ig.rule.id == rule.id || rule.aliases.contains(&ig.rule.id);
            let path_ok = match (&ig.path, glob) {
                (None, _) => true,
                (Some(_), Some(g)) => g.is_match(path),
                (Some(_), None) => false,
            };
            let fp_ok = ig.fingerprint.as_deref().is_none_or(|f| Some(f) == fingerprint);
            if rule_ok && path_ok && fp_ok {
                self.used[i] = true;
                return Some(ig.reason.clone());
            }
        }
        None
    }

    /// Warnings for the entries that matched no finding.
    pub fn unmatched(&self) -> Vec<String> {
        self.entries
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|((ig, _), _)| {
                let mut what = format!("rule = \"{}\"", ig.rule.id);
                if let Some(p) = &ig.path {
                    what.push_str(&format!(", path = \"{p}\""));
                }
                if let Some(f) = &ig.fingerprint {
                    what.push_str(&format!(", fingerprint = \"{f}\""));
                }
                format!("[[ignore]] {{ {what} }} matched no finding: remove it, or fix its path or fingerprint")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inline_comments() {
        assert_eq!(
            parse("const k = 'x'; // golive:ignore hardcoded-credential rotated, sandbox only", "hardcoded-credential"),
            Inline::Reason("rotated, sandbox only".into())
        );
        assert_eq!(
            parse("# golive:ignore sandbox-url,pan-in-source: demo data", "pan-in-source"),
            Inline::Reason("demo data".into())
        );
        assert_eq!(parse("/* golive:ignore pan-in-source */", "pan-in-source"), Inline::NoReason);
        assert_eq!(parse("// golive:ignore sandbox-url why", "pan-in-source"), Inline::None);
        assert_eq!(
            parse("<!-- golive:ignore sandbox-url docs page -->", "sandbox-url"),
            Inline::Reason("docs page".into())
        );
    }

    #[test]
    fn line_above_counts() {
        let v = FileView::new("a.js", "// golive:ignore pan-in-source fixture card\nconst c = '4539578763621486';\n");
        assert_eq!(inline(&v, 1, "pan-in-source"), Inline::Reason("fixture card".into()));
        assert_eq!(inline(&v, 1, "sandbox-url"), Inline::None);
    }
}
