//! The last line of defence against leaks: every rendered report passes through a [`Redactor`]
//! before it is written anywhere (`output::emit`), whatever the format.
//!
//! Probes mask what they report (snippets keep at most the first 6 and last 4 digits of a card
//! number), so this layer should never find anything. When it does, a probe or a renderer has a bug,
//! and the report still leaks nothing:
//!
//! - every Luhn-valid run of 13–19 digits (contiguous, or in groups joined by single spaces or
//!   dashes: `4111 1111 1111 1111`) keeps its first 6 and last 4 digits, the rest become `*`;
//! - every occurrence of the merchant secret and key from the environment (`EXIROM_MERCHANT_SECRET`,
//!   `EXIROM_MERCHANT_KEY`, at least [`MIN_SECRET_LEN`] characters) becomes [`REDACTED`], including the
//!   escaped forms the formats write (JSON, HTML/XML, Markdown, GitHub workflow commands, URLs).
//!
//! Two kinds of digit runs are left alone because masking them would destroy evidence without
//! protecting anything: hex tokens of 32 characters or more (commit ids, SHA-256 digests,
//! fingerprints, trace ids), and the values of the report's own id measurements (`transactionId`,
//! `traceId`, `requestId`, …): Exirom transaction ids are 18-digit numbers (API.md §4), and one in ten
//! of those passes the Luhn check.

use std::collections::BTreeSet;

use super::Report;
use crate::secret::Credentials;

/// What a secret value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Shortest secret value that is masked; shorter values would mangle ordinary words.
pub const MIN_SECRET_LEN: usize = 6;

/// Shortest hex token treated as a digest or id rather than a place a card number could hide.
const MIN_HEX_TOKEN: usize = 32;

/// Masks card numbers and secret values in rendered text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values and their escaped forms, longest first.
    needles: Vec<String>,
    /// Digit strings that are known ids, not card numbers.
    allow: BTreeSet<String>,
}

impl Redactor {
    /// A redactor for `report`: the credentials from the environment, and the report's id
    /// measurements as the allowlist.
    pub fn for_report(report: &Report) -> Self {
        let creds = Credentials::from_env();
        let secrets: Vec<&str> =
            creds.as_ref().map(|c| vec![c.secret.expose().as_str(), c.key.expose().as_str()]).unwrap_or_default();
        Self::new(&secrets, id_values(report))
    }

    /// A redactor for these secret values, leaving the `allow`ed digit strings alone.
    pub fn new(secrets: &[&str], allow: impl IntoIterator<Item = String>) -> Self {
        let mut needles: Vec<String> = secrets
            .iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
            .flat_map(|s| escaped_forms(s))
            .filter(|s| !s.is_empty())
            .collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Self { needles, allow: allow.into_iter().collect() }
    }

    /// A rendered report in `format`, redacted. JSON formats (`json`, `sarif`) stay valid JSON: when
    /// masking a bare number (a card number reported as a JSON number) would break the syntax, the
    /// document is redacted value by value instead, the masked number becoming a string.
    pub fn apply_format(&self, text: &str, format: super::Format) -> String {
        match format {
            super::Format::Json | super::Format::Sarif => self.apply_json(text),
            _ => self.apply(text),
        }
    }

    fn apply_json(&self, text: &str) -> String {
        let out = self.apply(text);
        if out == text || serde_json::from_str::<serde_json::Value>(&out).is_ok() {
            return out;
        }
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
            return out;
        };
        self.redact_value(&mut value);
        let mut s = serde_json::to_string_pretty(&value).unwrap_or(out);
        s.push('\n');
        s
    }

    fn redact_value(&self, v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::String(s) => *s = self.apply(s),
            Value::Number(n) => {
                let text = n.to_string();
                let masked = self.apply(&text);
                if masked != text {
                    *v = Value::String(masked);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.redact_value(i)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut val) in entries {
                    self.redact_value(&mut val);
                    map.insert(self.apply(&k), val);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    /// `text` with every card number and secret masked.
    pub fn apply(&self, text: &str) -> String {
        let mut out = mask_pans(text, &self.allow);
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), REDACTED);
            }
        }
        out
    }
}

