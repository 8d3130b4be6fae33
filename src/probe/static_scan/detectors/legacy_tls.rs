//! `legacy-tls`: code or configuration that enables TLS 1.0/1.1 or SSL.
//!
//! The pattern finds protocol tokens across stacks: Node (`secureProtocol: 'TLSv1_method'`,
//! `minVersion: 'TLSv1'`, `--tls-min-v1.0`), Python (`ssl.PROTOCOL_TLSv1`, `TLSVersion.TLSv1_1`),
//! Java (`SSLContext.getInstance("TLSv1")`, `enabled-protocols=TLSv1`), Go (`tls.VersionTLS10`),
//! nginx/Apache/HAProxy (`ssl_protocols`, `SSLProtocol`, `ssl-min-ver`), curl/PHP
//! (`CURL_SSLVERSION_TLSv1_0`, `CURLOPT_SSLVERSION, 4`), .NET (`SecurityProtocolType.Tls11`), Ruby
//! (`TLS1_1_VERSION`), cloud settings (`min_tls_version = "1.0"`, old ELB policies). The detector
//! reads the version each token names and drops TLS 1.2/1.3, tokens that *disable* a version
//! (`OP_NO_TLSv1`, `-TLSv1`, `no-tlsv10`, `disabledAlgorithms`), comparisons and version-name
//! tables, comments, and prose. One finding per line.
//! See: API.md §1 ("TLS 1.2 or newer is mandatory") and PCI DSS 4.0 req. 4.2.1.

use std::ops::Range;

use super::code::{code_mask, is_comment_line};
use super::{Detection, Detector, FileView};

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "legacy-tls", file_level: false, keywords: &[], finder: None, detect };

const DISABLE_WORDS: &[&str] = &[
    "disabled",
    "disable",
    "exclude",
    "blacklist",
    "denylist",
    "forbid",
    "unsupported",
    "op_no_",
    "no_tlsv",
    "no_sslv",
];

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    let mut last_line = usize::MAX;
    for h in hits {
        let n = view.line_of(h.start);
        if n == last_line {
            continue;
        }
        let lr = view.line_range(n);
        let line = &view.text[lr.clone()];
        let token = &view.text[h.clone()];
        let pos = h.start - lr.start;
        if is_comment_line(line, view.ctx.lang)
            || view.in_docstring(h.start)
            || !enables_legacy(token)
            || negated(line, pos, token)
        {
            continue;
        }
        if in_comparison_or_table(line, pos, token.len())
            || in_prose(view, line, pos)
            || defined_or_flag(line, pos, token.len())
        {
            continue;
        }
        last_line = n;
        out.push(Detection::at(h.clone()).value(token.to_ascii_lowercase()));
    }
    out
}

