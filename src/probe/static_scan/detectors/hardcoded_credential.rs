//! `hardcoded-credential`: Exirom `merchantKey`/`merchantSecret`, API keys, passwords, bearer tokens,
//! JWTs, private keys (PEM blocks) and cloud/vendor keys written literally in code or configuration.
//!
//! The pattern locates candidates: a secret-ish word (`secret`, `token`, `password`, `api_key`,
//! `merchantKey`…), a PEM header, a JWT, a `Bearer` header value or a vendor key prefix (`AKIA`,
//! `ghp_`, `sk_live_`, `xox?-`, `AIza`…). The detector then reads the code around it:
//!
//! - **assignments**: the whole identifier (`EXIROM_MERCHANT_SECRET`, `exirom.merchant.secret`,
//!   `"merchantKey"`) followed by `=`, `:`, `=>`, `:=`, a `,` after a quoted key (`define('K', 'v')`),
//!   a setter call (`setApiKey("…")`), `ENV K v`, `<k>v</k>`, `key="K" value="v"`, `${K:default}`;
//!   in code the value must be a string literal (an expression is not a literal), in configuration
//!   (YAML, .env, .properties, Dockerfile, compose, tfvars) the key must start the entry. The
//!   fallback literal of an environment lookup (`process.env.K || "…"`) counts.
//! - **values** must look like a credential: no whitespace, long enough, varied enough (several
//!   character classes or high entropy), not an environment reference (`${X}`, `$X`, `{{ … }}`,
//!   `%X%`), not a placeholder (`changeme`, `<your-secret>`, `xxx`, `example`, `your_…`, `…`), not a
//!   path or URL, not an `ALL_CAPS` reference name.
//! - in **tests and examples**, values that say they are fake (`GOLIVEFAKE`, `fake`, `dummy`,
//!   `test`, `mock`…) are fixtures, and PEM blocks, JWTs and bearer values are not reported.
//!
//! See: API.md §2 ("keep key and secret in environment variables or a secrets manager, never in
//! source").

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{self, code_mask, is_comment_line, words};
use super::credential_words::{
    FAKE_WORDS, KEY_QUALIFIERS, NOT_SECRET_WORDS, PLACEHOLDER_WORDS, PLACEHOLDERS, SECRET_WORDS,
};
use super::{Detection, Detector, FileView};
use crate::probe::static_scan::context::{Kind, Lang};
use crate::probe::static_scan::mask::Sensitive;

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "hardcoded-credential", file_level: false, keywords: &[], finder: None, detect };

static FORMATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(?:AKIA|ASIA)[0-9A-Z]{16}",
        r"|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|[sr]k_live_[A-Za-z0-9]{16,}",
        r"|AIza[0-9A-Za-z_-]{35}",
        r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
        r"|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|shp(?:at|ss|ca)_[a-fA-F0-9]{32}",
        r"|hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{16,})",
    ))
    .expect("a literal regex that is tested")
});

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}")
        .expect("a literal regex that is tested")
});

static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:bearer)\s+([A-Za-z0-9._~+/=-]{20,})").expect("a literal regex that is tested"));

