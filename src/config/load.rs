//! Reads golive.toml into a [`Config`], collecting every problem with its span.

use std::path::{Path, PathBuf};

use super::{Attestation, ChecklistCfg, Config, Ignore, Oracle, RuleRef};
use crate::checklist::Severity;
use crate::diag::{FileDiagnostics, Problem};
use crate::tomlread::{Doc, Table};

/// The commented template `golive init` writes; a test proves it parses to the defaults.
pub const TEMPLATE: &str = include_str!("../../golive.template.toml");

/// Reads and validates a config file.
///
/// # Errors
/// Every problem found, rendered against the file.
pub fn load_file(path: &Path) -> Result<Config, FileDiagnostics> {
    let (cfg, problems) = parse_file(path)?;
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(FileDiagnostics::new(&path.display().to_string(), &cfg.source, problems))
    }
}

/// Reads a config file, returning the config and the problems found (so callers can add their
/// own, such as unknown rule ids, and report everything at once).
///
/// # Errors
/// The file cannot be read.
pub fn parse_file(path: &Path) -> Result<(Config, Vec<Problem>), FileDiagnostics> {
    let name = path.display().to_string();
    let src = std::fs::read(path)
        .map_err(|e| FileDiagnostics::new(&name, "", vec![Problem::whole(format!("cannot read config file: {e}"))]))?;
    let src = String::from_utf8(src)
        .map_err(|_| FileDiagnostics::new(&name, "", vec![Problem::whole("config file is not UTF-8 text")]))?;
    let (mut cfg, problems) = parse(&src);
    let base = path.parent().unwrap_or(Path::new("."));
    for p in &mut cfg.checklist.extend {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    }
    if let Some(ca) = &mut cfg.webhook.ca_cert
        && ca.is_relative()
    {
        *ca = base.join(&*ca);
    }
    cfg.path = Some(path.to_path_buf());
    Ok((cfg, problems))
}

/// Validates config text.
///
/// # Errors
/// Every problem found, rendered against `src`.
pub fn load_str(name: &str, src: &str) -> Result<Config, FileDiagnostics> {
    let (cfg, problems) = parse(src);
    if problems.is_empty() { Ok(cfg) } else { Err(FileDiagnostics::new(name, src, problems)) }
}

/// Parses config text into a config (defaults where a value is wrong) and every problem found.
pub fn parse(src: &str) -> (Config, Vec<Problem>) {
    let doc = Doc::parse(src);
    let mut out = doc.problems.clone();
    let root = doc.table();
    let mut cfg = Config { source: src.to_string(), ..Config::default() };

    if let Some(t) = root.table("project", &mut out) {
        cfg.project.name = t.str("name", &mut out).map(toml::Spanned::into_inner);
        t.deny_unknown(&["name"], &mut out);
    }
    if let Some(t) = root.table("exirom", &mut out) {
        if let Some(u) = t.str("base_url", &mut out) {
            check_url(&u, &mut out);
            cfg.exirom.base_url = u.into_inner();
        }
        cfg.exirom.mid = t.str("mid", &mut out).map(toml::Spanned::into_inner);
        cfg.exirom.account_id = t.str("account_id", &mut out).map(toml::Spanned::into_inner);
        t.deny_unknown(&["base_url", "mid", "account_id"], &mut out);
    }
    if let Some(t) = root.table("webhook", &mut out) {
        read_webhook(&t, &mut cfg, &mut out);
    }
    if let Some(t) = root.table("sandbox", &mut out) {
        read_sandbox(&t, &mut cfg, &mut out);
    }
    if let Some(t) = root.table("static", &mut out) {
        if let Some(v) = t.strs("paths", &mut out) {
            cfg.scan.paths = v.into_iter().map(toml::Spanned::into_inner).collect();
        }
        if let Some(v) = t.strs("exclude", &mut out) {
            for g in &v {
                if let Err(e) = globset::Glob::new(g.get_ref()) {
                    out.push(Problem::at(g.span(), format!("invalid glob: {e}")));
                }
            }
            cfg.scan.exclude = v.into_iter().map(toml::Spanned::into_inner).collect();
        }
        if let Some(n) = t.uint("max_file_size", &mut out) {
            cfg.scan.max_file_size = n;
        }
        t.deny_unknown(&["paths", "exclude", "max_file_size"], &mut out);
    }
    if let Some(t) = root.table("checklist", &mut out) {
        cfg.checklist = read_checklist(&t, &mut out);
    }
    if let Some(t) = root.table("attest", &mut out) {
        for (key, _, v) in t.entries() {
            let Some(a) = t.sub(key, v, &mut out) else {
                continue;
            };
            let who = a.req_str("who", &mut out);
            let when = a.req_str("when", &mut out);
            let evidence = a.str("evidence", &mut out).map(toml::Spanned::into_inner);
            a.deny_unknown(&["who", "when", "evidence"], &mut out);
            if let (Some(who), Some(when)) = (who, when) {
                let key = key.strip_prefix("attest-").unwrap_or(key).to_string();
                cfg.attest.insert(
                    key,
                    Attestation { who: who.into_inner(), when: when.into_inner(), evidence, span: a.span() },
                );
            }
        }
    }
    for t in root.tables("ignore", &mut out) {
        let rule = t.req_str("rule", &mut out);
        let path = t.str("path", &mut out);
        if let Some(p) = &path
            && let Err(e) = globset::Glob::new(p.get_ref())
        {
            out.push(Problem::at(p.span(), format!("invalid glob: {e}")));
        }
        let fingerprint = t.str("fingerprint", &mut out).map(toml::Spanned::into_inner);
        let reason = t.str("reason", &mut out);
        if reason.as_ref().is_none_or(|r| r.get_ref().trim().is_empty()) {
            out.push(
                Problem::at(t.span(), "every [[ignore]] needs a `reason`")
                    .label("no reason given")
                    .help("say why this finding is acceptable: reason = \"…\""),
            );
        }
        t.deny_unknown(&["rule", "path", "fingerprint", "reason"], &mut out);
        if let (Some(rule), Some(reason)) = (rule, reason) {
            cfg.ignore.push(Ignore {
                rule: RuleRef { id: rule.get_ref().clone(), span: rule.span() },
                path: path.map(toml::Spanned::into_inner),
                fingerprint,
                reason: reason.into_inner(),
            });
        }
    }
    root.deny_unknown(
        &["project", "exirom", "webhook", "sandbox", "static", "checklist", "attest", "ignore"],
        &mut out,
    );
    (cfg, out)
}

