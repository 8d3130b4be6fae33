//! Evidence rules: repository-level checks that look for the code implementing a behaviour the
//! go-live checklist requires (token refresh, 401 retry, idempotent `requestId`, decline-code
//! handling, polling fallback, callback deduplication, payment logging, production base URL,
//! credentials from the environment, production merchant ids, alert thresholds), show where it is
//! when found, and warn when it is missing.
//!
//! They run inside the static probe's walk, at no extra file read: for every file the walk has
//! read, the [`Collector`] finds the Exirom call sites first ([`sites`]) and then lets each active
//! rule collect its facts near them (same file, same function region) into a small
//! [`FileEvidence`]. After the walk, [`judge`] gives each rule every file's facts and turns its
//! judgement into an [`Outcome`]:
//!
//! * behaviour found: `pass`, with findings pointing at the evidence (`file:line`, snippet) and a
//!   message saying what was found where. Evidence is not a problem: the status is `pass`.
//! * behaviour missing: `fail` (the engine shows it as `warn` for these warn-severity rules), with
//!   a message saying what is missing and findings at the call sites where it should be.
//!   Inline `golive:ignore <id> <reason>` comments and `[[ignore]]` entries apply to these findings.
//! * no Exirom integration code at all: `skip`, with the reason.
//!
//! A rule is an evidence rule when its `detector` names one of [`NAMES`]; `pattern` and
//! `keywords` do not apply to it. Its `[rule.examples]` are single-file repositories: a `match`
//! example must make the rule warn, a `no-match` example must make it pass.
//! Repository-level rules cannot be judged on a partial scan (`--changed-since`, `--staged`), so
//! they skip there.

mod alerting;
mod auth_retry;
mod base_url;
mod credentials;
mod decline;
mod dedup;
mod logging;
mod merchant_ids;
mod polling;
mod request_id;
pub mod sites;
mod token_refresh;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

pub use self::sites::{Site, SiteKind};
use super::ExampleFailure;
use super::context::{self, Env, FileContext, Kind, Lang};
use super::detectors::code::section_env;
use super::fingerprint::fingerprint;
use super::mask::{self, Sensitive};
use super::source::{FileView, KeywordHits};
use super::suppress::{self, Ignores, Inline};
use crate::checklist::Rule;
use crate::config::Config;
use crate::probe::{Finding, Outcome, RunContext, Status};

/// Longest snippet kept for a piece of evidence, in characters.
const SNIPPET_MAX: usize = 200;
/// Locations named in a message before "and N more".
const MAX_NAMED: usize = 3;

/// One evidence rule's implementation.
#[derive(Clone, Copy)]
pub(crate) struct Evidence {
    /// The name a rule's `detector` key uses.
    pub name: &'static str,
    /// Lowercase words that make the collector look at a file without Exirom call sites.
    pub keywords: &'static [&'static str],
    /// Collects the rule's facts from one file.
    pub collect: fn(&Scope<'_>, &mut Vec<Fact>),
    /// Decides from every file's facts.
    pub judge: fn(&Repo<'_>) -> Judgement,
}

/// Every evidence rule. Adding one is a module here, a line below, and a `[[rule]]` in
/// `rules/evidence.toml` with `detector = "<name>"`.
pub(crate) const EVIDENCE: &[Evidence] = &[
    base_url::EVIDENCE,
    credentials::EVIDENCE,
    merchant_ids::EVIDENCE,
    request_id::EVIDENCE,
    decline::EVIDENCE,
    token_refresh::EVIDENCE,
    auth_retry::EVIDENCE,
    polling::EVIDENCE,
    dedup::EVIDENCE,
    logging::EVIDENCE,
    alerting::EVIDENCE,
];

const N: usize = EVIDENCE.len();
const NAME_ARRAY: [&str; N] = {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = EVIDENCE[i].name;
        i += 1;
    }
    out
};

/// The names of the evidence implementations (a rule's `detector`), in registry order.
pub const NAMES: &[&str] = &NAME_ARRAY;