static ENV_FALLBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"^\s*(?:process\.env(?:\.[A-Za-z0-9_]+|\[[^\]]+\])|import\.meta\.env\.[A-Za-z0-9_]+|os\.environ\.get\([^,)]*|os\.getenv\([^,)]*"#,
        r#"|getenv\([^,)]*\)?|ENV\.fetch\([^,)]*|ENV\[[^\]]+\]|System\.getenv\([^)]*\)|\$_ENV\[[^\]]+\]|\$_SERVER\[[^\]]+\]"#,
        r#"|env\([^,)]*|getEnv\([^,)]*|os\.Getenv\([^)]*\)|System\.getenv\(\)\.getOrDefault\([^,]*|Environment\.GetEnvironmentVariable\([^)]*\))"#,
        r#"\s*(?:\|\||\?\?|\?:|\bor\b|,)\s*"#,
    ))
    .expect("a literal regex that is tested")
});

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let lang = view.ctx.lang;
    // Tests, examples and dev/test/CI-specific configuration (`.env.test`, `config/ci.yml`) hold
    // fixtures: a value there that says it is fake is one.
    let fake_ctx = view.ctx.is(Kind::Test) || view.ctx.is(Kind::Example) || view.ctx.is_non_production();
    let mut out: Vec<Detection> = Vec::new();
    // Where each value found starts, so one value is reported once (a set: a file with many
    // findings must not cost a pass over the earlier ones per finding).
    let mut seen = std::collections::HashSet::new();
    for h in hits {
        let text = view.text;
        let line_no = view.line_of(h.start);
        let line = view.line(line_no);
        if is_comment_line(line, lang) && !matches!(lang, Lang::KeyValue | Lang::Shell) || view.in_docstring(h.start) {
            continue;
        }
        let rest = &text[h.start..];
        let found = if rest.starts_with("-----BEGIN") {
            if fake_ctx { None } else { pem(view, h.start) }
        } else if rest.starts_with("eyJ") {
            if fake_ctx { None } else { jwt(text, h.start) }
        } else if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case("bearer") {
            if fake_ctx { None } else { bearer(text, h.start) }
        } else if let Some(m) = FORMATS.find(rest) {
            let v = &text[h.start..h.start + m.end()];
            (!v.to_ascii_lowercase().contains("example") && (!fake_ctx || !has_fake_marker(v))).then(|| {
                Detection::sensitive(h.start..h.start + m.end(), h.start..h.start + m.end(), Sensitive::Secret)
            })
        } else {
            assignment(view, h.clone(), fake_ctx)
        };
        if let Some(d) = found {
            let key = d.sensitive.as_ref().map_or(d.span.start, |(r, _)| r.start);
            if seen.insert(key) {
                out.push(d);
            }
        }
    }
    out
}

/// A PEM private key block with a real body (not `...` or a placeholder).
fn pem(view: &FileView<'_>, start: usize) -> Option<Detection> {
    let text = view.text;
    let header_end =
        text[start..].find("-----").and_then(|i| text[start + i + 5..].find("-----").map(|j| start + i + 5 + j + 5))?;
    let body_start = header_end;
    let window = &text[body_start..(body_start + 400).min(text.len())];
    let window = &window[..floor(window, window.len())];
    let body: String = window.replace("\\n", "\n").replace("\\r", "");
    let first = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let first = first.trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == '+');
    let ok = first.len() >= 40
        && first.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && !body.contains("...");
    if !ok {
        return None;
    }
    let end = text[body_start..].find("-----END").map_or((body_start + 64).min(text.len()), |i| body_start + i);
    Some(Detection::sensitive(start..header_end, body_start..end, Sensitive::Secret))
}

fn jwt(text: &str, start: usize) -> Option<Detection> {
    let m = JWT.find(&text[start..])?;
    let end = start + m.end();
    // The jwt.io sample token, copied into countless READMEs and tests.
    if text[start..end].ends_with("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c") {
        return None;
    }
    Some(Detection::sensitive(start..end, start..end, Sensitive::Secret))
}

fn bearer(text: &str, start: usize) -> Option<Detection> {
    let c = BEARER.captures(&text[start..])?;
    let tok = c.get(1)?;
    let v = tok.as_str();
    if is_placeholder(v) || !looks_random(v, true) {
        return None;
    }
    let r = start + tok.start()..start + tok.end();
    Some(Detection::sensitive(start..r.end, r, Sensitive::Secret))
}

/// How strongly a key names a credential.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// `merchantSecret`, `api_key`, `client_secret`, `password`: any varied value counts.
    Strong,
    /// A bare `token`/`pass`: the value must look random.
    Weak,
}

fn key_strength(key: &str) -> Option<Strength> {
    let w = words(key);
    if w.iter().any(|x| NOT_SECRET_WORDS.contains(&x.as_str())) {
        return None;
    }
    let has = |s: &str| w.iter().any(|x| x == s);
    let secretish = w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()));
    let key_pair = has("key") && w.iter().any(|x| KEY_QUALIFIERS.contains(&x.as_str()));
    if !secretish && !key_pair {
        return None;
    }
    let weak = !key_pair
        && w.iter().all(|x| matches!(x.as_str(), "token" | "pass" | "tokens" | "my" | "the" | "x" | "value" | "str"));
    Some(if weak { Strength::Weak } else { Strength::Strong })
}

