//! Baselines: the findings a codebase already had when it adopted golive, so that only new ones
//! fail.
//!
//! `golive baseline create [PATH] --out golive-baseline.json` records every current, unsuppressed
//! static finding by rule, path and content [`fingerprint`](crate::probe::static_scan::fingerprint())
//! (which survives line moves and edits elsewhere in the file). `--baseline FILE` on `scan` and
//! `check` then reports a finding that matches an entry as suppressed, reason `baselined` (plus the
//! entry's `reason` when someone filled it in); a rule whose findings are all baselined is `skip`.
//! Entries that match no finding any more (fixed, or moved to another file) become one report
//! warning, so the file is refreshed rather than left to hide future findings.
//!
//! ## File format (`golive-baseline/1`, JSON Schema `schema/golive-baseline-1.json`)
//!
//! ```json
//! {
//!   "schema": "golive-baseline/1",
//!   "created_at": "2026-11-26T10:00:00Z",
//!   "findings": [
//!     { "rule": "hardcoded-credential", "path": "src/config.js", "fingerprint": "3f…(32 hex)", "reason": "" }
//!   ]
//! }
//! ```
//!
//! Entries are sorted by rule, path and fingerprint, one per distinct finding, so a regenerated
//! baseline diffs cleanly. Paths are relative to the scanned root, `/`-separated. Unknown fields are
//! ignored (fields are only ever added); `reason` may be omitted when reading.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::checklist::{ProbeKind, Rule};
use crate::diag::{FileDiagnostics, Problem};
use crate::error::Error;
use crate::report::Report;

/// The `schema` value of a baseline file.
pub const SCHEMA: &str = "golive-baseline/1";

/// The default baseline file name.
pub const DEFAULT_FILE: &str = "golive-baseline.json";

/// The reason a baselined finding is suppressed with.
pub const BASELINED: &str = "baselined";

/// Most stale entries listed in the warning.
const MAX_LISTED: usize = 10;

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    /// Rule id.
    pub rule: String,
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// The finding's content fingerprint.
    pub fingerprint: String,
    /// Why it is accepted (empty when created; for people to fill in).
    pub reason: String,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The file as the user named it (for messages).
    pub name: String,
    /// The entries, sorted and distinct.
    pub entries: Vec<Entry>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    schema: &'a str,
    created_at: &'a str,
    findings: &'a [Entry],
}

impl Baseline {
    /// Reads and checks a baseline file.
    ///
    /// # Errors
    /// The file is missing or unreadable (usage/io error), or has problems (every one listed).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let name = path.display().to_string();
        if !path.is_file() {
            return Err(Error::usage(
                format!("baseline file {name} does not exist"),
                "create it with `golive baseline create --out FILE`, or fix the --baseline path",
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "cannot read",
            path: name.clone(),
            source,
        })?;
        Ok(Self::parse(&name, &text)?)
    }

    /// Parses baseline text, collecting every problem.
    ///
    /// # Errors
    /// The problems, pointing into the text.
    pub fn parse(name: &str, text: &str) -> Result<Self, FileDiagnostics> {
        let mut problems = Vec::new();
        let entries = parse_entries(text, &mut problems);
        if problems.is_empty() {
            let mut entries = entries;
            entries.sort();
            entries.dedup();
            Ok(Self { name: name.to_string(), entries })
        } else {
            Err(FileDiagnostics::new(name, text, problems))
        }
    }