/// Words that make a file worth looking at for call sites.
const SITE_KEYWORDS: &[&str] = &[
    "exirom",
    "/v1/auth",
    "/v1/payments",
    "/v1/payouts",
    "/v1/refund",
    "x-checksum",
    "x_checksum",
    "transactionstatus",
    "transaction_status",
];

/// The evidence implementation index of a rule, when it is an evidence rule.
pub fn index_of(rule: &Rule) -> Option<usize> {
    let name = rule.static_spec.as_ref()?.detector.as_deref()?;
    NAMES.iter().position(|n| *n == name)
}

/// Whether `rule` is an evidence rule (judged at repository level, not per match).
pub fn is_evidence(rule: &Rule) -> bool {
    index_of(rule).is_some()
}

/// A line of a file, as evidence shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// The trimmed line, secrets and card numbers masked.
    pub snippet: String,
}

/// A call site as kept after the file is dropped.
#[derive(Debug, Clone)]
pub struct SiteMark {
    /// What it is.
    pub kind: SiteKind,
    /// Where.
    pub mark: Mark,
    /// For base URLs: the sandbox host.
    pub sandbox: bool,
}

/// One fact a rule collected in a file.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Index of the rule in the evidence registry (the order of [`NAMES`]).
    pub rule: usize,
    /// What the fact is (rule-specific tag).
    pub tag: &'static str,
    /// Where.
    pub mark: Mark,
    /// A rule-specific value (a field name, a merchant id, a callee).
    pub value: Option<String>,
    /// The environment the location configures (file, then enclosing section).
    pub env: Env,
}

/// What one file contributed: its call sites and the active rules' facts.
#[derive(Debug, Clone)]
pub struct FileEvidence {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// Its classification.
    pub ctx: FileContext,
    /// Exirom call sites.
    pub sites: Vec<SiteMark>,
    /// Facts of the active rules.
    pub facts: Vec<Fact>,
    /// Lines holding a `golive:ignore` comment (1-based line, text), for inline suppressions.
    ignores: Vec<(usize, String)>,
}

/// One file as a rule's collector sees it.
pub(crate) struct Scope<'a> {
    /// The file.
    pub view: &'a FileView<'a>,
    /// Its call sites.
    pub sites: &'a [Site],
    rule: usize,
}

impl Scope<'_> {
    /// Whether the file has a site of one of `kinds`.
    pub(crate) fn has(&self, kinds: &[SiteKind]) -> bool {
        self.sites.iter().any(|s| kinds.contains(&s.kind))
    }

    /// The file's sites of one of `kinds`.
    pub(crate) fn of<'s>(&'s self, kinds: &'s [SiteKind]) -> impl Iterator<Item = &'s Site> + 's {
        self.sites.iter().filter(move |s| kinds.contains(&s.kind))
    }

    /// The file's language.
    pub(crate) fn lang(&self) -> Lang {
        self.view.ctx.lang
    }

    /// Whether the file is code the static probe reads structurally.
    pub(crate) fn is_code(&self) -> bool {
        self.view.ctx.is(Kind::Code) && sites::is_code_lang(self.view.ctx.lang)
    }

    /// A fact `tag` at byte `offset`.
    pub(crate) fn fact(&self, tag: &'static str, offset: usize) -> Fact {
        self.fact_masked(tag, offset, None)
    }

    /// A fact `tag` at byte `offset` whose `secret` byte range (in the file) must be masked.
    pub(crate) fn fact_masked(&self, tag: &'static str, offset: usize, secret: Option<Range<usize>>) -> Fact {
        let n = self.view.line_of(offset);
        let env = match self.view.ctx.env {
            Env::Unknown => section_env(self.view, n).unwrap_or(Env::Unknown),
            e => e,
        };
        Fact { rule: self.rule, tag, mark: mark(self.view, offset, secret), value: None, env }
    }
}

