//! The matcher: every static rule compiled once, and the per-file scan that runs them.
//!
//! Per file: classify it ([`context`](super::context::classify)); drop the rules whose `skip` contexts,
//! `paths`, `exclude` or `[rule.allow] paths` rule it out; make **one** Aho-Corasick pass over the
//! lowercased text for the keywords of the rules that are left (the prefilter);
//! then run, only for rules whose keywords occur, their regex (each distinct pattern at most once
//! per file, so rules sharing a pattern share the pass) and their detector. A file in which no
//! keyword occurs costs one Aho-Corasick pass and no regex at all.
//!
//! A rule without keywords runs its regex on every file it applies to. That is allowed (card-number
//! rules have no literal to look for) but slow, so give keywords whenever the pattern has a literal.
//! Rule regexes should use ASCII word boundaries (`(?-u:\b)`) and ASCII classes (`[0-9]`, not `\d`):
//! a Unicode `\b` makes the regex engine leave its DFA on non-ASCII text and costs 15–30×.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;

use super::context::{self, FileContext, Kind, Kinds};
use super::detectors::{self, Detection, Detector};
use super::fingerprint::fingerprint;
use super::mask::{self, Sensitive};
use super::source::{FileView, KeywordHits};
use super::suppress::{self, Inline};
use crate::checklist::Rule;
use crate::probe::Finding;

thread_local! {
    /// Per-thread buffer for the lowercased file, reused across files.
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A detector's native candidate finder.
type NativeFinder = fn(&str) -> Vec<Range<usize>>;

/// Most keywords in one Teddy searcher (aho-corasick builds none for more than 64).
const GROUP: usize = 64;

/// Longest snippet shown for a finding, in characters.
const SNIPPET_MAX: usize = 200;

/// One static rule, compiled.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule id.
    pub id: String,
    keyword_ids: Vec<usize>,
    pattern: Option<usize>,
    secret_group: Option<usize>,
    detector: Option<&'static Detector>,
    paths: Option<GlobSet>,
    exclude: Option<GlobSet>,
    skip: Kinds,
    allow_paths: Option<GlobSet>,
    allow_regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

/// Every static rule of a run, compiled once and shared by all scanning threads.
#[derive(Debug)]
pub struct Matcher {
    rules: Vec<CompiledRule>,
    patterns: Vec<Regex>,
    /// The keyword prefilter: the searcher of the first [`GROUP`] automaton patterns and, when
    /// there are more, one for the rest; each with the automaton index of its first pattern.
    ac: Vec<(usize, Keywords)>,
    keywords: Vec<String>,
    keyword_rules: Vec<Vec<usize>>,
    /// Keywords folded into a shorter keyword they contain (not in the automaton).
    folded: Vec<bool>,
    /// Automaton pattern index → keyword id.
    ac_ids: Vec<usize>,
    /// Keyword → id.
    keyword_index: BTreeMap<String, usize>,
    /// Per automaton pattern: (keyword id, offset) of keywords that may start inside its match.
    overlaps: Vec<Vec<(usize, usize)>>,
    always: Vec<usize>,
    /// Rules that could not be compiled: (index into the rules given to [`Matcher::compile`], why).
    pub errors: Vec<(usize, String)>,
    /// For each compiled rule, its index in the rules given to [`Matcher::compile`].
    pub origin: Vec<usize>,
}

/// A finding of one rule in one file, before `[[ignore]]` entries are applied.
#[derive(Debug, Clone)]
pub struct RuleFinding {
    /// Index of the rule in the rules given to [`Matcher::compile`].
    pub rule: usize,
    /// The finding (masked snippet, fingerprint, inline suppression applied).
    pub finding: Finding,
    /// The detector's note, if any.
    pub note: Option<&'static str>,
}

/// What scanning one file produced.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Findings, unsorted.
    pub findings: Vec<RuleFinding>,
    /// Problems to report once for the run (inline ignores without a reason).
    pub warnings: Vec<String>,
}