/// A credential assigned to a secret-ish key around the keyword at `hit`.
fn assignment(view: &FileView<'_>, hit: Range<usize>, fake_ctx: bool) -> Option<Detection> {
    let text = view.text;
    let lang = view.ctx.lang;
    let b = text.as_bytes();
    // The whole key: identifier characters plus `.`/`-` (properties, YAML, headers).
    let is_key = |c: u8| code::is_ident_byte(c) || c == b'.' || c == b'-' || c == b'@';
    let mut ks = hit.start;
    while ks > 0 && is_key(b[ks - 1]) {
        ks -= 1;
    }
    let mut ke = hit.end;
    while ke < b.len() && is_key(b[ke]) {
        ke += 1;
    }
    while ks < ke && matches!(b[ks], b'.' | b'-') {
        ks += 1;
    }
    let key = text[ks..ke].trim_end_matches(['.', '-']);
    let ke = ks + key.len();
    // Terraform/HCL: `variable "exirom_secret" {` … `default = "…"` on a following line.
    if text[..ks].ends_with('"') && view.line_at(hit.start).trim_start().starts_with("variable") {
        return hcl_default(view, view.line_of(hit.start), key, fake_ctx);
    }
    // Kubernetes/compose env entries: `- name: EXIROM_SECRET` then `value: …` on the next line.
    let own_line = view.line_at(hit.start).trim_start().trim_start_matches("- ");
    if own_line.starts_with("name:") && own_line.trim_end().trim_end_matches(['"', '\'']).ends_with(key) {
        return named_value(view, view.line_of(hit.start), key, fake_ctx);
    }
    // Cheap first: an assignment operator (or XML/ENV form) must follow the key.
    let after = text[ke..].trim_start_matches(['"', '\'', '`', ']', ' ', '\t']);
    let env_form = matches!(view.ctx.lang, Lang::Shell | Lang::Other | Lang::KeyValue);
    if !after.starts_with(['=', ':', ',', '(', '>']) && !after.starts_with("value=") && !env_form {
        return None;
    }
    // Terraform/HCL: `variable "exirom_secret" { default = "…" }` names the secret in the block.
    let strength = match key_strength(key) {
        Some(st) => st,
        None if key == "default" => key_strength(&hcl_variable_name(view, view.line_of(hit.start))?)?,
        None => return None,
    };
    let line_no = view.line_of(hit.start);
    let lr = view.line_range(line_no);
    let line = &text[lr.clone()];
    let kpos = ks - lr.start;
    let config = matches!(lang, Lang::Yaml | Lang::KeyValue | Lang::Shell | Lang::Json | Lang::Xml | Lang::Other)
        || view.ctx.is(Kind::Config);
    let mask = code_mask(line, lang);
    let key_in_string = !mask.get(kpos).copied().unwrap_or(true);

    let (value, quoted) = value_after(view, line, lr.start, ke - lr.start, key_in_string, config)?;
    let v = &text[value.clone()];
    if !quoted && !config && !key_in_string {
        return None;
    }
    if !plausible(v, strength, fake_ctx) || fake_ctx && (toy_jwt(v) || mocks(line)) {
        return None;
    }
    let before = line[..kpos].trim_end();
    if config && !quoted && !key_starts_entry(before) {
        return None;
    }
    Some(Detection::sensitive(ks..value.end.max(ke), value, Sensitive::Secret))
}

/// The `default = "…"` of the HCL variable block starting at 0-based line `n` named `name`.
fn hcl_default(view: &FileView<'_>, n: usize, name: &str, fake_ctx: bool) -> Option<Detection> {
    let strength = key_strength(name)?;
    for i in n..(n + 8).min(view.line_count()) {
        let lr = view.line_range(i);
        let line = &view.text[lr.clone()];
        if i > n && line.trim_start().starts_with('}') {
            return None;
        }
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("default") else {
            continue;
        };
        let rest = rest.trim_start().strip_prefix('=')?.trim_start().strip_prefix('"')?;
        let end = rest.find('"')?;
        let start = lr.start + (line.len() - rest.len());
        let value = start..start + end;
        if !plausible(&view.text[value.clone()], strength, fake_ctx) {
            return None;
        }
        let key_start = lr.start + (line.len() - t.len());
        return Some(Detection::sensitive(key_start..value.end, value, Sensitive::Secret));
    }
    None
}