/// The snippet of the line holding `offset`, masked.
fn mark(view: &FileView<'_>, offset: usize, secret: Option<Range<usize>>) -> Mark {
    let n = view.line_of(offset);
    let lr = view.line_range(n);
    let line = &view.text[lr.clone()];
    let spans: Vec<(Range<usize>, Sensitive)> = secret
        .into_iter()
        .filter(|r| r.start >= lr.start && r.end <= lr.end)
        .map(|r| (r.start - lr.start..r.end - lr.start, Sensitive::Secret))
        .collect();
    let masked = mask::mask_line(line, &spans);
    let col_byte = offset.clamp(lr.start, lr.end) - lr.start;
    let mut b = col_byte.min(line.len());
    while b > 0 && !line.is_char_boundary(b) {
        b -= 1;
    }
    let trimmed = masked.trim();
    let snippet = if trimmed.chars().count() > SNIPPET_MAX {
        format!("{}…", trimmed.chars().take(SNIPPET_MAX).collect::<String>())
    } else {
        trimmed.to_string()
    };
    Mark { line: n + 1, column: line[..b].chars().count() + 1, snippet }
}

/// The per-file half: finds call sites and runs the active rules' collectors. Shared by the walk's
/// threads.
pub struct Collector {
    active: Vec<usize>,
    /// Whether any word occurs at all, searched with SIMD (Teddy) over a lowercased copy: ASCII
    /// case-insensitive automata cannot use it, and most files hold none of the words.
    gate: Option<aho_corasick::packed::Searcher>,
    /// Which words occur, for the few files that hold one.
    ac: Option<AhoCorasick>,
    /// Keyword ids of each active rule (index parallel to `active`).
    rule_keywords: Vec<Vec<usize>>,
    site_keywords: usize,
}