impl Matcher {
    /// Compiles `rules` (static rules; others are ignored). Rules that cannot be compiled (unknown
    /// detector, a regex or glob the loader let through) are listed in [`Matcher::errors`].
    pub fn compile(rules: &[&Rule]) -> Matcher {
        let mut m = Matcher {
            rules: Vec::new(),
            patterns: Vec::new(),
            ac: Vec::new(),
            keywords: Vec::new(),
            keyword_rules: Vec::new(),
            folded: Vec::new(),
            ac_ids: Vec::new(),
            keyword_index: BTreeMap::new(),
            overlaps: Vec::new(),
            always: Vec::new(),
            errors: Vec::new(),
            origin: Vec::new(),
        };
        let mut pattern_ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut keyword_ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let Some(spec) = &rule.static_spec else {
                continue;
            };
            match compile_rule(rule, &mut m.patterns, &mut pattern_ids) {
                Ok(mut c) => {
                    let idx = m.rules.len();
                    for k in &spec.keywords {
                        let id = keyword_id(&mut keyword_ids, &mut m.keywords, &mut m.keyword_rules, k);
                        m.keyword_rules[id].push(idx);
                        c.keyword_ids.push(id);
                    }
                    if let Some(d) = c.detector {
                        for k in d.keywords {
                            keyword_id(&mut keyword_ids, &mut m.keywords, &mut m.keyword_rules, k);
                        }
                    }
                    if c.keyword_ids.is_empty() {
                        m.always.push(idx);
                    }
                    m.rules.push(c);
                    m.origin.push(i);
                }
                Err(e) => m.errors.push((i, e)),
            }
        }
        // A keyword that contains another keyword is redundant for the prefilter: wherever it
        // occurs, the shorter one does. Fold its rules into the shorter keyword and leave it out of
        // the automaton (a detector asking for it gets a direct search). With no keyword inside
        // another, a non-overlapping search misses a keyword only where it starts inside the match
        // of another one; `overlaps` lists those places, so the pass stays exact.
        m.folded = vec![false; m.keywords.len()];
        for k in 0..m.keywords.len() {
            let into = (0..m.keywords.len()).find(|&j| {
                j != k
                    && !m.folded[j]
                    && m.keywords[j].len() < m.keywords[k].len()
                    && m.keywords[k].contains(m.keywords[j].as_str())
            });
            if let Some(j) = into {
                let moved = std::mem::take(&mut m.keyword_rules[k]);
                m.keyword_rules[j].extend(moved);
                m.folded[k] = true;
            }
        }
        m.ac_ids = (0..m.keywords.len()).filter(|&k| !m.folded[k]).collect();
        m.keyword_index = keyword_ids;
        m.overlaps = m
            .ac_ids
            .iter()
            .map(|&a| {
                let a = m.keywords[a].as_bytes();
                let mut v = Vec::new();
                for &b in &m.ac_ids {
                    let bb = m.keywords[b].as_bytes();
                    for k in 1..a.len().min(bb.len()) {
                        if a[a.len() - k..] == bb[..k] {
                            v.push((b, a.len() - k));
                        }
                    }
                }
                v
            })
            .collect();
        if !m.ac_ids.is_empty() {
            let patterns: Vec<&str> = m.ac_ids.iter().map(|&k| m.keywords[k].as_str()).collect();
            // Case-sensitive over a lowercased copy of the file: ASCII case-insensitive automata
            // cannot use the SIMD (Teddy) prefilter, which is worth far more than the copy.
            // Teddy takes at most 64 patterns. More keywords (rules added in golive.toml) get a
            // second pass: Teddy again for up to 64 more, else one DFA for all the rest, whose cost
            // per byte does not grow with the number of keywords (16 Teddy passes for 1 000 rules
            // cost twice what the DFA does). The built-in group keeps its speed. Without SIMD, one
            // DFA takes every keyword.
            let teddy = |chunk: &[&str]| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(chunk)
                    .build()
                    .map(Keywords::Packed)
            };
            // A DFA, not the default (a contiguous NFA for this many patterns): the NFA cost every
            // file ~40 instructions per byte with 160 keywords. Same matches either way.
            let dfa = |chunk: &[&str]| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(chunk)
                    .map(Keywords::Automaton)
            };
            let (head, rest) = patterns.split_at(patterns.len().min(GROUP));
            let built = match (teddy(head), rest.is_empty()) {
                (Some(h), true) => Ok(vec![(0, h)]),
                (Some(h), false) => match teddy(rest) {
                    Some(r) => Ok(vec![(0, h), (GROUP, r)]),
                    None => dfa(rest).map(|r| vec![(0, h), (GROUP, r)]),
                },
                (None, _) => dfa(&patterns).map(|a| vec![(0, a)]),
            };
            match built {
                Ok(ac) => m.ac = ac,
                Err(e) => {
                    // Keyword rules cannot run without the automaton: report each as an error.
                    for (idx, r) in m.rules.iter().enumerate() {
                        if !r.keyword_ids.is_empty() {
                            m.errors.push((m.origin[idx], format!("keyword prefilter failed to build: {e}")));
                        }
                    }
                }
            }
        }
        m
    }

    /// The compiled rules, in order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Scans one file's text as `path` (relative, `/`-separated).
    pub fn scan(&self, path: &str, text: &str) -> FileScan {
        let ctx = context::classify(path, text);
        self.scan_with_context(path, text, ctx)
    }

    /// Scans with a precomputed context.
    pub fn scan_with_context(&self, path: &str, text: &str, ctx: FileContext) -> FileScan {
        let eligible: Vec<bool> = self.rules.iter().map(|r| r.applies_to(path, ctx)).collect();
        if !eligible.iter().any(|e| *e) {
            return FileScan::default();
        }
        let mut hits = KeywordHits {
            names: &self.keywords,
            ids: Some(&self.keyword_index),
            folded: &self.folded,
            hit: vec![false; self.keywords.len()],
            partial: false,
        };
        let mut triggered = vec![false; self.rules.len()];
        for &i in &self.always {
            triggered[i] = eligible[i];
        }
        let wants_keywords = self.rules.iter().enumerate().any(|(i, r)| {
            eligible[i] && (!r.keyword_ids.is_empty() || r.detector.is_some_and(|d| !d.keywords.is_empty()))
        });
        if wants_keywords && !self.ac.is_empty() {
            // Stop as soon as every eligible rule is triggered and every eligible detector has one
            // of its keywords: the rest of the file cannot change which rules run. Keywords not
            // seen by then are answered by a direct search (`KeywordHits::partial`).
            let mut pending_rules = (0..self.rules.len()).filter(|&i| eligible[i] && !triggered[i]).count();
            let mut pending_detectors: Vec<usize> = (0..self.rules.len())
                .filter(|&i| eligible[i] && self.rules[i].detector.is_some_and(|d| !d.keywords.is_empty()))
                .collect();
            LOWER.with_borrow_mut(|lower| {
                lower.clear();
                lower.extend_from_slice(text.as_bytes());
                lower.make_ascii_lowercase();
                let lower = &lower[..];
                let mut newly: Vec<usize> = Vec::with_capacity(2);
                let groups = self.ac.len();
                'groups: for (g, (first, ac)) in self.ac.iter().enumerate() {
                    for (p, start, end) in ac.find_iter(lower) {
                        let p = first + p;
                        newly.clear();
                        newly.push(self.ac_ids[p]);
                        for &(b, off) in &self.overlaps[p] {
                            if !hits.hit[b] && lower[start + off..].starts_with(self.keywords[b].as_bytes()) {
                                newly.push(b);
                            }
                        }
                        for &id in &newly {
                            if hits.hit[id] {
                                continue;
                            }
                            hits.hit[id] = true;
                            for &r in &self.keyword_rules[id] {
                                if eligible[r] && !triggered[r] {
                                    triggered[r] = true;
                                    pending_rules -= 1;
                                }
                            }
                            let name = &self.keywords[id];
                            pending_detectors.retain(|&r| {
                                !self.rules[r].detector.is_some_and(|d| d.keywords.iter().any(|k| k == name))
                            });
                        }
                        if pending_rules == 0 && pending_detectors.is_empty() {
                            // Keywords after `end`, or in the groups not searched, may still occur.
                            hits.partial = end < text.len() || g + 1 < groups;
                            break 'groups;
                        }
                    }
                }
            });
        }
        if !triggered.iter().any(|t| *t) {
            return FileScan::default();
        }

        let view = FileView::with(path, text, ctx, &hits);
        let mut cache: Vec<Option<Vec<Range<usize>>>> = vec![None; self.patterns.len()];
        let mut native: Vec<(NativeFinder, Vec<Range<usize>>)> = Vec::new();
        let mut per_rule: Vec<(usize, Vec<Detection>)> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !triggered[i] {
                continue;
            }
            let matches: &[Range<usize>] = match (rule.pattern, rule.detector.and_then(|d| d.finder)) {
                (Some(p), _) => {
                    cache[p].get_or_insert_with(|| self.patterns[p].find_iter(text).map(|m| m.range()).collect())
                }
                (None, Some(f)) => {
                    let at = if let Some(at) = native.iter().position(|(g, _)| std::ptr::fn_addr_eq(*g, f)) {
                        at
                    } else {
                        native.push((f, f(text)));
                        native.len() - 1
                    };
                    &native[at].1
                }
                (None, None) => &[],
            };
            let mut found = match rule.detector {
                Some(d) if d.file_level || !matches.is_empty() => (d.detect)(&view, matches),
                Some(_) => Vec::new(),
                None => self.plain_detections(rule, text, matches),
            };
            found.retain(|d| rule.allowed(&view, d));
            found.sort_by_key(|d| (d.span.start, d.span.end));
            found.dedup_by_key(|d| (d.span.start, d.span.end));
            if !found.is_empty() {
                per_rule.push((i, found));
            }
        }
        self.to_findings(&view, &per_rule)
    }

    fn plain_detections(&self, rule: &CompiledRule, text: &str, matches: &[Range<usize>]) -> Vec<Detection> {
        let Some(p) = rule.pattern else {
            return Vec::new();
        };
        match rule.secret_group {
            None => matches.iter().map(|m| Detection::at(m.clone())).collect(),
            Some(g) => self.patterns[p]
                .captures_iter(text)
                .filter_map(|c| {
                    let all = c.get(0)?.range();
                    match c.get(g) {
                        Some(s) if !s.is_empty() => Some(Detection::sensitive(all, s.range(), Sensitive::Secret)),
                        _ => Some(Detection::at(all)),
                    }
                })
                .collect(),
        }
    }

    fn to_findings(&self, view: &FileView<'_>, per_rule: &[(usize, Vec<Detection>)]) -> FileScan {
        // Every sensitive span of the file, so a line is masked for all rules' values, not just one.
        let mut masks: Vec<(Range<usize>, Sensitive)> =
            per_rule.iter().flat_map(|(_, ds)| ds.iter().filter_map(|d| d.sensitive.clone())).collect();
        masks.sort_by_key(|(r, _)| r.start);
        // A span starting more than `longest` bytes before a line cannot reach into it: with the
        // spans sorted by start, each line's masks are found by binary search, not by a pass over
        // every span of the file (which made a file with many findings quadratic).
        let longest = masks.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
        let mut out = FileScan::default();
        for (i, detections) in per_rule {
            let rule = &self.rules[*i];
            for d in detections {
                let line_no = view.line_of(d.span.start);
                let line_range = view.line_range(line_no);
                let line = &view.text[line_range.clone()];
                let first = masks.partition_point(|(r, _)| r.start + longest <= line_range.start);
                let past = masks.partition_point(|(r, _)| r.start < line_range.end);
                let rel: Vec<(Range<usize>, Sensitive)> = masks[first..past.max(first)]
                    .iter()
                    .filter(|(r, _)| r.start < line_range.end && r.end > line_range.start)
                    .map(|(r, k)| {
                        (r.start.saturating_sub(line_range.start)..r.end.min(line_range.end) - line_range.start, *k)
                    })
                    .collect();
                let masked = mask::mask_line(line, &rel);
                let col_byte = d.span.start.clamp(line_range.start, line_range.end) - line_range.start;
                let column = line[..floor_boundary(line, col_byte)].chars().count() + 1;
                let value = if d.sensitive.is_some() {
                    masked.clone()
                } else {
                    d.value.clone().unwrap_or_else(|| view.text[d.span.clone()].to_string())
                };
                let suppressed = match suppress::inline(view, line_no, &rule.id) {
                    Inline::Reason(r) => Some(r),
                    Inline::NoReason => {
                        out.warnings.push(format!(
                            "{}:{}: `golive:ignore {}` has no reason, so it is not applied (write `golive:ignore {} <why>`)",
                            view.path,
                            line_no + 1,
                            rule.id,
                            rule.id
                        ));
                        None
                    }
                    Inline::None => None,
                };
                out.findings.push(RuleFinding {
                    rule: self.origin[*i],
                    finding: Finding {
                        path: view.path.to_string(),
                        line: line_no + 1,
                        column,
                        snippet: snippet(&masked, column),
                        fingerprint: Some(fingerprint(&rule.id, &value)),
                        suppressed,
                    },
                    note: d.note,
                });
            }
        }
        out
    }
}