fn check_url(u: &toml::Spanned<String>, out: &mut Vec<Problem>) {
    if !(u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://")) {
        out.push(Problem::at(u.span(), "expected an http(s) URL").help("for example \"https://api.exirom.com/api\""));
    }
}

fn read_webhook(t: &Table<'_, '_>, cfg: &mut Config, out: &mut Vec<Problem>) {
    let w = &mut cfg.webhook;
    if let Some(u) = t.str("url", out) {
        // `embedded` probes golive's reference receiver on loopback (no network, no credentials).
        if u.get_ref() != "embedded" {
            check_url(&u, out);
        }
        w.url = Some(u.into_inner());
    }
    if let Some(n) = t.uint("timeout_ms", out) {
        w.timeout_ms = n;
    }
    if let Some(n) = t.uint("connect_timeout_ms", out) {
        w.connect_timeout_ms = n;
    }
    if let Some(n) = t.uint("slow_ms", out) {
        w.slow_ms = n;
    }
    if let Some(v) = t.str("checksum_variant", out) {
        let s = v.get_ref().to_ascii_lowercase();
        if !["auto", "a", "b", "c", "d"].contains(&s.as_str()) {
            out.push(
                Problem::at(v.span(), format!("unknown checksum variant `{}`", v.get_ref()))
                    .help("one of: auto, a, b, c, d (API.md §11.2)"),
            );
        }
        w.checksum_variant = s;
    }
    if let Some(v) = t.str("apm_type", out) {
        w.apm_type = v.into_inner();
    }
    if let Some(v) = t.str("ca_cert", out) {
        w.ca_cert = Some(PathBuf::from(v.into_inner()));
    }
    if let Some(b) = t.bool("allow_private", out) {
        w.allow_private = b;
    }
    if let Some(o) = t.table("oracle", out) {
        let url = o.req_str("url", out);
        let pointer = o.req_str("pointer", out);
        if let Some(p) = &pointer
            && !p.get_ref().is_empty()
            && !p.get_ref().starts_with('/')
        {
            out.push(Problem::at(p.span(), "a JSON pointer starts with `/`").help("for example \"/order/fulfilled\""));
        }
        let fulfilled =
            o.raw("fulfilled").map_or(serde_json::Value::Bool(true), |v| crate::checklist::load::to_json(v.get_ref()));
        o.deny_unknown(&["url", "pointer", "fulfilled"], out);
        if let (Some(url), Some(pointer)) = (url, pointer) {
            w.oracle = Some(Oracle { url: url.into_inner(), pointer: pointer.into_inner(), fulfilled });
        }
    }
    t.deny_unknown(
        &[
            "url",
            "timeout_ms",
            "connect_timeout_ms",
            "slow_ms",
            "checksum_variant",
            "apm_type",
            "ca_cert",
            "allow_private",
            "oracle",
        ],
        out,
    );
}

