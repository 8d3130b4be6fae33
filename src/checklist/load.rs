//! Reads checklist TOML (built-in `rules/*.toml` and the user's files) into validated [`Rule`]s.
//!
//! Every problem in a file is collected (unknown keys, wrong types, bad regexes, unknown checklist
//! items, duplicate ids, missing implementations) and returned together with its span.

use std::collections::BTreeSet;

use toml::de::DeValue;

use super::rule::{Allow, Example, Examples, Origin, ProbeKind, Rule, Severity, StaticSpec, is_kebab_id};
use crate::diag::Problem;
use crate::tomlread::{Doc, Table};

const RULE_KEYS: &[&str] = &[
    "id",
    "aliases",
    "probe",
    "severity",
    "checklist",
    "title",
    "docs",
    "since",
    "override",
    "check",
    "flow",
    "detector",
    "keywords",
    "pattern",
    "paths",
    "exclude",
    "skip",
    "allow",
    "examples",
    "options",
];
const STATIC_ONLY: &[&str] = &["keywords", "pattern", "detector", "paths", "exclude", "skip", "allow", "examples"];
const CONTEXTS: &[&str] = &["test", "docs", "lock", "minified", "vendor", "log", "config", "code", "example"];

/// What a file's `[[rule]]` entries parsed into.
pub struct Parsed {
    /// Valid rules, in file order.
    pub rules: Vec<Rule>,
    /// Ids of rules that asked to replace an earlier rule (`override = true`).
    pub overrides: BTreeSet<String>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Parses one checklist file. `items` are the known checklist item ids; `implemented` answers
/// whether a probe has an implementation of that name.
pub fn parse_rules(
    src: &str,
    origin: &Origin,
    items: &BTreeSet<String>,
    implemented: &dyn Fn(ProbeKind, &str) -> bool,
) -> Parsed {
    let doc = Doc::parse(src);
    let mut out = doc.problems.clone();
    let root = doc.table();
    let mut rules = Vec::new();
    let mut overrides = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for t in root.tables("rule", &mut out) {
        let before = out.len();
        let rule = parse_rule(&t, origin, items, implemented, &mut out);
        if let Some((rule, id_span, is_override)) = rule {
            if !seen.insert(rule.id.clone()) {
                out.push(
                    Problem::at(id_span, format!("duplicate rule id `{}`", rule.id))
                        .label("defined earlier in this file")
                        .help("rule ids are unique; rename one of them"),
                );
                continue;
            }
            if out.len() == before {
                if is_override {
                    overrides.insert(rule.id.clone());
                }
                rules.push(rule);
            }
        }
    }
    root.deny_unknown(&["rule"], &mut out);
    Parsed { rules, overrides, problems: out }
}

fn parse_rule(
    t: &Table<'_, '_>,
    origin: &Origin,
    items: &BTreeSet<String>,
    implemented: &dyn Fn(ProbeKind, &str) -> bool,
    out: &mut Vec<Problem>,
) -> Option<(Rule, std::ops::Range<usize>, bool)> {
    let id = t.req_str("id", out);
    if let Some(id) = &id
        && !is_kebab_id(id.get_ref())
    {
        out.push(
            Problem::at(id.span(), format!("rule id `{}` is not kebab-case", id.get_ref()))
                .help("ids are lowercase words joined by '-', e.g. `sandbox-url`"),
        );
    }
    let probe = t.req_str("probe", out).and_then(|p| {
        let k = ProbeKind::parse(p.get_ref());
        if k.is_none() {
            out.push(
                Problem::at(p.span(), format!("unknown probe `{}`", p.get_ref()))
                    .help("probe is one of: static, webhook, sandbox, manual"),
            );
        }
        k
    });
    let severity = t.req_str("severity", out).and_then(|s| {
        let v = Severity::parse(s.get_ref());
        if v.is_none() {
            out.push(
                Problem::at(s.span(), format!("unknown severity `{}`", s.get_ref()))
                    .help("severity is one of: error, warn, info"),
            );
        }
        v
    });
    let checklist = t.strs("checklist", out).unwrap_or_default();
    if checklist.is_empty() && t.raw("checklist").is_none() {
        out.push(
            Problem::at(t.span(), "missing required key `checklist`")
                .help("name the go-live checklist item(s) this rule proves, e.g. checklist = [\"production-base-url\"]; `golive rules --checklist` lists them"),
        );
    }
    for item in &checklist {
        if !items.contains(item.get_ref()) {
            let mut p = Problem::at(item.span(), format!("unknown checklist item `{}`", item.get_ref()))
                .label("not in rules/checklist.toml");
            if let Some(s) = crate::diag::suggest(item.get_ref(), items.iter().map(String::as_str)) {
                p = p.help(format!("did you mean `{s}`? `golive rules --checklist` lists the items"));
            } else {
                p = p.help("`golive rules --checklist` lists the items");
            }
            out.push(p);
        }
    }
    let title = t.req_str("title", out);
    if let Some(title) = &title
        && (title.get_ref().ends_with('.') || title.get_ref().contains('\n'))
    {
        out.push(Problem::at(title.span(), "title must be one line without a trailing period"));
    }
    let user = matches!(origin, Origin::User(_));
    let docs = if user { t.str("docs", out) } else { t.req_str("docs", out) };
    let since = t.str("since", out);
    let aliases = t.strs("aliases", out).unwrap_or_default();
    let is_override = t.bool("override", out).unwrap_or(false);

    let implementation = implementation_name(t, probe, id.as_ref().map(|s| s.get_ref().as_str()), out);
    if let (Some(p), Some((name, span))) = (probe, &implementation) {
        let ok = p == ProbeKind::Static && t.raw("detector").is_none() || implemented(p, name);
        if !ok {
            out.push(
                Problem::at(span.clone(), format!("no {p} implementation named `{name}`"))
                    .label("unknown implementation")
                    .help(match p {
                        ProbeKind::Webhook => {
                            "set `check` to one of the built-in webhook checks (`golive rules` lists the webhook rules)"
                        }
                        ProbeKind::Sandbox => "set `flow` to one of the built-in sandbox flows",
                        _ => "static rules use `pattern`, optionally with a built-in `detector`",
                    }),
            );
        }
    }

    let static_spec = if probe == Some(ProbeKind::Static) {
        Some(parse_static(t, out))
    } else {
        for key in STATIC_ONLY {
            if let Some(v) = t.raw(key) {
                out.push(
                    Problem::at(v.span(), format!("`{key}` only applies to static rules"))
                        .help("remove it, or set probe = \"static\""),
                );
            }
        }
        None
    };
    let options = t.raw("options").map(|v| {
        if let serde_json::Value::Object(m) = to_json(v.get_ref()) {
            m
        } else {
            out.push(Problem::at(v.span(), "`options` must be a table"));
            serde_json::Map::new()
        }
    });
    t.deny_unknown(RULE_KEYS, out);

    let id = id?;
    let rule = Rule {
        id: id.get_ref().clone(),
        aliases: aliases.into_iter().map(toml::Spanned::into_inner).collect(),
        probe: probe?,
        severity: severity?,
        checklist: checklist.into_iter().map(toml::Spanned::into_inner).collect(),
        title: title?.into_inner(),
        docs: docs.map_or_else(|| "## What it checks\nA user-defined rule.\n".into(), toml::Spanned::into_inner),
        since: since.map_or_else(|| env!("CARGO_PKG_VERSION").to_string(), toml::Spanned::into_inner),
        implementation: implementation.map(|(n, _)| n).unwrap_or_default(),
        options: options.unwrap_or_default(),
        static_spec,
        origin: origin.clone(),
    };
    Some((rule, id.span(), is_override))
}

/// The implementation a rule runs: `check`/`flow`/`detector`, else the id without its probe prefix.
fn implementation_name(
    t: &Table<'_, '_>,
    probe: Option<ProbeKind>,
    id: Option<&str>,
    out: &mut Vec<Problem>,
) -> Option<(String, std::ops::Range<usize>)> {
    let key = match probe? {
        ProbeKind::Webhook => "check",
        ProbeKind::Sandbox => "flow",
        ProbeKind::Static => "detector",
        ProbeKind::Manual => return Some((id?.to_string(), t.span())),
    };
    for other in ["check", "flow"] {
        if other != key
            && let Some(v) = t.raw(other)
        {
            out.push(
                Problem::at(v.span(), format!("`{other}` does not apply to {} rules", probe?))
                    .help(format!("use `{key}`")),
            );
        }
    }
    if let Some(v) = t.str(key, out) {
        return Some((v.get_ref().clone(), v.span()));
    }
    let id = id?;
    let prefix = format!("{}-", probe?.as_str());
    let name = id.strip_prefix(&prefix).unwrap_or(id);
    Some((name.to_string(), t.key_span("id").unwrap_or_else(|| t.span())))
}

fn parse_static(t: &Table<'_, '_>, out: &mut Vec<Problem>) -> StaticSpec {
    let keywords = t.strs("keywords", out).unwrap_or_default();
    for k in &keywords {
        if k.get_ref().is_empty() || k.get_ref().to_lowercase() != *k.get_ref() {
            out.push(
                Problem::at(k.span(), "keywords must be non-empty lowercase literals")
                    .help("the prefilter matches case-insensitively on lowercase keywords"),
            );
        }
    }
    let pattern = t.str("pattern", out);
    if let Some(p) = &pattern {
        check_regex(p, out);
    }
    let detector = t.str("detector", out);
    if pattern.is_none() && detector.is_none() {
        out.push(
            Problem::at(t.span(), "a static rule needs `pattern` (a regex) or a built-in `detector`")
                .help("add pattern = '''…''' with keywords = [\"…\"] for the prefilter"),
        );
    }
    let skip = t.strs("skip", out).unwrap_or_default();
    for s in &skip {
        if !CONTEXTS.contains(&s.get_ref().as_str()) {
            out.push(
                Problem::at(s.span(), format!("unknown file context `{}`", s.get_ref()))
                    .help(format!("contexts: {}", CONTEXTS.join(", "))),
            );
        }
    }
    let mut paths = t.strs("paths", out).unwrap_or_default();
    let mut exclude = t.strs("exclude", out).unwrap_or_default();
    for g in paths.iter().chain(exclude.iter()) {
        if let Err(e) = globset::Glob::new(g.get_ref()) {
            out.push(Problem::at(g.span(), format!("invalid glob: {e}")));
        }
    }
    let allow = t.table("allow", out).map(|a| {
        let regexes = a.strs("regexes", out).unwrap_or_default();
        for r in &regexes {
            check_regex(r, out);
        }
        let allow = Allow {
            paths: a.strs("paths", out).unwrap_or_default().into_iter().map(toml::Spanned::into_inner).collect(),
            regexes: regexes.into_iter().map(toml::Spanned::into_inner).collect(),
            stopwords: a
                .strs("stopwords", out)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.into_inner().to_lowercase())
                .collect(),
        };
        a.deny_unknown(&["paths", "regexes", "stopwords"], out);
        allow
    });
    let examples = t.table("examples", out).map(|e| {
        let ex = Examples {
            matching: examples(&e, "match", out),
            non_matching: examples(&e, "no-match", out),
            path: e.str("path", out).map(toml::Spanned::into_inner),
        };
        e.deny_unknown(&["match", "no-match", "path"], out);
        ex
    });
    StaticSpec {
        keywords: keywords.into_iter().map(toml::Spanned::into_inner).collect(),
        pattern: pattern.map(toml::Spanned::into_inner),
        detector: detector.map(toml::Spanned::into_inner),
        paths: std::mem::take(&mut paths).into_iter().map(toml::Spanned::into_inner).collect(),
        exclude: std::mem::take(&mut exclude).into_iter().map(toml::Spanned::into_inner).collect(),
        skip_contexts: skip.into_iter().map(toml::Spanned::into_inner).collect(),
        allow: allow.unwrap_or_default(),
        examples: examples.unwrap_or_default(),
    }
}