    /// The entries for every unsuppressed static finding of `report` that has a fingerprint, sorted
    /// and distinct, with the reasons of `previous` entries carried over. Also returns notes about
    /// what could not be recorded (rules that could not run, findings without a fingerprint).
    pub fn entries_from_report(report: &Report, previous: Option<&Baseline>) -> (Vec<Entry>, Vec<String>) {
        let reasons: HashMap<(&str, &str, &str), &str> = previous
            .map(|b| {
                b.entries
                    .iter()
                    .filter(|e| !e.reason.is_empty())
                    .map(|e| ((e.rule.as_str(), e.path.as_str(), e.fingerprint.as_str()), e.reason.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut entries = BTreeSet::new();
        let mut notes = Vec::new();
        for r in report.results.iter().filter(|r| r.probe == ProbeKind::Static) {
            if r.status == crate::probe::Status::Error {
                notes.push(format!("{} could not run ({}): none of its findings are recorded", r.rule, r.message));
            }
            let mut without = 0;
            for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
                let Some(fp) = &f.fingerprint else {
                    without += 1;
                    continue;
                };
                let reason = reasons.get(&(r.rule.as_str(), f.path.as_str(), fp.as_str())).copied().unwrap_or("");
                entries.insert(Entry {
                    rule: r.rule.clone(),
                    path: f.path.clone(),
                    fingerprint: fp.clone(),
                    reason: reason.to_string(),
                });
            }
            if without > 0 {
                notes.push(format!("{}: {without} finding(s) without a fingerprint cannot be baselined", r.rule));
            }
        }
        (entries.into_iter().collect(), notes)
    }

    /// The file text for `entries` (pretty JSON, a trailing newline).
    pub fn render(entries: &[Entry], created_at: &str) -> String {
        let file = FileOut { schema: SCHEMA, created_at, findings: entries };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A tracker of which entries the findings of a run match.
    pub fn tracker(&self) -> Tracker<'_> {
        let mut index: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            index.entry((e.path.as_str(), e.fingerprint.as_str())).or_default().push(i);
        }
        Tracker { baseline: self, index, used: vec![false; self.entries.len()] }
    }
}

/// Matches findings against a [`Baseline`] and remembers which entries were used.
#[derive(Debug)]
pub struct Tracker<'b> {
    baseline: &'b Baseline,
    index: HashMap<(&'b str, &'b str), Vec<usize>>,
    used: Vec<bool>,
}

impl Tracker<'_> {
    /// The suppression reason for a finding of `rule` (id or alias) at `path` with `fingerprint`,
    /// when an entry lists it; the entry is marked used.
    pub fn matching(&mut self, rule: &Rule, path: &str, fingerprint: Option<&str>) -> Option<String> {
        let fp = fingerprint?;
        let idx = self.index.get(&(path, fp))?;
        let hit = idx.iter().copied().find(|&i| {
            let e = &self.baseline.entries[i];
            e.rule == rule.id || rule.aliases.contains(&e.rule)
        })?;
        self.used[hit] = true;
        let reason = &self.baseline.entries[hit].reason;
        Some(if reason.is_empty() { BASELINED.to_string() } else { format!("{BASELINED}: {reason}") })
    }

    /// A warning listing the entries that matched nothing, among those this run could have
    /// matched: entries of `rules`, and, when the run saw only some files, entries of those files.
    pub fn stale_warning(&self, rules: &[&Rule], scanned: Option<&BTreeSet<String>>) -> Option<String> {
        let stale: Vec<&Entry> = self
            .baseline
            .entries
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(e, _)| e)
            .filter(|e| rules.iter().any(|r| r.id == e.rule || r.aliases.contains(&e.rule)))
            .filter(|e| scanned.is_none_or(|s| s.contains(&e.path)))
            .collect();
        if stale.is_empty() {
            return None;
        }
        let n = stale.len();
        let mut s = format!(
            "{}: {} match{} no finding (fixed, or moved to another file): ",
            self.baseline.name,
            if n == 1 { "1 entry".to_string() } else { format!("{n} entries") },
            if n == 1 { "es" } else { "" },
        );
        let listed: Vec<String> =
            stale.iter().take(MAX_LISTED).map(|e| format!("{} in {} ({})", e.rule, e.path, e.fingerprint)).collect();
        s.push_str(&listed.join(", "));
        if n > MAX_LISTED {
            let _ = write!(s, " and {} more", n - MAX_LISTED);
        }
        s.push_str("; refresh the file with `golive baseline create`");
        Some(s)
    }
}