fn read_sandbox(t: &Table<'_, '_>, cfg: &mut Config, out: &mut Vec<Problem>) {
    let s = &mut cfg.sandbox;
    if let Some(u) = t.str("base_url", out) {
        if u.get_ref() != "embedded" {
            check_url(&u, out);
        }
        s.base_url = Some(u.into_inner());
    }
    if let Some(v) = t.strs("currencies", out) {
        for c in &v {
            if c.get_ref().len() != 3 || !c.get_ref().chars().all(|ch| ch.is_ascii_uppercase()) {
                out.push(
                    Problem::at(c.span(), format!("`{}` is not an ISO 4217 currency code", c.get_ref()))
                        .help("use three capital letters, e.g. \"EUR\""),
                );
            }
        }
        s.currencies = v.into_iter().map(toml::Spanned::into_inner).collect();
    }
    if let Some(v) = t.strs("flows", out) {
        for f in &v {
            if !super::ALL_FLOWS.contains(&f.get_ref().as_str()) {
                out.push(
                    Problem::at(f.span(), format!("unknown flow `{}`", f.get_ref()))
                        .help(format!("flows: {}", super::ALL_FLOWS.join(", "))),
                );
            }
        }
        s.flows = v.into_iter().map(toml::Spanned::into_inner).collect();
    }
    if let Some(v) = t.strs("apm_types", out) {
        s.apm_types = v.into_iter().map(toml::Spanned::into_inner).collect();
    }
    if let Some(u) = t.str("callback_url", out) {
        check_url(&u, out);
        s.callback_url = Some(u.into_inner());
    }
    if let Some(n) = t.uint("callback_timeout_ms", out) {
        s.callback_timeout_ms = n;
    }
    if let Some(n) = t.uint("timeout_ms", out) {
        s.timeout_ms = n;
    }
    if let Some(c) = t.table("cards", out) {
        for (key, slot) in
            [("approve", &mut s.cards.approve), ("three_ds", &mut s.cards.three_ds), ("decline", &mut s.cards.decline)]
        {
            if let Some(v) = c.str(key, out) {
                *slot = v.into_inner();
            }
        }
        c.deny_unknown(&["approve", "three_ds", "decline"], out);
    }
    t.deny_unknown(
        &["base_url", "currencies", "flows", "apm_types", "callback_url", "callback_timeout_ms", "timeout_ms", "cards"],
        out,
    );
}

fn read_checklist(t: &Table<'_, '_>, out: &mut Vec<Problem>) -> ChecklistCfg {
    let mut c = ChecklistCfg::default();
    if let Some(v) = t.strs("extend", out) {
        c.extend = v.into_iter().map(|s| PathBuf::from(s.into_inner())).collect();
    }
    if let Some(v) = t.strs("disable", out) {
        c.disable = v.into_iter().map(|s| RuleRef { span: s.span(), id: s.into_inner() }).collect();
    }
    if let Some(sev) = t.table("severity", out) {
        for (key, key_span, v) in sev.entries() {
            match v.get_ref().as_str().and_then(Severity::parse) {
                Some(s) => c.severity.push((RuleRef { id: key.to_string(), span: key_span }, s)),
                None => out.push(
                    Problem::at(v.span(), format!("invalid severity for `{key}`"))
                        .help("severity is one of: error, warn, info"),
                ),
            }
        }
    }
    t.deny_unknown(&["extend", "disable", "severity"], out);
    c
}