/// The literal `value:` of a name/value pair whose `name: <name>` is on 0-based line `n`
/// (Kubernetes `env` entries); `valueFrom:` and references are not literals.
fn named_value(view: &FileView<'_>, name_line: usize, name: &str, fake_ctx: bool) -> Option<Detection> {
    let strength = key_strength(name)?;
    let lr = view.line_range(name_line + 1);
    let line = &view.text[lr.clone()];
    let entry = line.trim_start();
    let rest = entry.strip_prefix("value:")?;
    let raw = rest.trim();
    let (value, skip) = match raw.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = &raw[1..];
            (&inner[..inner.find(quote)?], 1)
        }
        _ => (raw.split(" #").next().unwrap_or(raw).trim_end(), 0),
    };
    if value.is_empty() || !plausible(value, strength, fake_ctx) {
        return None;
    }
    let start = lr.start + (line.len() - rest.trim_start().len()) + skip;
    let key_start = lr.start + (line.len() - entry.len());
    Some(Detection::sensitive(key_start..start + value.len(), start..start + value.len(), Sensitive::Secret))
}

/// The name of the HCL `variable "name" {` block enclosing 0-based line `n` (within 6 lines).
fn hcl_variable_name(view: &FileView<'_>, n: usize) -> Option<String> {
    (n.saturating_sub(6)..=n).rev().find_map(|i| {
        let t = view.line(i).trim_start();
        let rest = t.strip_prefix("variable")?.trim_start().strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_string())
    })
}

/// Whether an unquoted config key begins its entry (line start, `- `, `export `, `ENV `, `{`, `,`).
fn key_starts_entry(before: &str) -> bool {
    let t = before.trim_start_matches(|c: char| c.is_whitespace() || c == '-');
    t.is_empty()
        || ["export", "ENV", "ARG", "set", "setenv", "SetEnv", "--", "-e", "env"].iter().any(|p| t.trim_end() == *p)
        || t.ends_with(['{', ',', '"', '\'', ';', '?', '&', '<'])
}