/// The keyword prefilter: Aho-Corasick's packed (Teddy, SIMD) multi-literal searcher, or its
/// automaton when Teddy is unavailable (more than 127 keywords, or no SSSE3/AVX2). Both run a
/// non-overlapping leftmost search over the lowercased text; see `Matcher::overlaps` for why no
/// keyword occurrence is lost.
#[derive(Debug)]
enum Keywords {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Keywords {
    /// (pattern index, start, end) of each match.
    fn find_iter<'h>(&'h self, hay: &'h [u8]) -> Box<dyn Iterator<Item = (usize, usize, usize)> + 'h> {
        match self {
            Self::Packed(p) => Box::new(p.find_iter(hay).map(|m| (m.pattern().as_usize(), m.start(), m.end()))),
            Self::Automaton(a) => Box::new(a.find_iter(hay).map(|m| (m.pattern().as_usize(), m.start(), m.end()))),
        }
    }
}

impl CompiledRule {
    /// Whether the rule runs on a file at `path` with context `ctx`.
    fn applies_to(&self, path: &str, ctx: FileContext) -> bool {
        if ctx.kinds.intersects(self.skip) {
            return false;
        }
        if self.paths.as_ref().is_some_and(|g| !g.is_match(path)) {
            return false;
        }
        if self.exclude.as_ref().is_some_and(|g| g.is_match(path)) {
            return false;
        }
        !self.allow_paths.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// The `[rule.allow]` regexes (tested against the finding's line) and stopwords (tested against
    /// the sensitive value, or the matched text, lowercase).
    fn allowed(&self, view: &FileView<'_>, d: &Detection) -> bool {
        if !self.allow_regexes.is_empty() {
            let line = view.line_at(d.span.start);
            if self.allow_regexes.iter().any(|r| r.is_match(line)) {
                return false;
            }
        }
        if !self.stopwords.is_empty() {
            let r = d.sensitive.as_ref().map_or(&d.span, |(r, _)| r);
            let text = view.text[r.clone()].to_ascii_lowercase();
            if self.stopwords.iter().any(|s| text.contains(s.as_str())) {
                return false;
            }
        }
        true
    }
}

fn keyword_id(
    ids: &mut BTreeMap<String, usize>,
    names: &mut Vec<String>,
    rules: &mut Vec<Vec<usize>>,
    k: &str,
) -> usize {
    let k = k.to_ascii_lowercase();
    *ids.entry(k.clone()).or_insert_with(|| {
        names.push(k);
        rules.push(Vec::new());
        names.len() - 1
    })
}

fn compile_rule(
    rule: &Rule,
    patterns: &mut Vec<Regex>,
    pattern_ids: &mut BTreeMap<String, usize>,
) -> Result<CompiledRule, String> {
    let spec = rule.static_spec.as_ref().ok_or_else(|| "not a static rule".to_string())?;
    let detector = match &spec.detector {
        Some(name) => Some(detectors::get(name).ok_or_else(|| format!("no static detector named `{name}`"))?),
        None => None,
    };
    let mut secret_group = None;
    let pattern = match &spec.pattern {
        Some(p) => {
            let id = if let Some(id) = pattern_ids.get(p) {
                *id
            } else {
                let re = crate::checklist::regex_cache::compile(p).map_err(|e| format!("invalid pattern: {e}"))?;
                patterns.push(re);
                pattern_ids.insert(p.clone(), patterns.len() - 1);
                patterns.len() - 1
            };
            secret_group = patterns[id].capture_names().position(|n| n == Some("secret"));
            Some(id)
        }
        None => None,
    };
    if pattern.is_none() && detector.is_none() {
        return Err("a static rule needs a pattern or a detector".into());
    }
    let mut skip = Kinds::EMPTY;
    for s in &spec.skip_contexts {
        skip.insert(Kind::parse(s).ok_or_else(|| format!("unknown file context `{s}`"))?);
    }
    Ok(CompiledRule {
        id: rule.id.clone(),
        keyword_ids: Vec::new(),
        pattern,
        secret_group,
        detector,
        paths: globs(&spec.paths)?,
        exclude: globs(&spec.exclude)?,
        skip,
        allow_paths: globs(&spec.allow.paths)?,
        allow_regexes: spec
            .allow
            .regexes
            .iter()
            .map(|r| crate::checklist::regex_cache::compile(r).map_err(|e| format!("invalid allow regex: {e}")))
            .collect::<Result<_, _>>()?,
        stopwords: spec.allow.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
    })
}

/// Compiles path globs (relative, `/`-separated; `*` also crosses `/`, like .gitignore's `**`).
pub fn globs(list: &[String]) -> Result<Option<GlobSet>, String> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in list {
        b.add(Glob::new(g).map_err(|e| format!("invalid glob `{g}`: {e}"))?);
    }
    b.build().map(Some).map_err(|e| format!("invalid globs: {e}"))
}

/// The snippet: the masked line, trimmed, cut to [`SNIPPET_MAX`] characters around `column`.
fn snippet(masked: &str, column: usize) -> String {
    let lead = masked.chars().take_while(|c| c.is_whitespace()).count();
    let trimmed = masked.trim();
    let n = trimmed.chars().count();
    if n <= SNIPPET_MAX {
        return trimmed.to_string();
    }
    let col = column.saturating_sub(1 + lead);
    let start = col.saturating_sub(SNIPPET_MAX / 3).min(n - SNIPPET_MAX);
    let body: String = trimmed.chars().skip(start).take(SNIPPET_MAX).collect();
    let pre = if start > 0 { "…" } else { "" };
    let post = if start + SNIPPET_MAX < n { "…" } else { "" };
    format!("{pre}{body}{post}")
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Rules added past Teddy's 64 keywords are found through the second searcher, with the built-in
    /// ones (40 extra: one Teddy pass; 120: a Teddy pass and a DFA).
    #[test]
    fn keywords_past_the_first_group_trigger_their_rules() {
        for n in [40, 120] {
            let mut c = crate::checklist::Checklist::builtin().clone();
            let mut src = String::new();
            for i in 0..n {
                writeln!(
                    src,
                    "[[rule]]\nid = \"extra-{i:04}\"\nprobe = \"static\"\nseverity = \"error\"\n\
                     checklist = [\"production-credentials\"]\ntitle = \"Extra {i}\"\n\
                     keywords = [\"qzxv{i:04}kw\"]\npattern = '''QZXV{i:04}KW-[0-9]{{4}}'''\n"
                )
                .unwrap();
            }
            c.extend_from_str("extra.toml", &src, &crate::checklist::Origin::User("extra.toml".into())).unwrap();
            let rules: Vec<&Rule> = c
                .rules
                .iter()
                .filter(|r| r.probe == crate::checklist::ProbeKind::Static && !super::super::evidence::is_evidence(r))
                .collect();
            let m = Matcher::compile(&rules);
            assert!(m.errors.is_empty(), "{:?}", m.errors);
            let last = n - 1;
            let text = format!(
                "const a = 'QZXV0000KW-1234';\nconst b = 'QZXV{:04}KW-5678QZXV{last:04}KW-9012';\n\
                 const card = '4539578763621486';\nconst url = 'http://api.exirom.com/v1';\n",
                last - 1
            );
            let mut found: Vec<String> =
                m.scan("src/pay.js", &text).findings.iter().map(|f| rules[f.rule].id.clone()).collect();
            found.sort();
            let mut want = vec!["extra-0000".to_string(), format!("extra-{:04}", last - 1), format!("extra-{last:04}")];
            want.extend(["insecure-api-url".to_string(), "pan-in-source".to_string()]);
            want.sort();
            assert_eq!(found, want, "{n} extra rules");
        }
    }

    #[test]
    fn long_snippets_are_cut_around_the_column() {
        let line = format!("{}SECRET{}", "a".repeat(500), "b".repeat(500));
        let s = snippet(&line, 501);
        assert!(s.contains("SECRET"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.chars().count() <= SNIPPET_MAX + 2);
    }
}