impl Collector {
    /// A collector for the evidence rules among `rules`; `None` when there are none.
    pub fn new(rules: &[&Rule]) -> Option<Self> {
        let mut active: Vec<usize> = rules.iter().filter_map(|r| index_of(r)).collect();
        active.sort_unstable();
        active.dedup();
        if active.is_empty() {
            return None;
        }
        let mut words: Vec<&str> = SITE_KEYWORDS.to_vec();
        let mut rule_keywords = Vec::new();
        for &i in &active {
            let mut ids = Vec::new();
            for k in EVIDENCE[i].keywords {
                let id = words.iter().position(|w| w == k).unwrap_or_else(|| {
                    words.push(k);
                    words.len() - 1
                });
                ids.push(id);
            }
            rule_keywords.push(ids);
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .ok();
        let gate = aho_corasick::packed::Config::new().builder().extend(&words).build();
        Some(Self { active, gate, ac, rule_keywords, site_keywords: SITE_KEYWORDS.len() })
    }

    /// Collects one file's evidence (`None` when it holds none). `ctx` is the file's context.
    pub fn collect(&self, path: &str, text: &str, ctx: FileContext) -> Option<FileEvidence> {
        if !eligible(path, ctx) {
            return None;
        }
        let ac = self.ac.as_ref()?;
        let any = match &self.gate {
            Some(gate) => LOWER.with_borrow_mut(|lower| {
                lower.clear();
                lower.extend_from_slice(text.as_bytes());
                lower.make_ascii_lowercase();
                gate.find(&lower[..]).is_some()
            }),
            None => ac.is_match(text),
        };
        if !any {
            return None;
        }
        let mut hit = vec![false; ac.patterns_len()];
        for m in ac.find_overlapping_iter(text) {
            hit[m.pattern().as_usize()] = true;
        }
        let any_site_word = hit[..self.site_keywords].iter().any(|h| *h);
        let wanted: Vec<bool> = self.rule_keywords.iter().map(|ids| ids.iter().any(|&i| hit[i])).collect();
        if !any_site_word && !wanted.iter().any(|w| *w) {
            return None;
        }
        let hits = KeywordHits::default();
        let view = FileView::with(path, text, ctx, &hits);
        let found = if any_site_word { sites::find(&view) } else { Vec::new() };
        let mut facts = Vec::new();
        for (k, &i) in self.active.iter().enumerate() {
            if found.is_empty() && !wanted[k] {
                continue;
            }
            let scope = Scope { view: &view, sites: &found, rule: i };
            (EVIDENCE[i].collect)(&scope, &mut facts);
        }
        if found.is_empty() && facts.is_empty() {
            return None;
        }
        let ignores = if text.contains("golive:ignore") {
            (0..view.line_count())
                .filter(|&n| view.line(n).contains("golive:ignore"))
                .map(|n| (n + 1, view.line(n).to_string()))
                .collect()
        } else {
            Vec::new()
        };
        let sites = found
            .iter()
            .map(|s| SiteMark { kind: s.kind, mark: mark(&view, s.offset, None), sandbox: s.sandbox })
            .collect();
        Some(FileEvidence { path: path.to_string(), ctx, sites, facts, ignores })
    }
}

thread_local! {
    /// Per-thread buffer for the lowercased file, reused across files.
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Files evidence is read from: production code and configuration, not tests, docs, examples,
/// vendored or generated code, logs, lock files, nor golive's own configuration.
fn eligible(path: &str, ctx: FileContext) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let excluded = [Kind::Test, Kind::Docs, Kind::Lock, Kind::Minified, Kind::Vendor, Kind::Log, Kind::Example];
    !excluded.iter().any(|k| ctx.is(*k)) && !matches!(name, "golive.toml" | "golive.template.toml")
}

/// The byte range (in `line`) of the literal value assigned to the key ending at `key_end`:
/// `key = "v"`, `key: 'v'`, `"key": "v"`, `'key' => 'v'`, `KEY=v` (dotenv), `key: v` (YAML),
/// `define('KEY', 'v')`.
pub(crate) fn literal_after(line: &str, key_end: usize) -> Option<std::ops::Range<usize>> {
    let b = line.as_bytes();
    let mut i = key_end;
    while i < b.len() && matches!(b[i], b'"' | b'\'' | b']' | b' ' | b'\t') {
        i += 1;
    }
    // `define('KEY', 'v')` / `put("key", v)`: a comma counts only after a call's first argument.
    let first_arg = {
        let before =
            line[..key_end].trim_end_matches(|c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        before.trim_end_matches(['"', '\'']).trim_end().ends_with('(')
    };
    let op = if line[i..].starts_with("=>") || line[i..].starts_with(":=") {
        2
    } else if i < b.len() && (matches!(b[i], b'=' | b':') || b[i] == b',' && first_arg) {
        1
    } else {
        return None;
    };
    if line[i..].starts_with("==") {
        return None;
    }
    i += op;
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    if matches!(b[i], b'"' | b'\'' | b'`') {
        let q = b[i];
        let end = b[i + 1..].iter().position(|c| *c == q)? + i + 1;
        return Some(i + 1..end);
    }
    // Bare values: only where a bare token is a literal (dotenv, YAML, properties, TOML).
    let end = b[i..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'#' | b',' | b';' | b'}'))
        .map_or(b.len(), |p| i + p);
    let v = &line[i..end];
    let bare_ok = v.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'+' | b'/' | b'=' | b'.'))
        && !v.contains('.')
        && !v.contains('(')
        && v.bytes().any(|c| c.is_ascii_digit());
    bare_ok.then_some(i..end)
}

/// An environment or secrets-store read on a line: `process.env`, `os.environ`, `getenv`,
/// `System.getenv`, `ENV[…]`, `Environment.GetEnvironmentVariable`, `os.Getenv`, Laravel `env()`,
/// `${VAR}`/`{{ … }}` placeholders, Kubernetes `valueFrom`/`secretKeyRef`, .NET `Configuration[…]`,
/// Spring `@Value`, Rails credentials, or a helper given an environment variable's name
/// (`requireEnv('EXIROM_MID')`).
pub(crate) static ENV_READ: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv\s*\(|(?-u:\b)env\s*\(|ENV\s*(?:\.fetch|\[)",
        r"|System\.getenv|Environment\.GetEnvironmentVariable|\$_ENV|\$_SERVER|os\.Getenv|os\.LookupEnv|viper\.Get|Deno\.env",
        r"|\$\{\s*[A-Za-z_][A-Za-z0-9_.:-]*\s*\}|\{\{[^}]*\}\}|valueFrom|secretKeyRef|secretRef|Configuration\s*\[|GetSection\s*\(",
        r"|@Value\s*\(|Rails\.application\.credentials|credentials\.dig|EnvironmentVariable",
        r"|\(\s*[\x22'][A-Z][A-Z0-9]*_[A-Z0-9_]+[\x22']\s*[,)]",
    ))
    .expect("a literal regex that is tested")
});

