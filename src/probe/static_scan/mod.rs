//! The static probe: finds what must not go live in the merchant's repository.
//!
//! [`run`] walks the repository ([`walk`]), scans every file once with every static rule
//! ([`matcher`]: keyword prefilter, then regex and [`detectors`]), masks secrets and card numbers
//! ([`mask`]) and fingerprints each finding ([`fingerprint()`]) before it leaves the probe, applies
//! inline and `[[ignore]]` suppressions ([`suppress`]), and turns the findings into one
//! [`Outcome`] per rule. Unreadable, special and too-large files become run warnings.
//!
//! Evidence rules ([`evidence`]: repository-level checks for required behaviour) ride the same walk:
//! each file read is also handed to the evidence [`evidence::Collector`], and after the walk
//! [`evidence::judge`] decides those rules from every file's facts. No file is read twice.
//!
//! For later work (`--changed-since`, baselines, rule examples), [`scan_text`] scans in-memory text
//! as a given path with a set of rules, and [`fingerprint()`] is the fingerprint function; to scan
//! many texts with the same rules, compile a [`matcher::Matcher`] once and call its `scan`.

pub mod card;
pub mod context;
pub mod detectors;
pub mod evidence;
pub mod fingerprint;
mod gating;
pub mod mask;
pub mod matcher;
mod overrides;
pub mod source;
pub mod suppress;
pub mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

pub use fingerprint::fingerprint;

use self::matcher::{Matcher, RuleFinding};
use self::walk::{Skipped, WalkOptions};
use crate::checklist::Rule;
use crate::engine::ProbeRun;
use crate::gating::Mode;
use crate::probe::{Finding, Outcome, RunContext};

/// Names of the built-in detectors this probe offers (a rule's `detector` key): the per-match
/// detectors, then the repository-level evidence rules.
pub const IMPLEMENTATIONS: &[&str] = &IMPLEMENTATION_NAMES;

const N_IMPL: usize = detectors::NAMES_LIST.len() + evidence::NAMES.len();
const IMPLEMENTATION_NAMES: [&str; N_IMPL] = {
    let mut out = [""; N_IMPL];
    let mut i = 0;
    while i < detectors::NAMES_LIST.len() {
        out[i] = detectors::NAMES_LIST[i];
        i += 1;
    }
    let mut j = 0;
    while j < evidence::NAMES.len() {
        out[i + j] = evidence::NAMES[j];
        j += 1;
    }
    out
};

/// Default path an example is scanned as.
pub const EXAMPLE_PATH: &str = "src/app.js";

/// Most paths listed per kind of skipped file in a warning.
const MAX_LISTED: usize = 10;

/// Most findings of one rule in one file that a report lists; the rest are counted in a warning.
pub const MAX_FINDINGS_PER_FILE: usize = 100;

/// Whether a detector called `name` exists.
pub fn implements(name: &str) -> bool {
    IMPLEMENTATIONS.contains(&name)
}

/// How the scan runs (not what it finds: results never depend on these).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

impl ScanOptions {
    /// Options from the environment: `GOLIVE_THREADS` sets the worker count.
    pub fn from_env() -> Self {
        let threads = crate::secret::env_var("GOLIVE_THREADS").and_then(|v| v.parse().ok()).unwrap_or(0);
        Self { threads }
    }
}

/// Runs the static rules over the repository.
pub fn run(ctx: &RunContext, rules: &[&Rule]) -> ProbeRun {
    run_with(ctx, rules, ScanOptions::from_env())
}