/// Whether a matched token turns on SSL or TLS below 1.2.
fn enables_legacy(token: &str) -> bool {
    let t = token.to_ascii_lowercase();
    if let Some(v) = t.strip_prefix("curlopt_sslversion") {
        let v = v.trim_start_matches([' ', '\t', ',', '=', '>']).trim();
        return match v.parse::<u32>() {
            Ok(n) => (1..=5).contains(&n),
            Err(_) => enables_legacy(v),
        };
    }
    if let Some(v) = t.strip_prefix("curl_sslversion_") {
        return matches!(v, "tlsv1" | "tlsv1_0" | "tlsv1_1" | "sslv2" | "sslv3" | "max_tlsv1_0" | "max_tlsv1_1");
    }
    if let Some(v) = t.strip_prefix("securityprotocoltype.").or_else(|| t.strip_prefix("sslprotocols.")) {
        return matches!(v, "tls" | "tls11" | "ssl3" | "ssl2");
    }
    if let Some(rest) = t.strip_prefix("ssl_protocols") {
        return rest
            .split(|c: char| c.is_whitespace() || c == ';')
            .any(|p| matches!(p, "tlsv1" | "tlsv1.0" | "tlsv1.1" | "sslv3" | "sslv2"));
    }
    if let Some(rest) = t.strip_prefix("sslprotocol") {
        let toks: Vec<&str> = rest.split_whitespace().collect();
        let explicit = toks.iter().any(|p| {
            matches!(p.trim_start_matches('+'), "tlsv1" | "tlsv1.0" | "tlsv1.1" | "sslv3" | "sslv2")
                && !p.starts_with('-')
        });
        let all = toks.iter().any(|p| *p == "all" || *p == "+all")
            && !(toks.contains(&"-tlsv1") && toks.contains(&"-tlsv1.1"));
        return explicit || all;
    }
    if t.starts_with("getinstance") {
        return true; // "SSL" / "SSLv3"
    }
    if t.starts_with("elbsecuritypolicy") {
        return true;
    }
    if t.starts_with("--tls-max") {
        return true; // pattern only matches 1.0/1.1
    }
    // SSLv23 means "negotiate the highest version" (PROTOCOL_SSLv23 is PROTOCOL_TLS).
    if t.contains("sslv23") {
        return false;
    }
    if t.contains("sslv3") || t.contains("sslv2") || t.contains("ssl3") || t.contains("versionssl30") {
        return true;
    }
    // TLS 1.x: find the minor version after "tlsv1" / "tls1" / "versiontls1" / "-v1" / "tls)1".
    let at = ["tlsv1", "tls1", "tls-min-v1", "tls-max-v1"]
        .iter()
        .filter_map(|k| t.find(k).map(|i| i + k.len()))
        .min()
        .or_else(|| {
            // min_tls_version = "1.0" / ssl-min-ver TLSv1.0
            t.rfind('1')
                .filter(|_| t.contains("tls_version") || t.contains("tlsversion") || t.contains("tls-version"))
                .map(|i| i + 1)
        });
    let Some(at) = at else {
        return false;
    };
    let minor = t[at..].trim_start_matches(['.', '_', '-', ' ']).chars().next().and_then(|c| c.to_digit(10));
    matches!(minor, None | Some(0 | 1))
}

/// Whether the token disables the version rather than enabling it.
fn negated(line: &str, pos: usize, token: &str) -> bool {
    let before = &line[..pos];
    if before.ends_with(['-', '!'])
        || before.to_ascii_lowercase().ends_with("no-")
        || before.to_ascii_lowercase().ends_with("no_")
    {
        return true;
    }
    if token.to_ascii_lowercase().starts_with("ssl_protocols") || token.to_ascii_lowercase().starts_with("sslprotocol")
    {
        return false;
    }
    let lower = line.to_ascii_lowercase();
    DISABLE_WORDS.iter().any(|w| lower.contains(w))
}

/// The token names something else: a constant being defined (`TLSv1_METHOD = 4`), an option or
/// feature flag that contains it (`OP_NO_SSLv3`, `HAS_TLSv1`, `OP_MICROSOFT_BIG_SSLV3_BUFFER`).
fn defined_or_flag(line: &str, pos: usize, len: usize) -> bool {
    let b = line.as_bytes();
    let mut s = pos;
    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_') {
        s -= 1;
    }
    let mut e = (pos + len).min(b.len());
    while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
        e += 1;
    }
    let ident = line[s..e].to_ascii_lowercase();
    if ["op_", "ssl_op_", "has_", "no_", "is_", "supports_", "dtls"].iter().any(|p| ident.starts_with(p))
        || ident.contains("has_")
        || ident.contains("_buffer")
        || ident.contains("_padding")
    {
        return true;
    }
    // An export list of constant names: "TLSv1_METHOD", "TLS1_VERSION" (Node's values are
    // lowercase: 'TLSv1_method').
    let quoted = s > 0 && matches!(b[s - 1], b'"' | b'\'') && b.get(e).is_some_and(|c| matches!(c, b'"' | b'\''));
    if quoted && (line[s..e].ends_with("_METHOD") || line[s..e].ends_with("_VERSION")) {
        return true;
    }
    // `NAME = …` at the start of a statement defines the constant NAME (and aliases on its right
    // side); a lowercase name is a setting (gunicorn's `ssl_version = ssl.PROTOCOL_TLSv1`).
    let t = line.trim_start();
    let lhs_end = t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(t.len());
    let rest = t[lhs_end..].trim_start();
    let lhs = &t[..lhs_end];
    let lower = lhs.to_ascii_lowercase();
    lhs_end > 0
        && rest.starts_with('=')
        && !rest.starts_with("==")
        && !rest.starts_with("=>")
        && (lower.contains("tls") || lower.contains("ssl"))
        && !lhs.bytes().any(|c| c.is_ascii_lowercase())
}