/// The value assigned after the key ending at line offset `kend`: (absolute range, was it quoted).
#[allow(clippy::many_single_char_names)] // a byte scanner: b(ytes), i/j (cursors), s/e (start/end)
fn value_after(
    view: &FileView<'_>,
    line: &str,
    line_start: usize,
    kend: usize,
    key_in_string: bool,
    config: bool,
) -> Option<(Range<usize>, bool)> {
    let lang = view.ctx.lang;
    let b = line.as_bytes();
    let mut i = kend;
    let before_key = line[..kend].trim_end_matches(|c: char| code::is_ident_byte(c as u8) || matches!(c, '.' | '-'));
    // ${KEY:default} / ${KEY:-default} (Spring, shell, compose).
    if before_key.ends_with("${") {
        let rest = &line[i..];
        let d = rest.strip_prefix(":-").or_else(|| rest.strip_prefix(':'))?;
        let end = d.find('}')?;
        let start = line_start + (line.len() - rest.len()) + (rest.len() - d.len());
        return Some((start..start + end, true));
    }
    // Skip a closing quote or bracket of the key.
    let mut key_closed = false;
    while i < b.len() && matches!(b[i], b'"' | b'\'' | b'`' | b']') {
        key_closed |= b[i] != b']';
        i += 1;
    }
    while i < b.len() && b[i] == b' ' || i < b.len() && b[i] == b'\t' {
        i += 1;
    }
    let rest = &line[i..];
    // XML: <merchantSecret>value</merchantSecret> and key="X" value="v".
    if before_key.ends_with('<') && rest.starts_with('>') {
        let v = &rest[1..];
        let end = v.find('<')?;
        let s = line_start + i + 1;
        return Some((s..s + end, true));
    }
    if let Some(p) = rest.find("value=\"").filter(|p| rest[..*p].trim().is_empty()) {
        let v = &rest[p + 7..];
        let end = v.find('"')?;
        let s = line_start + i + p + 7;
        return Some((s..s + end, true));
    }
    let op_len = if rest.starts_with("==") || rest.starts_with("!=") || rest.starts_with("===") {
        return None;
    } else if rest.starts_with(":=") || rest.starts_with("=>") {
        2
    } else if rest.starts_with('=')
        || rest.starts_with(':') && !rest.starts_with("::")
        || rest.starts_with(',') && key_closed && first_call_argument(before_key)
        || rest.starts_with('(') && setter_like(&line[..kend])
    {
        1
    } else if config
        && i > kend
        && !rest.is_empty()
        && (line.trim_start().starts_with("ENV ") || line.trim_start().starts_with("ARG "))
    {
        0
    } else {
        return None;
    };
    let mut j = i + op_len;
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    // Type annotations: `SECRET: str = "…"`, `secret: string = '…'`.
    if !config && rest.starts_with(':') {
        let after = &line[j..];
        if let Some(eq) = after.find('=')
            && after[..eq].bytes().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'_' | b' ' | b'[' | b']' | b'<' | b'>' | b'.' | b'|' | b'?')
            })
            && !after[eq..].starts_with("==")
            && !after[eq..].starts_with("=>")
        {
            j += eq + 1;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
        }
    }
    // process.env.X || "fallback", opts.secret ?? 'fallback', getenv('X') ?: '…', x or "…"
    if let Some(m) = ENV_FALLBACK.find(&line[j..]) {
        j += m.end();
    } else if !line[j..].starts_with(['"', '\'', '`']) && !config {
        let mask = code_mask(line, lang);
        let fallback = ["||", "??", "?:", " or "].iter().filter_map(|op| {
            let mut from = j;
            let mut found = None;
            while let Some(p) = line[from..].find(op) {
                let at = from + p;
                if mask.get(at).copied().unwrap_or(false) {
                    found = Some(at + op.len());
                }
                from = at + op.len();
            }
            found
        });
        if let Some(after) = fallback.max() {
            let t = line[after..].trim_start();
            if t.starts_with(['"', '\'', '`']) {
                j = line.len() - t.len();
            }
        }
    }
    let vstart = j;
    let rest = &line[vstart..];
    let first = rest.bytes().next()?;
    // Python/C# string prefixes.
    let (skip, q) = match first {
        b'"' | b'\'' | b'`' => (0, Some(first)),
        b'b' | b'r' | b'u' | b'f' | b'@' if rest.len() > 1 && matches!(rest.as_bytes()[1], b'"' | b'\'') => {
            (1, Some(rest.as_bytes()[1]))
        }
        _ => (0, None),
    };
    if let Some(q) = q {
        let body = &rest[skip + 1..];
        let end = body.find(char::from(q))?;
        let v = &body[..end];
        if q == b'`' && v.contains("${") || skip == 1 && first == b'f' && v.contains('{') {
            return None;
        }
        let s = line_start + vstart + skip + 1;
        return Some((s..s + end, true));
    }
    // In code, an unquoted value is an expression, except inside the key's own string
    // (`"Server=db;Password=…;"`, `"?api_key=…&"`).
    if !config && (!key_in_string || key_closed) && lang != Lang::Shell {
        return None;
    }
    // Unquoted: to whitespace, comment, or a delimiter.
    let stop: &[char] = if key_in_string {
        &[';', '&', '"', '\'', ' ', '\t', ',', ')']
    } else {
        &[' ', '\t', '#', ';', ',', '}', '"', '\'']
    };
    let end = rest.find(stop).unwrap_or(rest.len());
    let s = line_start + vstart;
    (end > 0).then_some((s..s + end, false))
}

/// Whether the quoted key is the first argument of a call (`define('KEY', …)`, `put("key", …)`,
/// `setenv("KEY", …)`): `before_key` ends with the opening quote after `(`.
fn first_call_argument(before_key: &str) -> bool {
    before_key.trim_end_matches(['"', '\'']).trim_end().ends_with('(')
}

/// `setApiKey(`, `withSecret(`, `.apiKey(` (builders).
fn setter_like(before_paren: &str) -> bool {
    let ident_start = before_paren.rfind(|c: char| !(code::is_ident_byte(c as u8))).map_or(0, |p| p + 1);
    let ident = &before_paren[ident_start..];
    let w = words(ident);
    w.first().is_some_and(|f| matches!(f.as_str(), "set" | "with" | "use"))
        || before_paren[..ident_start].ends_with('.')
}