/// Checks rule ids that golive.toml names (disable, severity, ignore) against the loaded checklist.
///
/// Returns a problem for every unknown id, pointing at where it is written.
pub fn check_rule_refs(cfg: &Config, known: &dyn Fn(&str) -> bool, ids: &[&str]) -> Vec<Problem> {
    let mut out = Vec::new();
    let refs = cfg
        .checklist
        .disable
        .iter()
        .chain(cfg.checklist.severity.iter().map(|(r, _)| r))
        .chain(cfg.ignore.iter().map(|i| &i.rule));
    for r in refs {
        if !known(&r.id) {
            let mut p = Problem::at(r.span.clone(), format!("unknown rule id `{}`", r.id)).label("no such rule");
            p = match crate::diag::suggest(&r.id, ids.iter().copied()) {
                Some(s) => p.help(format!("did you mean `{s}`? `golive rules` lists every rule")),
                None => p.help("`golive rules` lists every rule"),
            };
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_the_defaults() {
        let cfg = load_str("golive.template.toml", TEMPLATE).unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)));
        let d = Config::default();
        assert_eq!(cfg.exirom.base_url, d.exirom.base_url);
        assert_eq!(cfg.webhook.timeout_ms, d.webhook.timeout_ms);
        assert_eq!(cfg.webhook.slow_ms, d.webhook.slow_ms);
        assert_eq!(cfg.webhook.checksum_variant, d.webhook.checksum_variant);
        assert_eq!(cfg.sandbox.currencies, d.sandbox.currencies);
        assert_eq!(cfg.sandbox.flows, d.sandbox.flows);
        assert_eq!(cfg.sandbox.cards.three_ds, d.sandbox.cards.three_ds);
        assert_eq!(cfg.scan.max_file_size, d.scan.max_file_size);
        assert!(cfg.webhook.url.is_none() && cfg.sandbox.base_url.is_none());
    }

    #[test]
    fn three_mistakes_three_problems() {
        let src = "[webhook]\nurl = 42\n\n[sandbox]\ncurrencies = [\"euro\"]\n\n[[ignore]]\nrule = \"pan-in-source\"\n";
        let err = load_str("golive.toml", src).err().map(|e| e.problems.len());
        assert_eq!(err, Some(3));
    }

    #[test]
    fn attest_reads_who_when_evidence() {
        let src = "[attest.on-call]\nwho = \"a\"\nwhen = \"2026-01-01\"\nevidence = \"x\"\n";
        let cfg = load_str("g.toml", src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.attest["on-call"].who, "a");
    }
}

#[cfg(test)]
mod proptests {
    use std::fmt::Write as _;

    use proptest::prelude::*;

    /// TOML-shaped text built from golive.toml's own vocabulary, so the generator reaches deep into
    /// the validator instead of failing at the first byte.
    fn toml_like() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "url",
            "timeout_ms",
            "base_url",
            "mid",
            "currencies",
            "flows",
            "who",
            "when",
            "reason",
            "rule",
            "path",
            "extend",
            "disable",
            "severity",
            "max_file_size",
            "allow_private",
            "pointer",
            "bogus",
        ]);
        let value = prop_oneof![
            Just("\"x\"".to_string()),
            Just("42".to_string()),
            Just("-1".to_string()),
            Just("true".to_string()),
            Just("[\"EUR\", 1]".to_string()),
            Just("{ a = 1 }".to_string()),
            Just("\"https://h/api\"".to_string()),
            Just("\"embedded\"".to_string()),
            Just("1979-05-27".to_string()),
            "[a-z\\[\\]\"=. ]{0,12}",
        ];
        let header = prop::sample::select(vec![
            "[project]",
            "[exirom]",
            "[webhook]",
            "[webhook.oracle]",
            "[sandbox]",
            "[sandbox.cards]",
            "[static]",
            "[checklist]",
            "[checklist.severity]",
            "[attest.monitoring]",
            "[[ignore]]",
            "[nope]",
            "",
        ]);
        prop::collection::vec((header, prop::collection::vec((key, value), 0..4)), 0..6).prop_map(|sections| {
            let mut s = String::new();
            for (h, kvs) in sections {
                s.push_str(h);
                s.push('\n');
                for (k, v) in kvs {
                    let _ = writeln!(s, "{k} = {v}");
                }
            }
            s
        })
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(src in "\\PC{0,200}") {
            let (_, problems) = super::parse(&src);
            for p in problems {
                if let Some(span) = p.span {
                    prop_assert!(span.offset() + span.len() <= src.len());
                }
            }
        }

        #[test]
        fn toml_like_input_gives_config_or_pointed_problems(src in toml_like()) {
            let (_, problems) = super::parse(&src);
            for p in &problems {
                prop_assert!(!p.message.is_empty());
                if let Some(span) = p.span {
                    prop_assert!(span.offset() + span.len() <= src.len(), "{} {:?}", p.message, span);
                }
            }
            // Rendering the diagnostics must not panic either.
            if !problems.is_empty() {
                let d = crate::diag::FileDiagnostics::new("golive.toml", &src, problems);
                let _ = format!("{:?}", miette::Report::new(d));
            }
        }
    }
}
