//! Pull-request gating inside the static probe: scanning staged content, suppressing baselined
//! findings, and dropping the findings a changed file already had at the base.
//!
//! A finding is "already present" when the file's version at the base (for a renamed file, its
//! version under the old path), scanned with the same rules and settings, has an unsuppressed
//! finding of the same rule with the same content fingerprint. Fingerprints hash the matched value,
//! not the line number, so an old secret that moved is still recognised, while a new secret in an
//! old file, or an old secret copied into another file, is reported. A finding that was waived by
//! a `golive:ignore` comment at the base does not count as present: removing the waiver is a
//! change. When the base versions cannot be read, nothing is dropped and a warning says so (a gate
//! that cannot tell old from new reports both).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::matcher::{Matcher, RuleFinding};
use super::walk::{self, Skipped, WalkOptions, Walked};
use crate::checklist::Rule;
use crate::gating::git::{self, Blob, GitError};
use crate::gating::{Baseline, Scope};

/// Scans the staged (index) versions of the scope's files, with the filters a walk over
/// `only_files` applies: vendored directories, `[static] exclude`, binary extensions and content,
/// `max_file_size`.
///
/// # Errors
/// The index cannot be read.
pub(super) fn walk_staged<T, F>(scope: &Scope, opts: &WalkOptions<'_>, scan: F) -> Result<Walked<T>, GitError>
where
    F: Fn(&str, &[u8]) -> Option<T>,
{
    let candidates: Vec<(&str, &str)> = scope
        .files
        .iter()
        .filter(|f| !walk::in_skipped_dir(&f.path))
        .filter(|f| !opts.exclude.is_some_and(|g| g.is_match(&f.path)))
        .filter(|f| !walk::has_binary_ext(&f.path))
        .filter_map(|f| f.blob.as_deref().map(|b| (f.path.as_str(), b)))
        .collect();
    let ids: Vec<String> = candidates.iter().map(|(_, b)| (*b).to_string()).collect();
    let blobs = git::read_blobs(opts.root, &ids, opts.max_file_size)?;
    let mut out = Walked { results: Vec::new(), files: 0, bytes: 0, skipped: Vec::new() };
    for (path, id) in candidates {
        match blobs.get(id) {
            Some(Blob::Bytes(bytes)) => {
                if bytes[..bytes.len().min(walk::BINARY_SNIFF)].contains(&0) {
                    tracing::debug!(path, "skipped: binary content");
                    continue;
                }
                out.files += 1;
                out.bytes += bytes.len() as u64;
                out.results.extend(scan(path, bytes));
            }
            Some(Blob::TooLarge(n)) => out.skipped.push(Skipped::TooLarge(path.to_string(), *n)),
            Some(Blob::Missing) | None => {
                out.skipped.push(Skipped::Unreadable(path.to_string(), format!("blob {id} is not in the repository")));
            }
        }
    }
    out.skipped.sort();
    Ok(out)
}

/// Marks the findings a baseline lists as suppressed ("baselined"), and returns the warning about
/// entries that matched nothing (only entries of `scanned` files in a partial scan).
pub(super) fn apply_baseline(
    baseline: &Baseline,
    rules: &[&Rule],
    findings: &mut [RuleFinding],
    scanned: Option<&BTreeSet<String>>,
) -> Option<String> {
    let mut tracker = baseline.tracker();
    for f in findings.iter_mut() {
        let reason = tracker.matching(rules[f.rule], &f.finding.path, f.finding.fingerprint.as_deref());
        if f.finding.suppressed.is_none() {
            f.finding.suppressed = reason;
        }
    }
    tracker.stale_warning(rules, scanned)
}

/// Removes the findings already present in their file at the scope's base; returns how many were
/// removed per rule index, and warnings (base versions that could not be read).
pub(super) fn drop_present_at_base(
    root: &std::path::Path,
    scope: &Scope,
    matcher: &Matcher,
    findings: &mut Vec<RuleFinding>,
    max_file_size: u64,
) -> (BTreeMap<usize, usize>, Vec<String>) {
    let mut dropped = BTreeMap::new();
    let mut warnings = Vec::new();
    let hit: BTreeSet<&str> = findings.iter().map(|f| f.finding.path.as_str()).collect();
    let bases: Vec<(&str, &crate::gating::BaseVersion)> = scope
        .files
        .iter()
        .filter(|f| hit.contains(f.path.as_str()))
        .filter_map(|f| f.base.as_ref().map(|b| (f.path.as_str(), b)))
        .collect();
    if bases.is_empty() {
        return (dropped, warnings);
    }
    let ids: Vec<String> = bases.iter().map(|(_, b)| b.blob.clone()).collect();
    let blobs = match git::read_blobs(root, &ids, max_file_size) {
        Ok(b) => b,
        Err(e) => {
            warnings.push(format!(
                "could not read the changed files as they were at {} ({e}): all their findings are reported",
                scope.base_label
            ));
            return (dropped, warnings);
        }
    };
    let mut present: HashMap<&str, BTreeSet<(usize, String)>> = HashMap::new();
    let mut unknown = Vec::new();
    for (path, base) in bases {
        let set = present.entry(path).or_default();
        match blobs.get(&base.blob) {
            Some(Blob::Bytes(bytes)) if !bytes[..bytes.len().min(walk::BINARY_SNIFF)].contains(&0) => {
                let text = String::from_utf8_lossy(bytes);
                for f in matcher.scan(&base.path, &text).findings {
                    if f.finding.suppressed.is_none()
                        && let Some(fp) = f.finding.fingerprint
                    {
                        set.insert((f.rule, fp));
                    }
                }
            }
            Some(Blob::Bytes(_)) => {} // binary at the base: it had no findings
            Some(Blob::TooLarge(_) | Blob::Missing) | None => unknown.push(path.to_string()),
        }
    }
    if !unknown.is_empty() {
        warnings.push(format!(
            "{} could not be compared with {} (too large or missing there): all their findings are reported",
            unknown.join(", "),
            scope.base_label
        ));
    }
    findings.retain(|f| {
        let known =
            f.finding.fingerprint.as_ref().is_some_and(|fp| {
                present.get(f.finding.path.as_str()).is_some_and(|s| s.contains(&(f.rule, fp.clone())))
            });
        if known {
            *dropped.entry(f.rule).or_insert(0) += 1;
        }
        !known
    });
    (dropped, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Checklist;
    use crate::gating::baseline::Entry;
    use crate::probe::Finding;

    const FP: &str = "0123456789abcdef0123456789abcdef";

    fn found(path: &str, suppressed: Option<&str>) -> RuleFinding {
        RuleFinding {
            rule: 0,
            finding: Finding {
                path: path.into(),
                line: 1,
                column: 1,
                snippet: String::new(),
                fingerprint: Some(FP.into()),
                suppressed: suppressed.map(str::to_string),
            },
            note: None,
        }
    }

    /// An inline waiver keeps its own reason, and still counts as a use of the baseline entry.
    #[test]
    fn baseline_suppresses_without_overriding_inline_reasons() {
        let c = Checklist::builtin();
        let rules = [c.rule("sandbox-url").unwrap()];
        let entry = |path: &str| Entry {
            rule: "sandbox-url".into(),
            path: path.into(),
            fingerprint: FP.into(),
            reason: String::new(),
        };
        let b = Baseline { name: "b.json".into(), entries: vec![entry("a.js"), entry("b.js"), entry("gone.js")] };
        let mut findings = vec![found("a.js", None), found("b.js", Some("docs page")), found("c.js", None)];
        let stale = apply_baseline(&b, &rules, &mut findings, None).unwrap();
        let reasons: Vec<Option<&str>> = findings.iter().map(|f| f.finding.suppressed.as_deref()).collect();
        assert_eq!(reasons, [Some("baselined"), Some("docs page"), None]);
        assert!(stale.contains("1 entry matches no finding") && stale.contains("gone.js"), "{stale}");
    }
}