/// The digit strings of the report's id measurements: values under keys ending in `id` or `ids`
/// (any case), at any depth (`transactionIds: [...]`, `currencies: {EUR: {transactionId}}`).
fn id_values(report: &Report) -> Vec<String> {
    fn walk(key: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value;
        let k = key.to_ascii_lowercase();
        let id_key = k.ends_with("id") || k.ends_with("ids");
        match v {
            Value::String(s) if id_key => out.push(s.clone()),
            Value::Number(n) if id_key => out.push(n.to_string()),
            Value::Array(items) => items.iter().for_each(|i| walk(key, i, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(k, v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in report.results.iter().flat_map(|r| &r.measurements) {
        walk(k, v, &mut out);
    }
    out.retain(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    out
}

/// A secret as each output format may have written it.
fn escaped_forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    vec![
        secret.to_string(),
        json,
        xml,
        super::html::escape(secret),
        super::markdown::escape(secret),
        super::github::escape_data(secret),
        super::github::escape_property(secret),
        percent_encode(secret),
    ]
}

/// Percent-encodes everything but RFC 3986 unreserved characters (how a URL carries a secret).
fn percent_encode(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether a string of ASCII digits passes the Luhn check (ISO/IEC 7812-1 Annex B).
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Masks every Luhn-valid 13–19 digit card number in `text` (see the module docs), keeping the
/// first 6 and last 4 digits.
pub fn mask_pans(text: &str, allow: &BTreeSet<String>) -> String {
    let bytes = text.as_bytes();
    let groups = digit_groups(bytes, allow);
    let mut out = bytes.to_vec();
    let mut masked_any = false;
    for chain in chains(bytes, &groups) {
        let mut i = 0;
        while i < chain.len() {
            let mut best = None;
            let mut total = 0;
            for (j, g) in chain.iter().enumerate().skip(i) {
                total += g.1 - g.0;
                if total > 19 {
                    break;
                }
                if total >= 13 {
                    let digits: Vec<u8> = chain[i..=j].iter().flat_map(|g| &bytes[g.0..g.1]).copied().collect();
                    if luhn_valid(&digits) {
                        best = Some((j, total));
                    }
                }
            }
            match best {
                Some((j, total)) => {
                    let mut k = 0;
                    for g in &chain[i..=j] {
                        for b in &mut out[g.0..g.1] {
                            if k >= 6 && k < total - 4 {
                                *b = b'*';
                            }
                            k += 1;
                        }
                    }
                    masked_any = true;
                    i = j + 1;
                }
                None => i += 1,
            }
        }
    }
    if masked_any {
        // Only ASCII digits were replaced by `*`, so the bytes are still UTF-8.
        String::from_utf8_lossy(&out).into_owned()
    } else {
        text.to_string()
    }
}

/// Maximal runs of ASCII digits as byte ranges, minus those inside long hex tokens or allowlisted.
fn digit_groups(bytes: &[u8], allow: &BTreeSet<String>) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let mut hs = start;
        while hs > 0 && bytes[hs - 1].is_ascii_hexdigit() {
            hs -= 1;
        }
        let mut he = i;
        while he < bytes.len() && bytes[he].is_ascii_hexdigit() {
            he += 1;
        }
        let in_digest = he - hs >= MIN_HEX_TOKEN;
        let allowed = std::str::from_utf8(&bytes[start..i]).is_ok_and(|s| allow.contains(s));
        groups.push((start, i, in_digest || allowed || is_timestamp(&bytes[start..i])));
    }
    // Excluded groups stay in the list as barriers, so they also break chains.
    groups.into_iter().map(|(s, e, excluded)| if excluded { (s, s) } else { (s, e) }).collect()
}

/// A 14-digit `YYYYMMDDHHMMSS` timestamp (Rails and Flyway migration names, log stamps). No card
/// number starts with 19 or 20 (Mastercard's 2-series starts at 2221 and has 16 digits), so masking
/// one would only mangle a path.
fn is_timestamp(d: &[u8]) -> bool {
    if d.len() != 14 {
        return false;
    }
    let n = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0'));
    (1970..=2099).contains(&n(0..4))
        && (1..=12).contains(&n(4..6))
        && (1..=31).contains(&n(6..8))
        && n(8..10) < 24
        && n(10..12) < 60
        && n(12..14) < 60
}

/// Groups joined by exactly one space or dash, as chains; barriers (empty groups) end a chain.
fn chains(bytes: &[u8], groups: &[(usize, usize)]) -> Vec<Vec<(usize, usize)>> {
    let mut out: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut current: Vec<(usize, usize)> = Vec::new();
    for &g in groups {
        if g.0 == g.1 {
            out.push(std::mem::take(&mut current));
            continue;
        }
        let joined = current.last().is_some_and(|prev| g.0 == prev.1 + 1 && matches!(bytes[prev.1], b' ' | b'-'));
        if !joined {
            out.push(std::mem::take(&mut current));
        }
        current.push(g);
    }
    out.push(current);
    out.retain(|c| !c.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(s: &str) -> String {
        mask_pans(s, &BTreeSet::new())
    }

    #[test]
    fn migration_timestamps_are_not_card_numbers() {
        // Luhn-valid, 14 digits: a Rails migration name.
        assert!(luhn_valid(b"20240301120000"));
        let path = "db/migrate/20240301120000_create_card_attempts.rb";
        assert_eq!(mask(path), path);
        assert_eq!(mask("36148900647913"), "361489****7913");
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(luhn_valid(b"5555555555554444"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"41x1"));
    }

    #[test]
    fn masks_card_numbers_in_every_spelling() {
        assert_eq!(mask("card 4111111111111111."), "card 411111******1111.");
        assert_eq!(mask("4111 1111 1111 1111"), "4111 11** **** 1111");
        assert_eq!(mask("4111-1111-1111-1111"), "4111-11**-****-1111");
        assert_eq!(mask("\"pan\":\"5555555555554444\""), "\"pan\":\"555555******4444\"");
        assert_eq!(mask("pan=4111111111111111&x"), "pan=411111******1111&x");
        assert_eq!(mask("card4111111111111111"), "card411111******1111");
        assert_eq!(mask("amex 3782 822463 10005"), "amex 3782 82**** *0005");
        // A card number followed by more digit groups: the card is found and masked.
        assert_eq!(mask("4111 1111 1111 1111 2026"), "4111 11** **** 1111 2026");
        // Two in a row, one after the other.
        assert_eq!(mask("4111111111111111 5555555555554444"), "411111******1111 555555******4444");
    }

    #[test]
    fn leaves_other_numbers_alone() {
        for s in [
            "4111111111111112",                                                   // fails Luhn
            "411111111111",                                                       // 12 digits
            "41111111111111111111111",                                            // 23 digits: not a card
            "0123456789abcdef0123456789abcdef01234567",                           // commit id
            "sha256 5f0123456789012345678f0123456789012345678f01234567890123456", // digest
            "2026-11-26T10:00:00Z (1234 ms)",
            "| 2 | 1 | 1 | 1 | 1 | 1 |",
            "411111******1111",
        ] {
            assert_eq!(mask(s), s, "{s}");
        }
    }

    #[test]
    fn allowlisted_ids_survive() {
        // The transaction id in Exirom's own API examples (API.md §4) passes the Luhn check.
        let id = "733609401625775730";
        assert!(luhn_valid(id.as_bytes()));
        assert_eq!(mask(id), "733609********5730");
        let allow: BTreeSet<String> = [id.to_string()].into();
        assert_eq!(mask_pans(&format!("transactionId={id}"), &allow), format!("transactionId={id}"));
        assert_eq!(mask_pans("4111111111111111", &allow), "411111******1111");
    }

    #[test]
    fn ids_come_from_the_report_measurements() {
        let mut r = crate::report::tests::sample();
        r.results[2].measurements.insert("requestId".into(), "733609401625775731".into());
        r.results[2].measurements.insert("card".into(), "4111111111111111".into());
        let ids = id_values(&r);
        assert!(ids.contains(&"733609401625775731".to_string()));
        assert!(ids.contains(&"733609401625775730".to_string()), "the sample's transactionId");
        r.results[2].measurements.insert("transactionIds".into(), serde_json::json!(["733609401625775749"]));
        r.results[2].measurements.insert(
            "currencies".into(),
            serde_json::json!({"EUR": {"transactionId": 733_609_401_625_775_756_u64, "amount": "10.00"}}),
        );
        let ids = id_values(&r);
        assert!(ids.contains(&"733609401625775749".to_string()), "arrays under an ids key");
        assert!(ids.contains(&"733609401625775756".to_string()), "ids nested in objects");
        assert!(!ids.contains(&"10.00".to_string()));
        assert!(!ids.contains(&"4111111111111111".to_string()));
    }

    #[test]
    fn masks_secrets_and_their_escaped_forms() {
        let secret = "GOLIVEFAKE<s3cr\"t>&,:%";
        let r = Redactor::new(&[secret, "short"], Vec::new());
        for text in [
            secret.to_string(),
            serde_json::to_string(secret).unwrap(),
            crate::report::html::escape(secret),
            crate::report::markdown::escape(secret),
            crate::report::github::escape_property(secret),
            "GOLIVEFAKE&lt;s3cr&quot;t&gt;&amp;,:%".to_string(),
            percent_encode(secret),
        ] {
            let out = r.apply(&format!("before {text} after"));
            assert!(!out.contains("s3cr"), "{text} -> {out}");
            assert!(out.contains(REDACTED), "{out}");
        }
        assert_eq!(r.apply("a short word"), "a short word", "secrets under 6 characters are not masked");
    }

    #[test]
    fn json_stays_valid_when_a_number_is_masked() {
        let mut r = crate::report::tests::sample();
        r.results[2].measurements.insert("card".into(), serde_json::json!(4_111_111_111_111_111_u64));
        let redactor = Redactor::new(&[], id_values(&r));
        for format in [crate::report::Format::Json, crate::report::Format::Sarif] {
            let out = redactor.apply_format(&crate::report::render(&r, format, false), format);
            let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
            assert!(!out.contains("4111111111111111"));
            if format == crate::report::Format::Json {
                assert_eq!(v["results"][2]["measurements"]["card"], "411111******1111");
                assert_eq!(v["results"][4]["measurements"]["transactionId"], "733609401625775730");
            }
        }
        // Masking inside strings keeps the text as rendered.
        let sample = crate::report::tests::sample();
        let text = crate::report::json::render(&sample);
        let leaky = text.replace("connection refused", "card 4111111111111111 refused");
        let out = Redactor::new(&[], id_values(&sample)).apply_format(&leaky, crate::report::Format::Json);
        assert_eq!(out, text.replace("connection refused", "card 411111******1111 refused"));
    }

    #[test]
    fn no_secrets_no_change() {
        let r = Redactor::default();
        let text = "golive 0.1.0: 2 passed (1234 ms)";
        assert_eq!(r.apply(text), text);
    }
}