/// Runs the static rules with explicit [`ScanOptions`].
pub fn run_with(ctx: &RunContext, rules: &[&Rule], opts: ScanOptions) -> ProbeRun {
    // Evidence rules are judged per repository, after the walk (see `evidence`).
    let (evidence_rules, rules): (Vec<&Rule>, Vec<&Rule>) =
        rules.iter().copied().partition(|r| evidence::is_evidence(r));
    let rules = rules.as_slice();
    let collector = evidence::Collector::new(&evidence_rules);
    let matcher = Matcher::compile(rules);
    let cfg = &ctx.config.scan;
    let mut warnings = Vec::new();
    let exclude = match matcher::globs(&cfg.exclude) {
        Ok(g) => g,
        Err(e) => {
            warnings.push(format!("[static] exclude ignored: {e}"));
            None
        }
    };
    let walk_opts = WalkOptions {
        root: &ctx.root,
        paths: &cfg.paths,
        exclude: exclude.as_ref(),
        max_file_size: cfg.max_file_size,
        only_files: ctx.only_files.as_deref(),
        threads: opts.threads,
    };
    let scan_file = |rel: &str, bytes: &[u8]| {
        // Valid UTF-8 (nearly every file) is borrowed; only invalid bytes cost a copy.
        let text = match std::str::from_utf8(bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        let fctx = context::classify(rel, &text);
        let scan = matcher.scan_with_context(rel, &text, fctx);
        let facts = collector.as_ref().and_then(|c| c.collect(rel, &text, fctx));
        let sets = overrides::sets_host(fctx, &text).then(|| rel.to_string());
        (!scan.findings.is_empty() || !scan.warnings.is_empty() || facts.is_some() || sets.is_some())
            .then_some((scan, facts, sets))
    };
    let walked = match ctx.scope.as_deref().filter(|s| s.mode == Mode::Staged) {
        Some(scope) => match gating::walk_staged(scope, &walk_opts, scan_file) {
            Ok(w) => w,
            Err(e) => {
                let msg = format!("could not read the staged files: {e}");
                return ProbeRun { outcomes: rules.iter().map(|r| Outcome::error(&r.id, &msg)).collect(), warnings };
            }
        },
        None => walk::walk(&walk_opts, scan_file),
    };
    let mut findings: Vec<RuleFinding> = Vec::new();
    let mut inline_warnings = Vec::new();
    let mut evidence_files = Vec::new();
    let mut overriding = BTreeSet::new();
    for (s, facts, sets) in walked.results {
        findings.extend(s.findings);
        inline_warnings.extend(s.warnings);
        evidence_files.extend(facts);
        overriding.extend(sets);
    }
    // A sandbox URL in a base config file that a production file beside it overrides is the
    // development default (see `overrides`). A scan of chosen files looks beside them on disk.
    if ctx.only_files.is_some() {
        let dirs: BTreeSet<&str> = findings
            .iter()
            .filter(|f| rules[f.rule].implementation == "sandbox-url")
            .map(|f| f.finding.path.rsplit_once('/').map_or("", |(d, _)| d))
            .collect();
        let found: Vec<String> = dirs.into_iter().flat_map(|d| overrides::production_files_in(&ctx.root, d)).collect();
        overriding.extend(found);
    }
    findings.retain(|f| {
        rules[f.rule].implementation != "sandbox-url" || !overrides::overridden(&f.finding.path, &overriding)
    });
    inline_warnings.sort();
    inline_warnings.dedup();
    warnings.extend(skipped_warnings(&walked.skipped, cfg.max_file_size));
    warnings.extend(inline_warnings);

    let mut ignores = suppress::Ignores::new(&ctx.config.ignore, rules);
    findings.sort_by(|a, b| (a.rule, &a.finding).cmp(&(b.rule, &b.finding)));
    for f in &mut findings {
        if f.finding.suppressed.is_none() {
            f.finding.suppressed = ignores.matching(rules[f.rule], &f.finding.path, f.finding.fingerprint.as_deref());
        } else {
            // An inline comment already waived it; an [[ignore]] for the same finding still counts as used.
            let _ = ignores.matching(rules[f.rule], &f.finding.path, f.finding.fingerprint.as_deref());
        }
    }
    if ctx.only_files.is_none() {
        warnings.extend(ignores.unmatched());
    }
    if let Some(baseline) = &ctx.baseline {
        let scanned: Option<BTreeSet<String>> =
            ctx.only_files.as_ref().map(|fs| fs.iter().map(|p| walk::rel_string(Path::new(""), p)).collect());
        warnings.extend(gating::apply_baseline(baseline, rules, &mut findings, scanned.as_ref()));
    }
    let mut known = BTreeMap::new();
    if let Some(scope) = &ctx.scope {
        let (dropped, w) = gating::drop_present_at_base(&ctx.root, scope, &matcher, &mut findings, cfg.max_file_size);
        known = dropped;
        warnings.extend(w);
    }
    let base = ctx.scope.as_ref().map(|s| s.base_label.as_str());

    let mut by_rule: BTreeMap<usize, Vec<RuleFinding>> = BTreeMap::new();
    for f in findings {
        by_rule.entry(f.rule).or_default().push(f);
    }
    let errors: BTreeMap<usize, &String> = matcher.errors.iter().map(|(i, e)| (*i, e)).collect();
    let mut outcomes: Vec<Outcome> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            if let Some(e) = errors.get(&i) {
                return Outcome::error(&rule.id, format!("rule cannot run: {e}"));
            }
            let already = base.map(|label| (known.get(&i).copied().unwrap_or(0), label));
            outcome(rule, by_rule.remove(&i).unwrap_or_default(), walked.files, already)
        })
        .collect();
    if !evidence_rules.is_empty() {
        outcomes.extend(evidence::judge(&evidence_rules, evidence_files, ctx, &mut warnings));
    }
    for o in &mut outcomes {
        warnings.extend(cap_findings(o));
    }
    ProbeRun { outcomes, warnings }
}