/// Line `n` with everything that is not code (strings, comments) blanked, given the file's
/// [`code_mask`](super::detectors::code::code_mask).
pub(crate) fn code_of_line(view: &FileView<'_>, mask: &[bool], n: usize) -> String {
    let r = view.line_range(n);
    view.text[r.clone()]
        .char_indices()
        .map(|(i, c)| if mask.get(r.start + i).copied().unwrap_or(true) { c } else { ' ' })
        .collect()
}

/// A place a judgement points at.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    /// File path.
    pub path: String,
    /// Line and snippet.
    pub mark: Mark,
    /// What is there (shown in the message).
    pub note: String,
}

impl Located {
    /// A location from a file and a mark.
    pub(crate) fn new(path: &str, mark: &Mark, note: impl Into<String>) -> Self {
        Self { path: path.to_string(), mark: mark.clone(), note: note.into() }
    }

    fn at(&self) -> String {
        format!("{}:{}", self.path, self.mark.line)
    }
}

/// What a rule decided.
#[derive(Debug, Clone)]
pub(crate) enum Judgement {
    /// The behaviour is there; `message` says what was found, `at` where.
    Found { message: String, at: Vec<Located> },
    /// The behaviour is missing (`Fail`) or cannot be seen (`Warn`); `at` are the places to fix.
    Missing { status: Status, message: String, at: Vec<Located> },
    /// The rule does not apply.
    Skip(String),
}

impl Judgement {
    /// Found, with "found at …" appended to `what`.
    pub(crate) fn found(what: &str, at: Vec<Located>) -> Self {
        let message = format!("{what}: found at {}", named(&at));
        Self::Found { message, at }
    }

    /// Missing, as a violation of the rule.
    pub(crate) fn missing(message: String, at: Vec<Located>) -> Self {
        Self::Missing { status: Status::Fail, message, at }
    }
}

/// `a.ts:3 (note), b.py:9 (note) and 2 more`.
pub(crate) fn named(at: &[Located]) -> String {
    let mut seen = BTreeSet::new();
    let uniq: Vec<&Located> = at.iter().filter(|l| seen.insert((l.path.clone(), l.mark.line))).collect();
    let mut s = uniq
        .iter()
        .take(MAX_NAMED)
        .map(|l| if l.note.is_empty() { l.at() } else { format!("{} ({})", l.at(), l.note) })
        .collect::<Vec<_>>()
        .join(", ");
    if uniq.len() > MAX_NAMED {
        let _ = write!(s, " and {} more", uniq.len() - MAX_NAMED);
    }
    s
}

/// `a.ts:3, b.py:9 and 2 more` (paths and lines only).
pub(crate) fn places(at: &[Located]) -> String {
    let bare: Vec<Located> = at.iter().map(|l| Located { note: String::new(), ..l.clone() }).collect();
    named(&bare)
}

/// The files and facts of one rule's judgement.
pub(crate) struct Repo<'a> {
    /// Every file that contributed, sorted by path.
    pub files: &'a [FileEvidence],
    /// The rule's index in [`EVIDENCE`].
    pub rule: usize,
    /// The run's configuration (`[exirom]` ids).
    pub config: &'a Config,
}