/// `[rule.examples] match`/`no-match`: strings, or `{ path = "…", text = "…" }` tables.
fn examples(e: &Table<'_, '_>, key: &str, out: &mut Vec<Problem>) -> Vec<Example> {
    let Some(v) = e.raw(key) else {
        return Vec::new();
    };
    let items: Vec<&toml::Spanned<DeValue<'_>>> = match v.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        _ => vec![v],
    };
    let mut res = Vec::with_capacity(items.len());
    for item in items {
        match item.get_ref() {
            DeValue::String(s) => res.push(Example { text: s.to_string(), path: None }),
            DeValue::Table(_) => {
                if let Some(t) = e.sub(key, item, out) {
                    let text = t.req_str("text", out).map(toml::Spanned::into_inner);
                    let path = t.str("path", out).map(toml::Spanned::into_inner);
                    t.deny_unknown(&["text", "path"], out);
                    if let Some(text) = text {
                        res.push(Example { text, path });
                    }
                }
            }
            _ => out.push(
                Problem::at(
                    item.span(),
                    format!("`examples.{key}` entries must be strings or {{ path, text }} tables"),
                )
                .label("expected a string or a table"),
            ),
        }
    }
    res
}

fn check_regex(p: &toml::Spanned<String>, out: &mut Vec<Problem>) {
    if let Err(e) = super::regex_cache::compile(p.get_ref()) {
        let msg = e.to_string();
        let last = msg.lines().last().unwrap_or("invalid regex").trim().to_string();
        out.push(Problem::at(p.span(), format!("invalid regex: {last}")).label("does not compile").help(
            "golive uses Rust regex syntax (no look-around or back-references); write it in a '''literal''' string",
        ));
    }
}