/// Whether a value is plausibly a real credential for a key of this strength.
fn plausible(v: &str, strength: Strength, fake_ctx: bool) -> bool {
    let n = v.chars().count();
    if !(8..=600).contains(&n) || v.chars().any(char::is_whitespace) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let golivefake = lower.contains("golivefake");
    if fake_ctx && has_fake_marker(v) {
        return false;
    }
    // `GOLIVEFAKE` marks sample credentials (golive's fixtures and evaluation repos): outside
    // tests and examples they stand for a real secret, whatever they look like.
    if golivefake {
        return !is_reference(v);
    }
    if is_placeholder(v) {
        return false;
    }
    if is_reference(v) {
        return false;
    }
    if v.bytes().all(|c| c.is_ascii_digit()) || v.bytes().all(|c| c == v.as_bytes()[0]) {
        return false;
    }
    // Names, not secrets: letters only (`AbstractBasicAuthHandler`, `_RSAPrivateKey`) — generated
    // credentials of that length carry digits.
    if n < 32 && !golivefake && v.bytes().all(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'.' | b'-')) {
        return false;
    }
    match strength {
        Strength::Strong => looks_random(v, false) || n >= 20,
        Strength::Weak => looks_random(v, true),
    }
}

/// A JWT-shaped value too small to be a real one: an empty payload (`e30`, `{}`) or a signature of
/// a few characters (`eyJhbGciOiJIUzI1NiJ9.e30.sig`), as in test fixtures.
fn toy_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3 && parts[0].starts_with("eyJ") && (parts[1].len() < 8 || parts[2].len() < 16)
}

/// A test line that builds a mock or stub (`new MockResponse('{"token":"…"}')`, `stub_request`,
/// `nock(…)`): its values are fixtures.
fn mocks(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    ["mock", "stub", "nock(", "fake", "fixture", "respond_with", "httpretty", "wiremock"]
        .iter()
        .any(|m| lower.contains(m))
}

fn has_fake_marker(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    FAKE_WORDS.iter().any(|w| lower.contains(w))
}

/// `changeme`, `<your-secret>`, `xxx`, `example`, `test-secret`, `${…}`-free placeholders.
pub(crate) fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    // Three-letter words (`tbd`, `xxx`) turn up inside random strings (`…MpNFxtbDCrn…`, about one
    // in 600 of 32 characters): they count as whole words only (`tbd`, `xxxxxxxx`); longer ones and
    // symbols anywhere.
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let placeholder = !lower.contains("golivefake")
        && PLACEHOLDERS.iter().any(|p| {
            if p.len() >= 4 || !p.bytes().any(|b| b.is_ascii_alphanumeric()) {
                lower.contains(p)
            } else {
                words
                    .iter()
                    .any(|w| w == p || w.strip_prefix(p).is_some_and(|r| r.bytes().all(|b| b == p.as_bytes()[0])))
            }
        });
    placeholder || lower.split(['-', '_', '.', ':']).any(|w| PLACEHOLDER_WORDS.contains(&w))
}

/// Environment/secret-store references, paths, URLs, `ALL_CAPS` names and public keys: not literal
/// credentials.
fn is_reference(v: &str) -> bool {
    let t = v.trim();
    // Publishable keys are public by design; Django marks its generated key as development-only.
    if t.starts_with("pk_live_") || t.starts_with("pk_test_") || t.starts_with("django-insecure-") {
        return true;
    }
    // A regular expression (a token pattern), not a token.
    if ["(?", "[^", "\\s", "\\d", "\\w", ".*", "\\b"].iter().any(|m| t.contains(m)) {
        return true;
    }
    t.starts_with(['$', '%', '!', '{', '<', '/', '~', '@'])
        || t.starts_with("./")
        || t.starts_with("../")
        || t.contains("${")
        || t.contains("{{")
        || t.contains("://")
        || t.starts_with("ENC(")
        || t.starts_with("vault:")
        || t.starts_with("arn:")
        || t.starts_with("ref+")
        || t.starts_with("sm://")
        || t.starts_with("secretsmanager")
        || t.starts_with("process.env")
        || t.starts_with("env.")
        || t.starts_with("os.environ")
        || t.starts_with("settings.")
        || (t.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_') && t.contains('_'))
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "required" | "optional"
        )
}