/// The byte range of a value borrowed from `text`.
fn span_of(text: &str, raw: &RawValue) -> std::ops::Range<usize> {
    let start = raw.get().as_ptr().addr().saturating_sub(text.as_ptr().addr()).min(text.len());
    start..(start + raw.get().len()).min(text.len())
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

fn parse_entries(text: &str, problems: &mut Vec<Problem>) -> Vec<Entry> {
    let top: BTreeMap<String, &RawValue> = match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let at = offset_of(text, e.line(), e.column());
            let msg =
                if e.is_data() { "a baseline file is a JSON object".to_string() } else { format!("invalid JSON: {e}") };
            problems.push(
                Problem::at(at..at, msg).help("recreate it with `golive baseline create`, or fix the JSON by hand"),
            );
            return Vec::new();
        }
    };
    match top.get("schema") {
        None => problems.push(Problem::whole("missing \"schema\"").help(format!("add \"schema\": \"{SCHEMA}\""))),
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(s) if s == SCHEMA => {}
            Ok(s) => problems.push(
                Problem::at(span_of(text, raw), format!("unsupported baseline schema \"{s}\""))
                    .label("this golive reads golive-baseline/1")
                    .help("recreate the baseline with this version: `golive baseline create`"),
            ),
            Err(_) => problems.push(
                Problem::at(span_of(text, raw), "\"schema\" must be a string")
                    .help(format!("\"schema\": \"{SCHEMA}\"")),
            ),
        },
    }
    if let Some(raw) = top.get("created_at")
        && serde_json::from_str::<String>(raw.get()).is_err()
    {
        problems.push(Problem::at(span_of(text, raw), "\"created_at\" must be a string (RFC 3339 time)"));
    }
    let Some(raw) = top.get("findings") else {
        problems.push(Problem::whole("missing \"findings\"").help("add \"findings\": [] (a list of known findings)"));
        return Vec::new();
    };
    let Ok(list) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
        problems.push(Problem::at(span_of(text, raw), "\"findings\" must be a list of known findings"));
        return Vec::new();
    };
    list.iter().enumerate().filter_map(|(i, raw)| parse_entry(text, i, raw, problems)).collect()
}

