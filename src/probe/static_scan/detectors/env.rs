//! Which deployment environment a piece of code or configuration is for: environment words
//! (`prod`, `sandbox`, `staging`…), the key a value is assigned to, and the section it sits in
//! (YAML/JSON/TOML parents, Spring profiles). `sandbox-url` and `test-card-in-production` use it.

use super::super::context::{Env, Lang};
use super::FileView;
use super::code::{code_mask, indent, is_comment_line, words};

/// The environment named by words (`prod`, `production`, `live` vs `sandbox`, `dev`, `staging`,
/// `test`, `local`, `qa`, `uat`, `demo`, `mock`); non-production wins when both occur.
pub fn env_of_words<S: AsRef<str>>(words: &[S]) -> Option<Env> {
    let mut found = None;
    for w in words {
        match w.as_ref() {
            "prod" | "production" | "live" | "prd" => found = Some(Env::Production),
            "sandbox" | "sbx" | "dev" | "develop" | "development" | "staging" | "stage" | "stg" | "test" | "tests"
            | "testing" | "local" | "localhost" | "qa" | "uat" | "demo" | "mock" | "fake" | "preprod" | "ci"
            | "debug" | "e2e" | "nonprod" => return Some(Env::NonProduction),
            _ => {}
        }
    }
    found
}

/// The key assigned on a line before byte `pos` of it: `SANDBOX_URL = "…"` → `SANDBOX_URL`,
/// `sandbox: "…"` → `sandbox`, `"production": {"url": "…"}` → `url`, `define('X', '…')` → `X`.
pub fn assigned_key(line: &str, pos: usize, lang: Lang) -> Option<&str> {
    let mask = code_mask(line, lang);
    let b = line.as_bytes();
    let mut i = pos.min(b.len());
    while i > 0 {
        i -= 1;
        let c = b[i];
        // PHP define('KEY', 'value') / Java put("key", "value") / Go map literals: a quoted key then a comma.
        let op = mask[i]
            && (c == b'=' && b.get(i + 1) != Some(&b'=') && (i == 0 || !matches!(b[i - 1], b'=' | b'!' | b'<' | b'>'))
                || c == b':'
                    && b.get(i + 1) != Some(&b'/')
                    && b.get(i + 1) != Some(&b':')
                    && (i == 0 || b[i - 1] != b':')
                || c == b'>' && i > 0 && b[i - 1] == b'=');
        let comma_key = c == b',' && mask[i] && line[..i].trim_end().ends_with(['\'', '"']);
        if op || comma_key {
            let mut j = if c == b'>' { i - 1 } else { i };
            if j > 0 && b[j - 1] == b':' {
                j -= 1; // Go :=
            }
            let before = line[..j].trim_end();
            let before = before.trim_end_matches(['"', '\'', ']', ' ']);
            let start = before
                .rfind(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.' | '$')))
                .map_or(0, |p| p + 1);
            let key = &before[start..];
            return (!key.is_empty()).then_some(key);
        }
    }
    None
}

/// Every key assigned on a line before byte `pos`, nearest first: `sandbox: { url: '…'` →
/// `url`, `sandbox`.
pub fn line_keys(line: &str, pos: usize, lang: Lang) -> Vec<&str> {
    let mut out = Vec::new();
    let mut p = pos;
    while let Some(k) = assigned_key(line, p, lang) {
        let Some(at) = line[..p].rfind(k) else {
            break;
        };
        out.push(k);
        if at == 0 {
            break;
        }
        p = at;
    }
    out
}

/// The environment of the section enclosing 0-based line `n`: an indentation parent key
/// (`production:` in YAML, `"sandbox": {` in JSON, `production = {` in code), a `[production]`
/// TOML/INI header, or a Spring profile (`spring.config.activate.on-profile: prod`) in the same
/// YAML document.
pub fn section_env(view: &FileView<'_>, n: usize) -> Option<Env> {
    section_env_by(view, n, &|w| env_of_words(w))
}

/// [`section_env`] with the environment of a key's words decided by `env_of`.
pub fn section_env_by(view: &FileView<'_>, n: usize, env_of: &dyn Fn(&[String]) -> Option<Env>) -> Option<Env> {
    let mut cur = indent(view.line(n));
    let lang = view.ctx.lang;
    let mut i = n;
    while i > 0 && n - i < 300 {
        i -= 1;
        let line = view.line(i);
        let t = line.trim();
        if t.is_empty() || is_comment_line(line, lang) {
            continue;
        }
        if lang == Lang::Yaml && (t == "---" || t.starts_with("--- ")) {
            return None;
        }
        if lang == Lang::Yaml
            && (t.contains("on-profile:") || t.starts_with("profiles:") || t.contains("spring.profiles:"))
        {
            let v = t.rsplit(':').next().unwrap_or_default();
            if let Some(env) = env_of(&words(v)) {
                return Some(env);
            }
        }
        if t.starts_with('[') && t.ends_with(']') && matches!(lang, Lang::KeyValue | Lang::Other) {
            return env_of(&words(t));
        }
        let ind = indent(line);
        if ind < cur {
            cur = ind;
            let key = t
                .split([':', '=', '{', '('])
                .next()
                .unwrap_or_default()
                .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
            if let Some(env) = env_of(&words(key)) {
                return Some(env);
            }
            if ind == 0 {
                return None;
            }
        }
    }
    None
}