/// Converts a TOML value to JSON (datetimes become strings).
pub fn to_json(v: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).map_or(J::Null, J::from),
        DeValue::Float(f) => {
            f.as_str().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number)
        }
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(a) => J::Array(a.iter().map(|x| to_json(x.get_ref())).collect()),
        DeValue::Table(t) => {
            J::Object(t.iter().map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref()))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> BTreeSet<String> {
        ["production-base-url".to_string()].into_iter().collect()
    }

    #[test]
    fn reports_every_problem_in_one_pass() {
        let src = r#"
[[rule]]
id = "my-rule"
probe = "static"
severity = "eror"
checklist = ["production-base-url"]
title = "Mine"
pattern = '''(unclosed'''
colour = "red"

[[rule]]
id = "my-rule"
probe = "static"
severity = "warn"
checklist = ["nope"]
title = "Again"
pattern = '''x'''
"#;
        let parsed = parse_rules(src, &Origin::User("x.toml".into()), &items(), &|_, _| true);
        let msgs: Vec<_> = parsed.problems.iter().map(|p| p.message.clone()).collect();
        assert!(msgs.iter().any(|m| m.contains("unknown severity")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("invalid regex")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("unknown key `rule.colour`")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("unknown checklist item")), "{msgs:?}");
        assert!(parsed.rules.is_empty());
    }

    #[test]
    fn defaults_implementation_to_id_without_prefix() {
        let src = "[[rule]]\nid = \"webhook-https\"\nprobe = \"webhook\"\nseverity = \"error\"\nchecklist = [\"production-base-url\"]\ntitle = \"T\"\n";
        let parsed =
            parse_rules(src, &Origin::User("x.toml".into()), &items(), &|p, n| p == ProbeKind::Webhook && n == "https");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.rules[0].implementation, "https");
    }

    #[test]
    fn unknown_implementation_is_a_problem() {
        let src = "[[rule]]\nid = \"webhook-x\"\nprobe = \"webhook\"\nseverity = \"error\"\nchecklist = [\"production-base-url\"]\ntitle = \"T\"\ncheck = \"nope\"\n";
        let parsed = parse_rules(src, &Origin::User("x.toml".into()), &items(), &|_, _| false);
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    }
}