impl<'a> Repo<'a> {
    /// This rule's facts tagged `tag`, with their files.
    pub(crate) fn facts(&self, tag: &'static str) -> impl Iterator<Item = (&'a FileEvidence, &'a Fact)> + '_ {
        let rule = self.rule;
        self.files
            .iter()
            .flat_map(move |f| f.facts.iter().filter(move |x| x.rule == rule && x.tag == tag).map(move |x| (f, x)))
    }

    /// This rule's facts tagged `tag`, as locations noted `note`.
    pub(crate) fn located(&self, tag: &'static str, note: &str) -> Vec<Located> {
        self.facts(tag).map(|(f, x)| Located::new(&f.path, &x.mark, note)).collect()
    }

    /// Call sites of the given kinds, with their files.
    pub(crate) fn sites(&self, kinds: &'a [SiteKind]) -> impl Iterator<Item = (&'a FileEvidence, &'a SiteMark)> + '_ {
        self.files
            .iter()
            .flat_map(move |f| f.sites.iter().filter(move |s| kinds.contains(&s.kind)).map(move |s| (f, s)))
    }

    /// Call sites of the given kinds in code, as locations.
    pub(crate) fn code_sites(&self, kinds: &'a [SiteKind]) -> Vec<Located> {
        self.sites(kinds)
            .filter(|(f, _)| is_code_file(f))
            .map(|(f, s)| Located::new(&f.path, &s.mark, s.kind.noun()))
            .collect()
    }

    /// Whether the repository holds Exirom integration code or configuration at all.
    pub(crate) fn has_integration(&self) -> bool {
        self.files.iter().any(|f| !f.sites.is_empty())
    }

    /// The skip for a repository without Exirom integration code.
    pub(crate) fn no_integration() -> Judgement {
        Judgement::Skip(
            "no Exirom integration found: no api.exirom.com URL, EXIROM_* setting, /v1/auth or /v1/payments… call, or callback handler outside tests and docs"
                .into(),
        )
    }
}

/// Whether a contributing file is code (not configuration).
pub(crate) fn is_code_file(f: &FileEvidence) -> bool {
    f.ctx.is(Kind::Code) && sites::is_code_lang(f.ctx.lang)
}

/// The repository-level half: one outcome per evidence rule among `rules`, from every file's
/// evidence. `[[ignore]]` entries for these rules are applied here; the ones that matched nothing
/// become warnings.
pub fn judge(
    rules: &[&Rule],
    mut files: Vec<FileEvidence>,
    ctx: &RunContext,
    warnings: &mut Vec<String>,
) -> Vec<Outcome> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if ctx.only_files.is_some() {
        return rules
            .iter()
            .map(|r| {
                Outcome::skip(
                    &r.id,
                    "a repository-level rule: not judged on a partial scan (--changed-since, --staged); run golive check or scan on the whole repository",
                )
            })
            .collect();
    }
    let mut ignores = Ignores::new(&ctx.config.ignore, rules);
    let outcomes = rules
        .iter()
        .map(|rule| {
            let Some(i) = index_of(rule) else {
                return Outcome::error(&rule.id, "not an evidence rule");
            };
            let repo = Repo { files: &files, rule: i, config: &ctx.config };
            outcome(rule, (EVIDENCE[i].judge)(&repo), &files, &mut ignores)
        })
        .collect();
    warnings.extend(ignores.unmatched());
    outcomes
}

fn outcome(rule: &Rule, j: Judgement, files: &[FileEvidence], ignores: &mut Ignores<'_>) -> Outcome {
    match j {
        Judgement::Skip(why) => Outcome::skip(&rule.id, why),
        Judgement::Found { message, at } => Outcome::pass(&rule.id, message).with_findings(findings(rule, &at, None)),
        Judgement::Missing { status, message, at } => {
            let found = findings(rule, &at, Some((files, ignores)));
            let active = found.iter().filter(|f| f.suppressed.is_none()).count();
            if active == 0 && !found.is_empty() {
                let mut reasons: Vec<&str> = found.iter().filter_map(|f| f.suppressed.as_deref()).collect();
                reasons.sort_unstable();
                reasons.dedup();
                return Outcome::skip(&rule.id, format!("{message} (suppressed: {})", reasons.join("; ")))
                    .with_findings(found);
            }
            Outcome::new(&rule.id, status, message).with_findings(found)
        }
    }
}

/// Findings for the locations, deduplicated by place; with `suppress`, inline and `[[ignore]]`
/// suppressions applied.
fn findings(rule: &Rule, at: &[Located], mut suppress: Option<(&[FileEvidence], &mut Ignores<'_>)>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    // Sets and an index, not passes over what came before: a repository with many findings (or a
    // generated file with one on every line) must not make this quadratic.
    let mut seen: std::collections::HashSet<(&str, usize)> = std::collections::HashSet::new();
    let by_path: std::collections::HashMap<&str, &FileEvidence> =
        suppress.as_ref().map(|(files, _)| files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
    for l in at {
        if !seen.insert((l.path.as_str(), l.mark.line)) {
            continue;
        }
        let fp = fingerprint(&rule.id, &format!("{} {}", l.note, l.mark.snippet));
        let suppressed = suppress.as_mut().and_then(|(_, ignores)| {
            by_path
                .get(l.path.as_str())
                .and_then(|f| inline_reason(f, rule, l.mark.line))
                .or_else(|| ignores.matching(rule, &l.path, Some(&fp)))
        });
        out.push(Finding {
            path: l.path.clone(),
            line: l.mark.line,
            column: l.mark.column,
            snippet: l.mark.snippet.clone(),
            fingerprint: Some(fp),
            suppressed,
        });
    }
    out.sort();
    out
}

/// The reason of a `golive:ignore <rule>` comment on 1-based `line` of the file or the line above.
fn inline_reason(f: &FileEvidence, rule: &Rule, line: usize) -> Option<String> {
    f.ignores.iter().filter(|(n, _)| *n == line || *n + 1 == line).find_map(|(_, text)| {
        match suppress::parse(text, &rule.id) {
            Inline::Reason(r) => Some(r),
            _ => None,
        }
    })
}

/// Runs an evidence rule's `[rule.examples]`: each example is a one-file repository; a `match`
/// example must make the rule warn (fail or warn), a `no-match` example must make it pass.
pub fn run_examples(rule: &Rule) -> (Vec<ExampleFailure>, usize) {
    let Some(spec) = &rule.static_spec else {
        return (Vec::new(), 0);
    };
    let Some(collector) = Collector::new(&[rule]) else {
        return (Vec::new(), 0);
    };
    let ex = &spec.examples;
    let default_path = ex.path.as_deref().unwrap_or(super::EXAMPLE_PATH);
    let ctx = RunContext {
        root: ".".into(),
        config: Config::default(),
        credentials: None,
        only_files: None,
        scope: None,
        baseline: None,
    };
    let mut failures = Vec::new();
    let mut count = 0;
    for (should_match, list) in [(true, &ex.matching), (false, &ex.non_matching)] {
        for (i, e) in list.iter().enumerate() {
            count += 1;
            let path = e.path.as_deref().unwrap_or(default_path);
            let fctx = context::classify(path, &e.text);
            let files: Vec<FileEvidence> = collector.collect(path, &e.text, fctx).into_iter().collect();
            let mut warnings = Vec::new();
            let o = judge(&[rule], files, &ctx, &mut warnings).pop();
            let status = o.as_ref().map_or(Status::Error, |o| o.status);
            let ok = if should_match { matches!(status, Status::Fail | Status::Warn) } else { status == Status::Pass };
            if !ok {
                let mut flagged = vec![format!(
                    "{}: {}",
                    status.as_str(),
                    o.as_ref().map(|o| o.message.as_str()).unwrap_or_default()
                )];
                if let Some(o) = &o {
                    flagged.extend(o.findings.iter().map(|f| format!("{}:{}: {}", f.line, f.column, f.snippet)));
                }
                failures.push(ExampleFailure {
                    rule: rule.id.clone(),
                    should_match,
                    index: i + 1,
                    path: path.to_string(),
                    masked_text: mask::redact(&e.text),
                    flagged,
                });
            }
        }
    }
    (failures, count)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checklist::Checklist;

    /// Judges `rule` (an evidence rule id) over in-memory files: (status, message, findings).
    pub(crate) fn run(rule: &str, files: &[(&str, &str)]) -> (Status, String, Vec<Finding>) {
        run_with(rule, files, Config::default())
    }

    /// [`run`] with a configuration.
    pub(crate) fn run_with(rule: &str, files: &[(&str, &str)], config: Config) -> (Status, String, Vec<Finding>) {
        let r = Checklist::builtin().rule(rule).unwrap_or_else(|| panic!("no rule {rule}"));
        let c = Collector::new(&[r]).expect("an evidence rule");
        let ev: Vec<FileEvidence> =
            files.iter().filter_map(|(p, t)| c.collect(p, t, context::classify(p, t))).collect();
        let ctx =
            RunContext { root: ".".into(), config, credentials: None, only_files: None, scope: None, baseline: None };
        let mut w = Vec::new();
        let o = judge(&[r], ev, &ctx, &mut w).pop().expect("one outcome");
        (o.status, o.message, o.findings)
    }

    #[test]
    fn every_evidence_implementation_has_a_rule_and_examples() {
        let c = Checklist::builtin();
        for name in NAMES {
            let r = c.rules.iter().find(|r| r.static_spec.as_ref().and_then(|s| s.detector.as_deref()) == Some(*name));
            let r = r.unwrap_or_else(|| panic!("evidence {name} has no rule"));
            let (failures, n) = run_examples(r);
            assert!(n >= 2, "{} has {n} examples", r.id);
            assert!(failures.is_empty(), "{}: {failures:#?}", r.id);
        }
    }

    #[test]
    fn no_integration_skips() {
        for name in NAMES {
            let r = Checklist::builtin()
                .rules
                .iter()
                .find(|r| index_of(r) == NAMES.iter().position(|n| n == name))
                .unwrap();
            if r.id == "alerting-thresholds" {
                continue;
            }
            let (status, msg, _) = run(&r.id, &[("src/app.ts", "export const answer = 42;\n")]);
            assert_eq!(status, Status::Skip, "{}: {msg}", r.id);
            assert!(msg.contains("no Exirom integration"), "{}: {msg}", r.id);
        }
    }

    #[test]
    fn partial_scans_skip() {
        let r = Checklist::builtin().rule("polling-fallback").unwrap();
        let ctx = RunContext {
            root: ".".into(),
            config: Config::default(),
            credentials: None,
            only_files: Some(vec![]),
            scope: None,
            baseline: None,
        };
        let o = judge(&[r], Vec::new(), &ctx, &mut Vec::new());
        assert_eq!(o[0].status, Status::Skip);
        assert!(o[0].message.contains("partial scan"));
    }

    #[test]
    fn tests_docs_and_golive_toml_are_not_evidence() {
        let ctx = |p: &str| context::classify(p, "");
        assert!(!eligible("tests/client.test.ts", ctx("tests/client.test.ts")));
        assert!(!eligible("docs/setup.md", ctx("docs/setup.md")));
        assert!(!eligible(".env.example", ctx(".env.example")));
        assert!(!eligible("golive.toml", ctx("golive.toml")));
        assert!(eligible("src/exirom/client.ts", ctx("src/exirom/client.ts")));
        assert!(eligible(".env.production", ctx(".env.production")));
    }

    #[test]
    fn inline_ignore_suppresses_a_missing_behaviour() {
        let src = "// golive:ignore polling-fallback reconciliation runs in the ops repository\nconst r = await http.post('/v1/payments/card', body);\n";
        let (status, msg, findings) = run("polling-fallback", &[("src/pay.ts", src)]);
        assert_eq!(status, Status::Skip, "{msg}");
        assert_eq!(findings[0].suppressed.as_deref(), Some("reconciliation runs in the ops repository"));
    }
}