/// Several character classes, or long with high entropy. `strict` (bare `token`): both.
fn looks_random(v: &str, strict: bool) -> bool {
    let classes = [
        v.bytes().any(|c| c.is_ascii_lowercase()),
        v.bytes().any(|c| c.is_ascii_uppercase()),
        v.bytes().any(|c| c.is_ascii_digit()),
        v.bytes().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    let has_digit = v.bytes().any(|c| c.is_ascii_digit());
    let e = entropy(v);
    if strict {
        classes >= 2 && has_digit && e >= 3.0 && v.len() >= 16
    } else {
        (classes >= 2 && (has_digit || classes >= 3) && e >= 2.5) || (v.len() >= 16 && e >= 3.5)
    }
}

/// Shannon entropy in bits per character.
fn entropy(v: &str) -> f64 {
    let mut counts = [0u32; 256];
    for c in v.bytes() {
        counts[usize::from(c)] += 1;
    }
    let n = v.len() as f64;
    counts.iter().filter(|c| **c > 0).map(|c| f64::from(*c) / n).map(|p| -p * p.log2()).sum()
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str) -> Vec<Range<usize>> {
        let re = Regex::new(
            r"(?i)secret|token|passw(?:or)?d|passwd|pwd|api[_.-]?key|apikey|merchant[_.-]?key|private[_.-]?key|access[_.-]?key|credential|bearer\s|-----BEGIN[A-Z ]*PRIVATE KEY-----|eyJ[A-Za-z0-9_-]{10,}\.eyJ|AKIA[0-9A-Z]{16}",
        )
        .unwrap();
        re.find_iter(text).map(|m| m.range()).collect()
    }

    fn count(path: &str, text: &str) -> usize {
        let v = FileView::new(path, text);
        detect(&v, &hits(text)).len()
    }

    #[test]
    fn positives() {
        assert_eq!(count("src/config.js", "const merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a';"), 1);
        assert_eq!(count(".env.production", "EXIROM_MERCHANT_SECRET=GOLIVEFAKE9f8a7c6b5d4e3f2a"), 1);
        assert_eq!(count("config/app.yml", "exirom:\n  merchant_key: GOLIVEFAKEmk4412ab\n"), 1);
        assert_eq!(count("settings.py", "EXIROM_SECRET = os.environ.get('EXIROM_SECRET', 'GOLIVEFAKEx7Yz91Kq')"), 1);
        assert_eq!(count("Dockerfile", "ENV EXIROM_MERCHANT_SECRET GOLIVEFAKE41xx9a8b7c"), 1);
        assert_eq!(count("src/a.php", "define('EXIROM_API_KEY', 'GOLIVEFAKEk3y9a8b7c6');"), 1);
        assert_eq!(count("src/A.java", "private static final String MERCHANT_SECRET = \"GOLIVEFAKE7Ab9c8d7e6\";"), 1);
    }

    #[test]
    fn near_misses() {
        for (p, t) in [
            ("src/config.js", "const merchantSecret = process.env.EXIROM_MERCHANT_SECRET;"),
            ("src/config.js", "const merchantSecret = '<your-merchant-secret>';"),
            (".env.example", "EXIROM_MERCHANT_SECRET=changeme"),
            ("config/app.yml", "merchant_secret: ${EXIROM_MERCHANT_SECRET}"),
            ("tests/test_pay.py", "MERCHANT_SECRET = 'GOLIVEFAKE-test-secret-123'"),
            ("src/a.ts", "if (secret === 'abc12345XYZ') {}"),
            ("src/a.ts", "const tokenExpiresAt = 'abc12345XYZ7890';"),
            ("src/a.ts", "password: req.body.password,"),
            ("k8s/deploy.yml", "secretName: exirom-credentials"),
            ("src/a.ts", "const API_KEY_HEADER = 'X-Api-Key';"),
            ("src/form.tsx", "<input type=\"password\" placeholder=\"Password\" />"),
        ] {
            assert_eq!(count(p, t), 0, "{p}: {t}");
        }
    }
}