#[cfg(test)]
mod proptests {
    use std::fmt::Write as _;

    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn rule_like() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "id",
            "probe",
            "severity",
            "checklist",
            "title",
            "docs",
            "pattern",
            "keywords",
            "detector",
            "check",
            "flow",
            "skip",
            "exclude",
            "override",
            "aliases",
            "colour",
        ]);
        let value = prop_oneof![
            Just("\"static\"".to_string()),
            Just("\"webhook\"".to_string()),
            Just("\"error\"".to_string()),
            Just("\"my-rule\"".to_string()),
            Just("\"Bad_ID\"".to_string()),
            Just("'''(unclosed'''".to_string()),
            Just("'''a(?-u:\\b)b'''".to_string()),
            Just("[\"production-base-url\"]".to_string()),
            Just("[\"test\", 3]".to_string()),
            Just("true".to_string()),
            Just("7".to_string()),
            "[a-z\\[\\]\"'=. ]{0,10}",
        ];
        let sub = prop::sample::select(vec![
            "",
            "[rule.examples]\nmatch = [\"a\"]\n",
            "[rule.allow]\nregexes = [\"(\"]\n",
            "[rule.options]\nx = 1\n",
        ]);
        prop::collection::vec((prop::collection::vec((key, value), 0..8), sub), 0..4).prop_map(|rules| {
            let mut s = String::new();
            for (kvs, sub) in rules {
                s.push_str("[[rule]]\n");
                for (k, v) in kvs {
                    let _ = writeln!(s, "{k} = {v}");
                }
                s.push_str(sub);
            }
            s
        })
    }

    proptest! {
        #[test]
        fn checklist_files_never_panic(src in prop_oneof![rule_like(), "\\PC{0,200}"]) {
            let items: BTreeSet<String> = ["production-base-url".to_string()].into_iter().collect();
            let parsed = parse_rules(&src, &Origin::User("x.toml".into()), &items, &|_, _| true);
            for p in &parsed.problems {
                if let Some(span) = p.span {
                    prop_assert!(span.offset() + span.len() <= src.len());
                }
            }
            prop_assert!(parsed.problems.is_empty() || parsed.rules.len() <= 4);
        }
    }
}