fn parse_entry(text: &str, i: usize, raw: &RawValue, problems: &mut Vec<Problem>) -> Option<Entry> {
    let Ok(fields) = serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get()) else {
        problems.push(
            Problem::at(span_of(text, raw), format!("findings[{i}] must be an object"))
                .help("each entry is {\"rule\": \"…\", \"path\": \"…\", \"fingerprint\": \"…\", \"reason\": \"…\"}"),
        );
        return None;
    };
    let before = problems.len();
    let mut field = |key: &str, required: bool, check: &dyn Fn(&str) -> Option<&'static str>| -> Option<String> {
        let Some(v) = fields.get(key) else {
            if required {
                problems.push(
                    Problem::at(span_of(text, raw), format!("findings[{i}] has no \"{key}\"")).label("this entry"),
                );
            }
            return None;
        };
        let Ok(s) = serde_json::from_str::<String>(v.get()) else {
            problems.push(Problem::at(span_of(text, v), format!("findings[{i}].{key} must be a string")));
            return None;
        };
        if let Some(why) = check(&s) {
            problems.push(Problem::at(span_of(text, v), format!("findings[{i}].{key}: {why}")));
            return None;
        }
        Some(s)
    };
    let rule = field("rule", true, &|s| {
        (s.is_empty() || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
            .then_some("not a rule id (lowercase letters, digits and dashes)")
    });
    let path = field("path", true, &|s| {
        if s.is_empty() {
            Some("empty path")
        } else if s.starts_with('/') || s.contains('\\') || s.split('/').any(|c| c == "..") {
            Some("must be relative to the scanned root, with `/` separators")
        } else {
            None
        }
    });
    let fingerprint = field("fingerprint", true, &|s| {
        (s.len() != 32 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then_some("not a golive fingerprint (32 lowercase hex digits)")
    });
    let reason = field("reason", false, &|_| None).unwrap_or_default();
    if problems.len() > before {
        return None;
    }
    Some(Entry { rule: rule?, path: path?, fingerprint: fingerprint?, reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Checklist;
    use crate::probe::{Finding, Status};
    use crate::report::tests::sample;

    const FP: &str = "0123456789abcdef0123456789abcdef";

    fn entry(rule: &str, path: &str, fp: &str) -> Entry {
        Entry { rule: rule.into(), path: path.into(), fingerprint: fp.into(), reason: String::new() }
    }

    #[test]
    fn round_trips_sorted_and_distinct() {
        let entries = vec![
            entry("sandbox-url", "b.js", FP),
            entry("hardcoded-credential", "a.js", FP),
            entry("sandbox-url", "b.js", FP),
        ];
        let text = Baseline::render(&entries, "2026-11-26T10:00:00Z");
        let b = Baseline::parse("b.json", &text).unwrap();
        assert_eq!(b.entries, [entry("hardcoded-credential", "a.js", FP), entry("sandbox-url", "b.js", FP)]);
        assert!(text.starts_with("{\n  \"schema\": \"golive-baseline/1\",\n  \"created_at\""));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn every_problem_at_once_with_positions() {
        let text = r#"{
  "schema": "golive-baseline/9",
  "findings": [
    {"rule": "sandbox-url", "path": "/abs/a.js", "fingerprint": "xyz"},
    "nope",
    {"path": "a.js", "fingerprint": "0123456789abcdef0123456789abcdef", "reason": 3}
  ]
}"#;
        let d = Baseline::parse("b.json", text).unwrap_err();
        let msgs: Vec<&str> = d.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unsupported baseline schema \"golive-baseline/9\"",
                "findings[0].path: must be relative to the scanned root, with `/` separators",
                "findings[0].fingerprint: not a golive fingerprint (32 lowercase hex digits)",
                "findings[1] must be an object",
                "findings[2] has no \"rule\"",
                "findings[2].reason must be a string",
            ]
        );
        let at = |i: usize| d.problems[i].span.unwrap().offset();
        assert_eq!(&text[at(0)..at(0) + 19], "\"golive-baseline/9\"");
        assert_eq!(&text[at(2)..at(2) + 5], "\"xyz\"");
        assert_eq!(&text[at(3)..at(3) + 6], "\"nope\"");
    }

    fn schema_errors(json: &str) -> Vec<String> {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/golive-baseline-1.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        validator.iter_errors(&value).map(|e| format!("{e} at {:?}", e.instance_path)).collect()
    }

    /// The JSON Schema accepts what `render` writes and rejects what `parse` rejects.
    #[test]
    fn schema_agrees_with_the_reader() {
        let text = Baseline::render(&[entry("sandbox-url", "src/a b/ü.js", FP)], "2026-11-26T10:00:00Z");
        assert_eq!(schema_errors(&text), Vec::<String>::new());
        assert_eq!(schema_errors(&Baseline::render(&[], "2026-11-26T10:00:00Z")), Vec::<String>::new());
        for bad in [
            entry("sandbox-url", "/abs.js", FP),
            entry("sandbox-url", "../up.js", FP),
            entry("sandbox-url", "a/../b.js", FP),
            entry("sandbox-url", "a\\b.js", FP),
            entry("sandbox-url", "", FP),
            entry("Sandbox_URL", "a.js", FP),
            entry("sandbox-url", "a.js", "ABC"),
        ] {
            let text = Baseline::render(std::slice::from_ref(&bad), "2026-11-26T10:00:00Z");
            assert!(!schema_errors(&text).is_empty(), "schema accepts {bad:?}");
            assert!(Baseline::parse("b.json", &text).is_err(), "reader accepts {bad:?}");
        }
        let wrong = r#"{"schema": "golive-baseline/2", "findings": []}"#;
        assert!(!schema_errors(wrong).is_empty());
    }

    #[test]
    fn syntax_and_shape_errors() {
        let d = Baseline::parse("b.json", "{\n  \"schema\": \"golive-baseline/1\",\n  \"findings\": [\n}").unwrap_err();
        assert!(d.problems[0].message.starts_with("invalid JSON"), "{:?}", d.problems);
        assert_eq!(d.problems[0].span.unwrap().offset(), 51, "{:?}", d.problems[0]);
        let d = Baseline::parse("b.json", "[]").unwrap_err();
        assert_eq!(d.problems[0].message, "a baseline file is a JSON object");
        let d = Baseline::parse("b.json", "{}").unwrap_err();
        assert_eq!(d.problems.len(), 2);
        let ok =
            Baseline::parse("b.json", &format!("{{\"schema\":\"{SCHEMA}\",\"findings\":[],\"extra\":1}}")).unwrap();
        assert!(ok.entries.is_empty());
    }

    #[test]
    fn tracker_matches_ids_and_aliases_and_lists_stale_entries() {
        let c = Checklist::builtin();
        let mut rule = c.rule("sandbox-url").unwrap().clone();
        rule.aliases.push("old-sandbox-url".into());
        let other = c.rule("pan-in-source").unwrap();
        let mut b = Baseline {
            name: "golive-baseline.json".into(),
            entries: vec![
                entry("old-sandbox-url", "a.js", FP),
                Entry { reason: "legacy page".into(), ..entry("sandbox-url", "b.js", FP) },
                entry("sandbox-url", "c.js", FP),
                entry("pan-in-source", "d.js", FP),
                entry("cvv-storage", "e.js", FP),
            ],
        };
        b.entries.sort();
        let mut t = b.tracker();
        assert_eq!(t.matching(&rule, "a.js", Some(FP)).as_deref(), Some("baselined"));
        assert_eq!(t.matching(&rule, "b.js", Some(FP)).as_deref(), Some("baselined: legacy page"));
        assert_eq!(t.matching(&rule, "b.js", None), None);
        assert_eq!(t.matching(other, "a.js", Some(FP)), None);
        let rules = [&rule, other];
        let w = t.stale_warning(&rules, None).unwrap();
        assert!(w.starts_with("golive-baseline.json: 2 entries match no finding"), "{w}");
        assert!(
            w.contains("pan-in-source in d.js") && w.contains("sandbox-url in c.js") && !w.contains("cvv-storage"),
            "{w}"
        );
        let only: BTreeSet<String> = ["c.js".to_string()].into();
        assert!(t.stale_warning(&rules, Some(&only)).unwrap().contains("1 entry matches no finding"));
        let none: BTreeSet<String> = BTreeSet::new();
        assert_eq!(t.stale_warning(&rules, Some(&none)), None);
    }

    #[test]
    fn entries_from_a_report_skip_suppressed_and_keep_reasons() {
        let mut report = sample();
        let r = report.results.iter_mut().find(|r| r.probe == ProbeKind::Static).unwrap();
        r.status = Status::Fail;
        let rule = r.rule.clone();
        let f = |path: &str, suppressed: Option<&str>| Finding {
            path: path.into(),
            line: 1,
            column: 1,
            snippet: "x".into(),
            fingerprint: Some(FP.into()),
            suppressed: suppressed.map(str::to_string),
        };
        r.findings = vec![f("b.js", None), f("a.js", None), f("c.js", Some("test data")), f("a.js", None)];
        let previous = Baseline {
            name: String::new(),
            entries: vec![Entry { reason: "known".into(), ..entry(&rule, "b.js", FP) }],
        };
        let (entries, notes) = Baseline::entries_from_report(&report, Some(&previous));
        let of_rule: Vec<&Entry> = entries.iter().filter(|e| e.rule == rule).collect();
        assert_eq!(of_rule, [&entry(&rule, "a.js", FP), &Entry { reason: "known".into(), ..entry(&rule, "b.js", FP) }]);
        // Other static rules of the sample with fingerprinted findings are recorded too, sorted.
        assert!(entries.len() > of_rule.len());
        assert!(entries.windows(2).all(|w| w[0] < w[1]));
        assert!(notes.is_empty(), "{notes:?}");
    }
}