/// `if v == tls.VersionTLS10`, `case TLSv1:`, `{tls.VersionTLS10: "TLS 1.0"}`.
fn in_comparison_or_table(line: &str, pos: usize, len: usize) -> bool {
    let t = line.trim_start();
    if t.starts_with("case ") || t.starts_with("when ") {
        return true;
    }
    // Look past the qualifying chain: `value == TLSVersion.SSLv3`, `v != ssl.PROTOCOL_TLSv1`.
    let before = line[..pos].trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.').trim_end();
    let after = line[(pos + len).min(line.len())..].trim_start();
    let cmp = |s: &str| {
        s.ends_with("==")
            || s.ends_with("!=")
            || s.ends_with('<')
            || s.ends_with('>')
            || s.ends_with("<=")
            || s.ends_with(">=")
            || s.ends_with("===")
            || s.ends_with("!==")
    };
    if cmp(before) && !before.ends_with("=>") && !before.ends_with("->") {
        return true;
    }
    // A match arm or map key: `TLSv1_0 => 0x0301`, `'TLSv1' => 'legacy'`.
    if after.trim_start_matches(['"', '\'']).trim_start().starts_with("=>") {
        return true;
    }
    if after.starts_with("==")
        || after.starts_with("!=")
        || after.starts_with('<')
        || after.starts_with(">=")
        || after.starts_with("> ")
    {
        return true;
    }
    // A version-name table: the token is a key whose value is a string.
    after.starts_with(':')
        && after[1..].trim_start().starts_with(['"', '\''])
        && !before.to_ascii_lowercase().ends_with("version")
        && !before.ends_with(':')
        && !before.to_ascii_lowercase().contains("protocol")
}

/// A token inside a sentence in a string literal (`"TLSv1 is not allowed"`).
fn in_prose(view: &FileView<'_>, line: &str, pos: usize) -> bool {
    let mask = code_mask(line, view.ctx.lang);
    if mask.get(pos).copied().unwrap_or(true) {
        return false;
    }
    let mut s = pos;
    while s > 0 && !mask[s - 1] {
        s -= 1;
    }
    let mut e = pos;
    while e < line.len() && !mask[e] {
        e += 1;
    }
    line[s..e].split_whitespace().count() > 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for t in [
            "TLSv1",
            "TLSv1.1",
            "TLSv1_method",
            "TLSv1_1_method",
            "PROTOCOL_TLSv1",
            "VersionTLS10",
            "VersionTLS11",
            "VersionSSL30",
            "SSLv3",
            "TLS1_1_VERSION",
            "CURL_SSLVERSION_TLSv1_0",
            "CURLOPT_SSLVERSION, 4",
            "SecurityProtocolType.Tls11",
            "SslProtocols.Tls",
            "ssl_protocols TLSv1 TLSv1.1 TLSv1.2;",
            "SSLProtocol all -SSLv3",
            "min_tls_version = \"1.0\"",
            "tls-min-v1.0",
        ] {
            assert!(enables_legacy(t), "{t}");
        }
        for t in [
            "TLSv1.2",
            "TLSv1_2",
            "TLSv1_2_method",
            "VersionTLS12",
            "TLS1_2_VERSION",
            "CURL_SSLVERSION_TLSv1_2",
            "CURLOPT_SSLVERSION, 6",
            "SecurityProtocolType.Tls12",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "SSLProtocol -all +TLSv1.2",
            "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1",
            "min_tls_version = \"1.2\"",
        ] {
            assert!(!enables_legacy(t), "{t}");
        }
    }
}
