//! `sandbox-url`: the sandbox host `sandbox.api.exirom.com` as the value production uses.
//!
//! Reported: any use in a production configuration file (`.env.production`, `config/production.*`,
//! `application-prod.yml`, `values-prod.yaml`…) or in a production section of a shared one; the
//! default of an environment lookup (`process.env.X || "…sandbox…"`, `os.getenv("X", "…")`,
//! `${X:-…}`, `@Value("${x:…}")`); the production branch of an environment ternary; a hard-coded
//! base URL in code or generic configuration. Not reported: comments, tests and docs (rule `skip`),
//! sandbox/dev/staging-specific files, sections, keys (`SANDBOX_URL = …`, `sandbox: …`) and
//! branches (`isProd ? prod : sandbox`, `if env == "sandbox":`), and prose that mentions the host.
//! See: API.md §1 (environments) and the Going to Production guide.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{self, env_of_words, is_comment_line, section_env, words};
use super::{Detection, Detector, FileView};
use crate::probe::static_scan::context::{Env, Lang};

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "sandbox-url", file_level: false, keywords: &[], finder: None, detect };

static ENV_LOOKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)process\.env|import\.meta\.env|os\.getenv|os\.environ|getenv\s*\(|env\s*\(|ENV\s*(?:\.fetch|\[)",
        r"|System\.getenv|Environment\.GetEnvironmentVariable|\$_ENV|\$_SERVER|viper\.|config\s*\(|settings\.get",
        r"|\$\{[A-Za-z0-9_.-]+:-?|LookupEnv|dotenv|os\.Getenv|getOrDefault|Deno\.env",
    ))
    .expect("a literal regex that is tested")
});

static CONDITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\}\s*)?(?:if|elif|elsif|else\s+if|unless|case|when|switch)\b|^\s*case\s")
        .expect("a literal regex that is tested")
});

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let mut out = Vec::new();
    for hit in hits {
        if let Some(note) = judge(view, hit) {
            out.push(Detection::at(hit.clone()).value(view.text[hit.clone()].to_ascii_lowercase()).note(note));
        }
    }
    out
}

