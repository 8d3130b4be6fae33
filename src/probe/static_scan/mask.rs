//! Masking: what a finding's snippet may show of a secret or a card number.
//!
//! Secrets keep at most 4 leading characters (`GOLI****`); card numbers keep the first 6 and last 4
//! digits with separators preserved (`4111 11** **** 1111`), the PCI DSS display limit. Masking
//! happens in the static probe, before a [`Finding`](crate::probe::Finding) leaves it, so no report
//! format can show a full secret or PAN. [`redact`] is the safety net every snippet also passes
//! through, and is public so reports and logs can reuse it on any text.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::card;

/// What kind of sensitive value a span holds, which decides how it is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    /// A credential: keeps at most 4 leading characters.
    Secret,
    /// A card number: keeps the first 6 and last 4 digits.
    Pan,
}

/// Masks a secret: at most 4 leading characters (fewer for short values), then `****`.
pub fn mask_secret(value: &str) -> String {
    let n = value.chars().count();
    let keep = (n / 4).min(4);
    let mut out: String = value.chars().take(keep).collect();
    out.push_str("****");
    out
}

/// Masks a card number: first 6 and last 4 digits stay, the digits between become `*`,
/// separators stay where they are.
pub fn mask_pan(value: &str) -> String {
    let total = value.bytes().filter(u8::is_ascii_digit).count();
    let (head, tail) = if total >= 13 { (6, 4) } else { (0, 4.min(total / 2)) };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen <= head || seen > total - tail { c } else { '*' }
            } else {
                c
            }
        })
        .collect()
}

/// Masks one value by kind.
pub fn mask_value(value: &str, kind: Sensitive) -> String {
    match kind {
        Sensitive::Secret => mask_secret(value),
        Sensitive::Pan => mask_pan(value),
    }
}

/// Masks the given spans of `line` (byte ranges relative to `line`; overlapping or out-of-range
/// spans are clamped), then applies [`redact`] to the result.
pub fn mask_line(line: &str, spans: &[(Range<usize>, Sensitive)]) -> String {
    let mut spans: Vec<(Range<usize>, Sensitive)> = spans
        .iter()
        .filter_map(|(r, k)| {
            let start = floor_char(line, r.start.min(line.len()));
            let end = floor_char(line, r.end.min(line.len()));
            (start < end).then_some((start..end, *k))
        })
        .collect();
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(line.len());
    let mut pos = 0;
    for (r, k) in spans {
        if r.start < pos {
            continue;
        }
        out.push_str(&line[pos..r.start]);
        out.push_str(&mask_value(&line[r.clone()], k));
        pos = r.end;
    }
    out.push_str(&line[pos..]);
    redact(&out)
}

static TOKEN_FORMATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?-u:\b)(?:",
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        r"|(?:AKIA|ASIA)[0-9A-Z]{16}",
        r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
        r"|AIza[0-9A-Za-z_-]{35}",
        r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
        r"|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|shp(?:at|ss|ca)_[a-fA-F0-9]{32}",
        r"|[A-Za-z0-9_+/=-]*GOLIVEFAKE[A-Za-z0-9_+/=-]*",
        r")",
        r"|(?i:bearer)\s+(?P<bearer>[A-Za-z0-9._~+/=-]{16,})",
    ))
    .expect("a literal regex that is tested")
});

/// The safety net: masks every full card number (Luhn- and IIN-valid, test cards included) and
/// every token of a well-known credential format (JWTs, AWS/GitHub/Slack/Stripe/Google keys, bearer
/// tokens, golive's `GOLIVEFAKE` fixtures) in `text`. Safe to call on any text, and idempotent.
///
/// Masking can change how its neighbourhood reads (`4442-44442-4444-4442-44442` holds overlapping
/// card numbers, masking one leaves another standing alone; a masked token gives the next one a
/// word boundary), so the net runs again until a round changes nothing (found by fuzzing; each
/// round that changes something masks more characters, so it ends).
pub fn redact(text: &str) -> String {
    let mut out = redact_once(text);
    for _ in 0..8 {
        let again = redact_once(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

fn redact_once(text: &str) -> String {
    let mut spans: Vec<(Range<usize>, Sensitive)> =
        card::find_pans(text).into_iter().map(|p| (p.range, Sensitive::Pan)).collect();
    for c in TOKEN_FORMATS.captures_iter(text) {
        let m = c.name("bearer").or_else(|| c.get(0));
        if let Some(m) = m
            && !m.as_str().ends_with("****")
        {
            spans.push((m.range(), Sensitive::Secret));
        }
    }
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (r, k) in spans {
        if r.start < pos {
            continue;
        }
        out.push_str(&text[pos..r.start]);
        out.push_str(&mask_value(&text[r.clone()], k));
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_at_most_four_chars() {
        assert_eq!(mask_secret("GOLIVEFAKEsecret0123456789"), "GOLI****");
        assert_eq!(mask_secret("abcdefgh"), "ab****");
        assert_eq!(mask_secret("abc"), "****");
    }

    #[test]
    fn pans_keep_six_and_four() {
        assert_eq!(mask_pan("4111111111111111"), "411111******1111");
        assert_eq!(mask_pan("4111 1111 1111 1111"), "4111 11** **** 1111");
        assert_eq!(mask_pan("3782-822463-10005"), "3782-82****-*0005");
    }

    #[test]
    fn mask_line_masks_spans_and_redacts_the_rest() {
        let line = r#"key = "GOLIVEFAKEabcdef123456"; card = "4111111111111111""#;
        let masked = mask_line(line, &[(7..29, Sensitive::Secret)]);
        assert_eq!(masked, r#"key = "GOLI****"; card = "411111******1111""#);
    }

    #[test]
    fn redact_is_idempotent_and_catches_formats() {
        let t = "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345 AKIAABCDEFGHIJKLMNOP eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let once = redact(t);
        assert!(!once.contains("abcdefghijklmnopqrstuvwxyz012345"), "{once}");
        assert!(!once.contains("AKIAABCDEFGHIJKLMNOP"), "{once}");
        assert!(!once.contains("dozjgNryP4J3"), "{once}");
        assert_eq!(redact(&once), once);
    }
}