/// Keeps the first [`MAX_FINDINGS_PER_FILE`] findings of the outcome in each file and says how
/// many more there are. Gating and baselines saw every finding and the outcome's message counts
/// them all; only the listing is bounded (a generated file with a card number or an Exirom call on
/// every line would otherwise cost memory in proportion in every report format).
fn cap_findings(o: &mut Outcome) -> Vec<String> {
    let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
    o.findings.retain(|f| {
        let n = per_file.entry(f.path.clone()).or_default();
        *n += 1;
        *n <= MAX_FINDINGS_PER_FILE
    });
    per_file
        .into_iter()
        .filter(|(_, n)| *n > MAX_FINDINGS_PER_FILE)
        .map(|(path, n)| {
            format!(
                "[static] {}: {} more in {path} not listed (the first {MAX_FINDINGS_PER_FILE} are)",
                o.rule,
                plural(n - MAX_FINDINGS_PER_FILE, "finding")
            )
        })
        .collect()
}

/// The outcome of one rule from its findings. `already` is set for `--changed-since`/`--staged`:
/// how many findings were dropped as already present at the base, and the base's name.
fn outcome(rule: &Rule, findings: Vec<RuleFinding>, files: usize, already: Option<(usize, &str)>) -> Outcome {
    let active: Vec<&RuleFinding> = findings.iter().filter(|f| f.finding.suppressed.is_none()).collect();
    let suppressed = findings.len() - active.len();
    let known = already.map_or(0, |(n, _)| n);
    let mut msg = String::new();
    let o = if active.is_empty() && suppressed > 0 {
        let mut reasons: Vec<&str> = findings.iter().filter_map(|f| f.finding.suppressed.as_deref()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        let _ = write!(msg, "{} suppressed: {}", plural(suppressed, "finding"), reasons.join("; "));
        Outcome::skip(&rule.id, msg)
    } else if active.is_empty() {
        let what = if known > 0 { "nothing new" } else { "nothing found" };
        Outcome::pass(&rule.id, format!("{what} in {}", plural(files, "file")))
    } else {
        let mut files_hit: Vec<&str> = active.iter().map(|f| f.finding.path.as_str()).collect();
        files_hit.dedup();
        let _ = write!(msg, "{} in {}", plural(active.len(), "finding"), plural(files_hit.len(), "file"));
        let mut notes: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &active {
            if let Some(n) = f.note {
                *notes.entry(n).or_default() += 1;
            }
        }
        if !notes.is_empty() {
            let parts: Vec<String> = notes.iter().map(|(n, c)| format!("{n} ({c})")).collect();
            let _ = write!(msg, ": {}", parts.join(", "));
        }
        if suppressed > 0 {
            let _ = write!(msg, "; {suppressed} more suppressed");
        }
        Outcome::fail(&rule.id, msg)
    };
    let mut o = o.with_findings(findings.into_iter().map(|f| f.finding).collect());
    if let Some((n, base)) = already {
        if n > 0 {
            let _ = write!(o.message, "; {} already present at {base}, not re-reported", plural(n, "finding"));
        }
        o = o.measure("already_present", n);
    }
    o
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn skipped_warnings(skipped: &[Skipped], max: u64) -> Vec<String> {
    let mut out = Vec::new();
    let unreadable: Vec<String> = skipped
        .iter()
        .filter_map(|s| match s {
            Skipped::Unreadable(p, why) => Some(if p.is_empty() { why.clone() } else { format!("{p} ({why})") }),
            _ => None,
        })
        .collect();
    let large: Vec<String> = skipped
        .iter()
        .filter_map(|s| match s {
            Skipped::TooLarge(p, n) => Some(format!("{p} ({n} bytes)")),
            _ => None,
        })
        .collect();
    let special: Vec<String> = skipped
        .iter()
        .filter_map(|s| match s {
            Skipped::Special(p, kind) => Some(format!("{p} ({kind})")),
            _ => None,
        })
        .collect();
    if !unreadable.is_empty() {
        out.push(format!("could not read {}, not scanned: {}", plural(unreadable.len(), "path"), listed(&unreadable)));
    }
    if !large.is_empty() {
        out.push(format!(
            "{} larger than [static] max_file_size ({max} bytes), not scanned: {}",
            plural(large.len(), "file"),
            listed(&large)
        ));
    }
    if !special.is_empty() {
        out.push(format!("{} not regular files, not scanned: {}", plural(special.len(), "path"), listed(&special)));
    }
    out
}

fn listed(items: &[String]) -> String {
    let mut s = items.iter().take(MAX_LISTED).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > MAX_LISTED {
        let _ = write!(s, " and {} more", items.len() - MAX_LISTED);
    }
    s
}

/// A finding of [`scan_text`], with the id of the rule that made it.
#[derive(Debug, Clone)]
pub struct TextFinding {
    /// The rule id.
    pub rule: String,
    /// The finding: masked snippet, fingerprint, inline suppression applied.
    pub finding: Finding,
    /// The detector's note, if any.
    pub note: Option<&'static str>,
}

/// Scans in-memory `text` as the file at `path` (relative, `/`-separated; it decides the file's
/// context and environment) with `rules`, exactly as a file of the repository would be scanned.
/// Used to run rule examples, and meant for `--changed-since`/baselines, which scan the versions
/// of files at a git ref and compare [`Finding::fingerprint`]s. Rules that cannot be compiled
/// produce nothing; findings are sorted by rule order, then position.
pub fn scan_text(path: &str, text: &str, rules: &[&Rule]) -> Vec<TextFinding> {
    let m = Matcher::compile(rules);
    let mut found = m.scan(path, text).findings;
    found.sort_by(|a, b| (a.rule, &a.finding).cmp(&(b.rule, &b.finding)));
    found
        .into_iter()
        .map(|f| TextFinding { rule: rules[f.rule].id.clone(), finding: f.finding, note: f.note })
        .collect()
}

/// An example a rule gets wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule id.
    pub rule: String,
    /// `true` for a `match` example that was not flagged, `false` for a `no-match` example that was.
    pub should_match: bool,
    /// 1-based position of the example in its list.
    pub index: usize,
    /// The path it was scanned as.
    pub path: String,
    /// The example text, masked (it may hold sample secrets or card numbers).
    pub masked_text: String,
    /// For a flagged `no-match` example: the masked snippets it was flagged at.
    pub flagged: Vec<String>,
}

/// Runs every `[rule.examples]` entry of `rule`: each `match` example must produce at least one
/// unsuppressed finding of the rule, each `no-match` example none. Returns the failures and the
/// number of examples run.
pub fn run_examples(rule: &Rule) -> (Vec<ExampleFailure>, usize) {
    if evidence::is_evidence(rule) {
        return evidence::run_examples(rule);
    }
    let Some(spec) = &rule.static_spec else {
        return (Vec::new(), 0);
    };
    let m = Matcher::compile(&[rule]);
    if let Some((_, e)) = m.errors.first() {
        let fail = ExampleFailure {
            rule: rule.id.clone(),
            should_match: true,
            index: 0,
            path: String::new(),
            masked_text: format!("rule cannot run: {e}"),
            flagged: Vec::new(),
        };
        return (vec![fail], 0);
    }
    let ex = &spec.examples;
    let default_path = ex.path.as_deref().unwrap_or(EXAMPLE_PATH);
    let mut failures = Vec::new();
    let mut count = 0;
    for (should_match, list) in [(true, &ex.matching), (false, &ex.non_matching)] {
        for (i, e) in list.iter().enumerate() {
            count += 1;
            let path = e.path.as_deref().unwrap_or(default_path);
            let found: Vec<Finding> = m
                .scan(path, &e.text)
                .findings
                .into_iter()
                .map(|f| f.finding)
                .filter(|f| f.suppressed.is_none())
                .collect();
            if found.is_empty() == should_match {
                failures.push(ExampleFailure {
                    rule: rule.id.clone(),
                    should_match,
                    index: i + 1,
                    path: path.to_string(),
                    masked_text: mask::redact(&e.text),
                    flagged: found.iter().map(|f| format!("{}:{}: {}", f.line, f.column, f.snippet)).collect(),
                });
            }
        }
    }
    (failures, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{Checklist, ProbeKind};

    /// Every example of every built-in static rule holds.
    #[test]
    fn every_static_rule_example_holds() {
        let mut failures = Vec::new();
        let mut total = 0;
        for r in Checklist::builtin().rules.iter().filter(|r| r.probe == ProbeKind::Static) {
            let (f, n) = run_examples(r);
            assert!(n >= 4, "rule {} has only {n} examples", r.id);
            total += n;
            failures.extend(f);
        }
        assert!(total > 0);
        let report: Vec<String> = failures
            .iter()
            .map(|f| {
                format!(
                    "{} {} #{} ({}): {}{}",
                    f.rule,
                    if f.should_match { "match" } else { "no-match" },
                    f.index,
                    f.path,
                    f.masked_text,
                    if f.flagged.is_empty() { String::new() } else { format!("\n    flagged: {:?}", f.flagged) }
                )
            })
            .collect();
        assert!(failures.is_empty(), "{} wrong examples:\n{}", failures.len(), report.join("\n"));
    }

    #[test]
    fn scan_text_masks_and_fingerprints() {
        let rules: Vec<&Rule> = Checklist::builtin().rules.iter().filter(|r| r.probe == ProbeKind::Static).collect();
        let text = "const merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a';\nconst card = '4539578763621486';\n";
        let found = scan_text("src/pay.js", text, &rules);
        let ids: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(ids, ["hardcoded-credential", "pan-in-source"]);
        for f in &found {
            assert!(!f.finding.snippet.contains("GOLIVEFAKE9f8a") && !f.finding.snippet.contains("4539578763621486"));
            assert_eq!(f.finding.fingerprint.as_deref().map(str::len), Some(32));
        }
        // The same text moved down keeps its fingerprints.
        let moved = scan_text("src/pay.js", &format!("\n\n{text}"), &rules);
        let fps = |v: &[TextFinding]| v.iter().map(|f| f.finding.fingerprint.clone()).collect::<Vec<_>>();
        assert_eq!(fps(&found), fps(&moved));
        assert_eq!(moved[0].finding.line, 3);
    }

    #[test]
    fn implementations_are_the_detectors() {
        assert_eq!(IMPLEMENTATIONS.len(), detectors::DETECTORS.len() + evidence::NAMES.len());
        assert!(implements("pan-in-source"));
        assert!(!implements("nope"));
    }
}