/// Why this occurrence is the value production uses, or `None` when it is not.
fn judge(view: &FileView<'_>, hit: &Range<usize>) -> Option<&'static str> {
    let lang = view.ctx.lang;
    let n = view.line_of(hit.start);
    let lr = view.line_range(n);
    let line = &view.text[lr.clone()];
    let pos = hit.start - lr.start;
    if is_comment_line(line, lang) || in_comment(line, pos, lang) || view.in_docstring(hit.start) {
        return None;
    }
    if view.ctx.is_production() {
        return Some("sandbox URL in production configuration");
    }
    if view.ctx.is_non_production() {
        return None;
    }
    if in_prose(line, pos, lang) || in_required_message(&line[..pos]) {
        return None;
    }
    // An environment ternary decides by its branch.
    if let Some(prod) = ternary_branch_is_production(line, pos, lang).or_else(|| multiline_ternary(view, n)) {
        return prod.then_some("sandbox URL in the production branch");
    }
    let lookup = ENV_LOOKUP.find(&line[..pos]);
    // The key being assigned: SANDBOX_URL = … / sandbox: … / production_url: …
    if let Some(env) = code::line_keys(line, pos, lang).into_iter().find_map(|k| env_of_words(&words(k))) {
        if env == Env::NonProduction {
            return None;
        }
        return Some("sandbox URL in production configuration");
    }
    match section_env(view, n) {
        Some(Env::NonProduction) => return None,
        Some(Env::Production) => return Some("sandbox URL in production configuration"),
        _ => {}
    }
    if let Some(env) = branch_env(view, n) {
        return (env == Env::Production).then_some("sandbox URL in the production branch");
    }
    if lookup.is_some() {
        return Some("sandbox URL as the default of an environment lookup");
    }
    Some("hard-coded sandbox base URL")
}

/// Whether `pos` lies in a trailing comment of the line.
fn in_comment(line: &str, pos: usize, lang: Lang) -> bool {
    let mask = code::code_mask(line, lang);
    // In a string (`mask` false) the URL may be a value; in a comment everything after the marker is
    // masked too, so look for a comment marker in code before pos.
    let b = line.as_bytes();
    (0..pos.min(b.len())).any(|i| {
        mask.get(i).copied().unwrap_or(false)
            && (b[i..].starts_with(b"//") && lang.slash_comments() && (i == 0 || b[i - 1] != b':')
                || b[i] == b'#' && lang.hash_comments() && (i == 0 || b[i - 1].is_ascii_whitespace()))
    })
}

/// Whether the URL is in the error message of a required variable (`${EXIROM_BASE_URL:?set it,
/// e.g. https://sandbox.api.exirom.com/api}` in shell or docker-compose), not its value.
fn in_required_message(before: &str) -> bool {
    before.rfind("${").is_some_and(|o| {
        let inner = &before[o + 2..];
        !inner.contains('}')
            && inner.find('?').is_some_and(|q| {
                inner[..q].trim_end_matches(':').bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            })
    })
}

/// Whether the URL sits inside a string literal that is prose (an error or log message).
fn in_prose(line: &str, pos: usize, lang: Lang) -> bool {
    let mask = code::code_mask(line, lang);
    if mask.get(pos).copied().unwrap_or(true) {
        return false;
    }
    let b = line.as_bytes();
    let mut s = pos;
    while s > 0 && !mask[s - 1] {
        s -= 1;
    }
    let mut e = pos;
    while e < b.len() && !mask[e] {
        e += 1;
    }
    let lit = line[s..e].trim_matches(|c| c == '"' || c == '\'' || c == '`');
    lit.split_whitespace().count() > 2
}

/// For `cond ? a : b` (and Python `a if cond else b`) around `pos`: whether the branch holding the
/// URL is the production one. `None` when the line has no ternary or the condition names no
/// environment.
fn ternary_branch_is_production(line: &str, pos: usize, lang: Lang) -> Option<bool> {
    let mask = code::code_mask(line, lang);
    let b = line.as_bytes();
    if lang == Lang::Python {
        let (if_at, else_at) = (line.find(" if "), line.find(" else "));
        let (Some(i), Some(e)) = (if_at, else_at) else {
            return None;
        };
        let cond = &line[i + 4..e];
        let is_prod = cond_is_production(cond)?;
        let in_true = pos < i;
        return Some(in_true == is_prod);
    }
    let q = (0..b.len()).find(|&i| {
        // Not `??` (null coalescing) nor `?.` (optional chaining).
        mask[i] && b[i] == b'?' && !matches!(b.get(i + 1), Some(b'?' | b'.')) && (i == 0 || b[i - 1] != b'?')
    })?;
    let colon = (q + 1..b.len()).find(|&i| mask[i] && b[i] == b':' && b.get(i + 1) != Some(&b':'))?;
    let start = cond_start(&b[..q]);
    let is_prod = cond_is_production(&line[start..q])?;
    let in_true = pos > q && pos < colon;
    Some(in_true == is_prod)
}

/// A ternary split over lines, the branch on line `n`:
/// ```text
/// const BASE = process.env.NODE_ENV === 'production'
///   ? process.env.EXIROM_BASE_URL ?? 'https://sandbox…'   // production branch
///   : 'https://sandbox…';                                   // not
/// ```
/// The condition is the end of the line above the `?` line. `None` when line `n` does not start a
/// branch or the condition names no environment.
fn multiline_ternary(view: &FileView<'_>, n: usize) -> Option<bool> {
    let is_q = |l: &str| {
        let t = l.trim_start();
        t.starts_with('?') && !t.starts_with("??") && !t.starts_with("?.")
    };
    let t = view.line(n).trim_start();
    let (in_true, q) = if is_q(t) {
        (true, n)
    } else if t.starts_with(':') && !t.starts_with("::") {
        (false, (n.saturating_sub(8)..n).rev().find(|&i| is_q(view.line(i)))?)
    } else {
        return None;
    };
    let cond_line = view.line(q.checked_sub(1)?);
    let cond = &cond_line[cond_start(cond_line.as_bytes())..];
    let is_prod = cond_is_production(cond)?;
    Some(in_true == is_prod)
}

/// Where the condition before a `?` starts: after the assignment `=` (not a comparison), `(`, `,`,
/// `return` or `||`.
fn cond_start(b: &[u8]) -> usize {
    let mut depth = 0i32;
    for i in (0..b.len()).rev() {
        match b[i] {
            b')' => depth += 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' | b',' | b'{' => return i + 1,
            b'=' if depth == 0 => {
                let prev = i.checked_sub(1).map(|j| b[j]);
                let next = b.get(i + 1).copied();
                if !matches!(prev, Some(b'=' | b'!' | b'<' | b'>')) && next != Some(b'=') && next != Some(b'>') {
                    return i + 1;
                }
            }
            b':' if depth == 0 && b.get(i + 1) != Some(&b':') && i > 0 && b[i - 1] != b':' => return i + 1,
            _ => {}
        }
    }
    0
}

/// Whether a condition tests for production (`NODE_ENV === 'production'`, `isProd`) — `Some(false)`
/// when it tests for a non-production environment or negates production.
fn cond_is_production(cond: &str) -> Option<bool> {
    let w = words(cond);
    let env = env_of_words(&w)?;
    let negated = cond.contains("!=") || cond.contains('!') && !cond.contains("!=") || w.iter().any(|x| x == "not");
    let prod = env == Env::Production;
    Some(prod != negated)
}

/// The environment of an `if`/`case`/`when` branch whose condition is on one of the 3 lines above.
fn branch_env(view: &FileView<'_>, n: usize) -> Option<Env> {
    let ind = code::indent(view.line(n));
    for i in (n.saturating_sub(3)..n).rev() {
        let line = view.line(i);
        if line.trim().is_empty() {
            continue;
        }
        if code::indent(line) >= ind && !CONDITION.is_match(line) {
            continue;
        }
        if CONDITION.is_match(line) {
            let is_prod = cond_is_production(line)?;
            return Some(if is_prod { Env::Production } else { Env::NonProduction });
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str, text: &str) -> Vec<&'static str> {
        let v = FileView::new(path, text);
        let hits: Vec<Range<usize>> =
            text.match_indices("sandbox.api.exirom.com").map(|(i, m)| i..i + m.len()).collect();
        detect(&v, &hits).into_iter().filter_map(|d| d.note).collect()
    }

    #[test]
    fn positives() {
        assert_eq!(found("src/client.ts", "const BASE_URL = 'https://sandbox.api.exirom.com/api';").len(), 1);
        assert_eq!(found(".env.production", "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api").len(), 1);
        assert_eq!(
            found("src/client.js", "const base = process.env.EXIROM_URL || 'https://sandbox.api.exirom.com/api';"),
            ["sandbox URL as the default of an environment lookup"]
        );
        assert_eq!(
            found(
                "src/c.js",
                "const u = process.env.NODE_ENV === 'production' ? 'https://sandbox.api.exirom.com/api' : 'http://localhost:4000';"
            ),
            ["sandbox URL in the production branch"]
        );
        assert_eq!(found("config/app.yml", "production:\n  exirom_url: https://sandbox.api.exirom.com/api\n").len(), 1);
    }

    #[test]
    fn near_misses() {
        assert!(
            found(
                "src/c.js",
                "const u = isProd ? 'https://api.exirom.com/api' : 'https://sandbox.api.exirom.com/api';"
            )
            .is_empty()
        );
        assert!(found("src/c.js", "const u = process.env.NODE_ENV !== 'production' ? 'https://sandbox.api.exirom.com/api' : 'https://api.exirom.com/api';").is_empty());
        assert!(found("src/c.ts", "  baseUrl: process.env.EXIROM_BASE_URL ?? (isProduction ? 'https://api.exirom.com/api' : 'https://sandbox.api.exirom.com/api'),").is_empty());
        assert!(!found("src/c.ts", "  baseUrl: process.env.EXIROM_BASE_URL ?? (isProduction ? 'https://sandbox.api.exirom.com/api' : 'http://localhost:4010'),").is_empty());
        assert!(found(".env.development", "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api").is_empty());
        let split = "const BASE_URL =\n  process.env.NODE_ENV === 'production'\n    ? process.env.EXIROM_BASE_URL ?? 'https://sandbox.api.exirom.com/api'\n    : 'https://sandbox.api.exirom.com/api';\n";
        assert_eq!(found("src/lib/exirom.ts", split), ["sandbox URL in the production branch"]);
        let split = "export const url = isProd\n  ? 'https://api.exirom.com/api'\n  : process.env.EXIROM_BASE_URL ?? 'https://sandbox.api.exirom.com/api';\n";
        assert!(found("src/config.js", split).is_empty());
        assert!(found("docker-compose.yml", "      EXIROM_BASE_URL: ${EXIROM_BASE_URL:?set EXIROM_BASE_URL, e.g. https://sandbox.api.exirom.com/api for local runs}").is_empty());
        assert!(
            !found(
                "docker-compose.yml",
                "      EXIROM_BASE_URL: ${EXIROM_BASE_URL:-https://sandbox.api.exirom.com/api}"
            )
            .is_empty()
        );
        assert!(found("src/c.py", "SANDBOX_URL = 'https://sandbox.api.exirom.com/api'").is_empty());
        assert!(found("src/c.ts", "// default: https://sandbox.api.exirom.com/api").is_empty());
        assert!(found("config/app.yml", "sandbox:\n  exirom_url: https://sandbox.api.exirom.com/api\n").is_empty());
        assert!(
            found("src/c.ts", "throw new Error('do not use https://sandbox.api.exirom.com in production');").is_empty()
        );
        assert!(
            found(
                "src/c.py",
                "URLS = {'sandbox': 'https://sandbox.api.exirom.com/api', 'production': 'https://api.exirom.com/api'}"
            )
            .is_empty()
        );
        assert!(
            found("src/c.py", "if env == 'sandbox':\n    base = 'https://sandbox.api.exirom.com/api'\n").is_empty()
        );
    }
}
