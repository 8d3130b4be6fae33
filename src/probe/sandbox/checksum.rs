//! Exirom checksums (API.md §11): the APM request checksum golive signs, and verification of the
//! `X-Checksum` of every callback against each documented field-set variant.
//!
//! The docs disagree on the signed fields and on how amounts are written (§11.2 variants A–G), so
//! verification tries the documented variant for the callback's kind first (D for cards, B/C and A
//! for APMs), then a bounded search over the plausible fields for refund and payout callbacks,
//! whose signature is undocumented. Numbers are taken as the literal text of the raw body (§11.2
//! consequence 4), plus the other renderings a signer may have used (`200`, `200.0`, `200.00`,
//! minor units).

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What kind of callback is being verified; decides which variants are tried first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Card payment callback (`?paymentMethod=card`): variant D.
    Card,
    /// APM callback (`?paymentMethod=apm&apmType=…`): variants B/C, D (apm) and A.
    Apm,
    /// Refund or payout callback: no documented variant, so the bounded search only.
    Other,
}

/// The result of verifying one callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A variant reproduced the header; its description.
    Verified(String),
    /// No variant reproduced the header.
    Mismatch {
        /// How many candidate strings were tried.
        tried: usize,
    },
    /// The callback carried no `X-Checksum` header.
    Missing,
}

impl Verdict {
    /// Whether the checksum verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified(_))
    }

    /// One line for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::Verified(v) => format!("verified ({v})"),
            Self::Mismatch { tried } => format!("did not verify against any of {tried} documented field sets"),
            Self::Missing => "missing (no X-Checksum header)".to_string(),
        }
    }
}

/// Base64 (standard alphabet, padded) HMAC-SHA256 of `message` keyed with the merchant secret.
pub fn sign(secret: &str, message: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, message).finalize().into_bytes())
}

fn mac(secret: &str, message: &str) -> HmacSha256 {
    let Ok(mut m) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC accepts keys of any length")
    };
    m.update(message.as_bytes());
    m
}

/// The APM request checksum: `accountId|amount|currency|requestId` with the amount exactly as sent
/// (API.md §11.2 variant B, the current APM checksum page).
pub fn apm_request(secret: &str, account_id: &str, amount: &str, currency: &str, request_id: &str) -> String {
    sign(secret, &format!("{account_id}|{amount}|{currency}|{request_id}"))
}

/// The same request checksum with the amount in minor units (variant A, the legacy page).
pub fn apm_request_minor(secret: &str, account_id: &str, amount: &str, currency: &str, request_id: &str) -> String {
    let minor = minor_units(amount, currency).unwrap_or_else(|| amount.to_string());
    sign(secret, &format!("{account_id}|{minor}|{currency}|{request_id}"))
}

/// Verifies a callback's `X-Checksum` against the variants for its kind.
pub fn verify(secret: &str, header: Option<&str>, fields: &BTreeMap<String, String>, kind: Kind) -> Verdict {
    let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Verdict::Missing;
    };
    let decoded = decodings(header);
    let candidates = candidates(fields, kind);
    for c in &candidates {
        let m = mac(secret, &c.message);
        for (encoding, bytes) in &decoded {
            if m.clone().verify_slice(bytes).is_ok() {
                let suffix = if encoding.is_empty() { String::new() } else { format!(", {encoding}") };
                return Verdict::Verified(format!("{}{suffix}", c.label));
            }
        }
    }
    Verdict::Mismatch { tried: candidates.len() }
}

/// The header decoded every way a signer may have encoded it; the empty label is the documented
/// encoding (standard Base64).
fn decodings(header: &str) -> Vec<(&'static str, Vec<u8>)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    if let Ok(b) = STANDARD.decode(header) {
        out.push(("", b));
    }
    for engine in [URL_SAFE, URL_SAFE_NO_PAD] {
        if let Ok(b) = engine.decode(header)
            && !out.iter().any(|(_, o)| *o == b)
        {
            out.push(("URL-safe Base64", b));
        }
    }
    if header.len() == 64
        && let Ok(b) = hex::decode(header)
    {
        out.push(("hex-encoded, not Base64 as documented", b));
    }
    out
}

struct Candidate {
    label: String,
    message: String,
}

/// Candidate signed strings, the documented ones for `kind` first.
fn candidates(fields: &BTreeMap<String, String>, kind: Kind) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |label: String, message: String| {
        if !out.iter().any(|c| c.message == message) {
            out.push(Candidate { label, message });
        }
    };
    let get = |k: &str| fields.get(k).map(String::as_str);
    let currency = get("orderCurrency").or_else(|| get("currency"));
    let documented: &[(&str, [&str; 4])] = match kind {
        Kind::Card => &[("D", ["mid", "orderAmount", "orderCurrency", "transactionId"])],
        Kind::Apm => &[
            ("B/C", ["accountId", "orderAmount", "orderCurrency", "transactionId"]),
            ("D (apm)", ["accountId", "amount", "currency", "transactionId"]),
        ],
        Kind::Other => &[],
    };
    for (name, keys) in documented {
        let (Some(id), Some(amount), Some(cur), Some(tx)) = (get(keys[0]), get(keys[1]), get(keys[2]), get(keys[3]))
        else {
            continue;
        };
        for (how, a) in renderings(amount, Some(cur)) {
            push(format!("variant {name}: {}, amount {how}", keys.join("|")), format!("{id}|{a}|{cur}|{tx}"));
        }
    }
    if kind == Kind::Apm
        && let (Some(id), Some(tx), Some(cur)) = (get("accountId"), get("transactionId"), currency)
        && let Some(amount) = get("amount").or_else(|| get("orderAmount"))
        && let Some(minor) = minor_units(amount, cur)
    {
        push(format!("variant A: accountId|amount|currency|transactionId, amount in minor units ({minor})"), {
            format!("{id}|{minor}|{cur}|{tx}")
        });
    }
    // Refund and payout callbacks have no documented field set (API.md §10.5, §11.2 item 6):
    // search the plausible ones, in the documented shape `id|amount|currency|transaction`.
    for id_key in ["mid", "accountId"] {
        let Some(id) = get(id_key) else { continue };
        for amount_key in ["orderAmount", "amount", "totalAmount", "processedAmount"] {
            let Some(amount) = get(amount_key) else { continue };
            for currency_key in ["orderCurrency", "currency", "processedCurrency", ""] {
                let cur = if currency_key.is_empty() { None } else { get(currency_key) };
                if !currency_key.is_empty() && cur.is_none() {
                    continue;
                }
                for tx_key in ["transactionId", "refundId", "refundTransactionId"] {
                    let Some(tx) = get(tx_key) else { continue };
                    for (how, a) in renderings(amount, cur.or(currency)) {
                        let (keys, message) = match cur {
                            Some(c) => {
                                (format!("{id_key}|{amount_key}|{currency_key}|{tx_key}"), format!("{id}|{a}|{c}|{tx}"))
                            }
                            None => (format!("{id_key}|{amount_key}|{tx_key}"), format!("{id}|{a}|{tx}")),
                        };
                        push(format!("undocumented field set {keys}, amount {how}"), message);
                    }
                }
            }
        }
    }
    out
}

/// The ways a signer may have written an amount: the literal text first.
fn renderings(raw: &str, currency: Option<&str>) -> Vec<(String, String)> {
    let mut out = vec![("as in the body".to_string(), raw.to_string())];
    let Some((int, frac)) = split_decimal(raw) else { return out };
    let trimmed = frac.trim_end_matches('0');
    let mut push = |how: &str, v: String| {
        if !out.iter().any(|(_, o)| *o == v) {
            out.push((how.to_string(), v));
        }
    };
    push("without trailing zeros", if trimmed.is_empty() { int.clone() } else { format!("{int}.{trimmed}") });
    push("with one decimal", format!("{int}.{}", pad(trimmed, 1)));
    push("with two decimals", format!("{int}.{}", pad(trimmed, 2)));
    if let Some(m) = currency.and_then(|c| minor_units(raw, c)) {
        push("in minor units", m);
    }
    out
}

fn pad(frac: &str, at_least: usize) -> String {
    let mut s = frac.to_string();
    while s.len() < at_least {
        s.push('0');
    }
    s
}

/// `"200.50"` → `("200", "50")`; `None` for anything that is not a plain decimal.
fn split_decimal(raw: &str) -> Option<(String, String)> {
    let raw = raw.trim().trim_matches('"');
    let (neg, digits) = raw.strip_prefix('-').map_or((false, raw), |r| (true, r));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some((if neg { format!("-{int}") } else { int.to_string() }, frac.to_string()))
}

/// Digits after the decimal point in a currency (ISO 4217 exponent); 2 unless listed.
pub fn exponent(currency: &str) -> usize {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// An amount in minor units (`"10.00"` EUR → `"1000"`, `"500"` JPY → `"500"`), variant A.
pub fn minor_units(raw: &str, currency: &str) -> Option<String> {
    let (int, frac) = split_decimal(raw)?;
    let exp = exponent(currency);
    let mut frac = frac;
    if frac.len() > exp {
        // More decimals than the currency has: only exact when the extra digits are zeros.
        if frac[exp..].bytes().any(|b| b != b'0') {
            return None;
        }
        frac.truncate(exp);
    }
    let digits = format!("{}{}", int.trim_start_matches('-'), pad(&frac, exp));
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    Some(if int.starts_with('-') { format!("-{digits}") } else { digits.to_string() })
}

/// The literal text of every top-level scalar member of a JSON object: strings decoded, numbers,
/// booleans and `null` exactly as written. Nested objects and arrays are skipped. Anything that is
/// not a JSON object gives an empty map.
pub fn raw_fields(body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let b = body.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return out;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(b'"') => {}
            _ => break,
        }
        let Some(key_end) = string_end(b, i) else { break };
        let Ok(key) = serde_json::from_str::<String>(&body[i..key_end]) else { break };
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            break;
        }
        i = skip_ws(b, i + 1);
        match b.get(i) {
            Some(b'"') => {
                let Some(end) = string_end(b, i) else { break };
                if let Ok(v) = serde_json::from_str::<String>(&body[i..end]) {
                    out.insert(key, v);
                }
                i = end;
            }
            Some(b'{' | b'[') => {
                let Some(end) = container_end(b, i) else { break };
                i = end;
            }
            Some(_) => {
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                out.insert(key, body[start..i].to_string());
            }
            None => break,
        }
    }
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Index just past the closing quote of the string starting at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Index just past the object or array starting at `start`.
fn container_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "GOLIVEFAKE-secret";

    #[test]
    fn raw_fields_keep_number_text() {
        let f = raw_fields(
            r#"{"transactionId":"tx-1","orderAmount": 200.0, "n":null,"billingDetails":{"a":"}"},"x":[1,{"y":2}],"s":"a\"b","processedAmount":100.50}"#,
        );
        assert_eq!(f.get("orderAmount").map(String::as_str), Some("200.0"));
        assert_eq!(f.get("processedAmount").map(String::as_str), Some("100.50"));
        assert_eq!(f.get("s").map(String::as_str), Some("a\"b"));
        assert_eq!(f.get("n").map(String::as_str), Some("null"));
        assert!(!f.contains_key("billingDetails") && !f.contains_key("x"));
        assert!(raw_fields("\"just a string\"").is_empty());
        assert!(raw_fields("{\"broken\": ").is_empty());
    }

    #[test]
    fn minor_units_follow_the_currency() {
        assert_eq!(minor_units("10.00", "USD").as_deref(), Some("1000"));
        assert_eq!(minor_units("25.5", "EUR").as_deref(), Some("2550"));
        assert_eq!(minor_units("99.99", "GBP").as_deref(), Some("9999"));
        assert_eq!(minor_units("500", "JPY").as_deref(), Some("500"));
        assert_eq!(minor_units("3.75", "ILS").as_deref(), Some("375"));
        assert_eq!(minor_units("200.0", "USD").as_deref(), Some("20000"));
        assert_eq!(minor_units("1.005", "USD"), None);
        assert_eq!(minor_units("abc", "USD"), None);
    }

    #[test]
    fn card_callback_verifies_with_variant_d_whatever_the_number_text() {
        let body = r#"{"transactionId":"733609401625775730","mid":"M1","orderAmount":200.0,"orderCurrency":"USD"}"#;
        let fields = raw_fields(body);
        for signed in ["200.0", "200", "200.00"] {
            let header = sign(SECRET, &format!("M1|{signed}|USD|733609401625775730"));
            let v = verify(SECRET, Some(&header), &fields, Kind::Card);
            assert!(matches!(&v, Verdict::Verified(l) if l.starts_with("variant D")), "{signed}: {v:?}");
        }
        let wrong = sign("other-secret", "M1|200.0|USD|733609401625775730");
        assert!(matches!(verify(SECRET, Some(&wrong), &fields, Kind::Card), Verdict::Mismatch { tried } if tried > 1));
        assert_eq!(verify(SECRET, None, &fields, Kind::Card), Verdict::Missing);
    }

    #[test]
    fn apm_callback_verifies_with_b_and_a() {
        let fields =
            raw_fields(r#"{"transactionId":"tx-456789","accountId":1001,"orderAmount":25.5,"orderCurrency":"EUR"}"#);
        let b = sign(SECRET, "1001|25.5|EUR|tx-456789");
        assert!(
            matches!(verify(SECRET, Some(&b), &fields, Kind::Apm), Verdict::Verified(l) if l.starts_with("variant B/C"))
        );
        let a = sign(SECRET, "1001|2550|EUR|tx-456789");
        let v = verify(SECRET, Some(&a), &fields, Kind::Apm);
        assert!(matches!(&v, Verdict::Verified(l) if l.contains("minor units")), "{v:?}");
    }

    #[test]
    fn refund_callback_found_by_the_bounded_search() {
        let fields = raw_fields(r#"{"transactionId":"9","refundId":"r-1","mid":"M1","totalAmount":5.00}"#);
        let h = sign(SECRET, "M1|5.00|r-1");
        assert!(verify(SECRET, Some(&h), &fields, Kind::Other).is_verified());
        let hex_header = hex::encode(mac(SECRET, "M1|5.00|r-1").finalize().into_bytes());
        assert!(
            matches!(verify(SECRET, Some(&hex_header), &fields, Kind::Other), Verdict::Verified(l) if l.contains("hex"))
        );
    }

    /// A top-level JSON member value, and the text `raw_fields` must give for it (`None`: skipped).
    fn member() -> impl proptest::strategy::Strategy<Value = (String, Option<String>)> {
        use proptest::prelude::*;
        prop_oneof![
            "\\PC{0,24}".prop_map(|v| (serde_json::to_string(&v).unwrap(), Some(v))),
            "-?(0|[1-9][0-9]{0,12})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,2})?".prop_map(|n| (n.clone(), Some(n))),
            prop_oneof![Just("true"), Just("false"), Just("null")].prop_map(|w| (w.to_string(), Some(w.to_string()))),
            "\\PC{0,12}".prop_map(|v| (
                format!("{{\"k\": [1, {{\"x\": {}}}, \"]}}\"]}}", serde_json::to_string(&v).unwrap()),
                None
            )),
            Just(("[]".to_string(), None)),
        ]
    }

    proptest::proptest! {
        /// `raw_fields` agrees with a real JSON parser on every top-level scalar of any object,
        /// whatever the keys, escapes and whitespace, and keeps numbers as written.
        #[test]
        fn raw_fields_agree_with_serde(
            members in proptest::collection::btree_map("\\PC{0,12}", member(), 0..8),
            ws in proptest::sample::select(vec!["", " ", "\n", "\t ", "\r\n  "]),
        ) {
            let body = format!(
                "{ws}{{{ws}{}{ws}}}{ws}",
                members
                    .iter()
                    .map(|(k, (v, _))| format!("{}{ws}:{ws}{v}", serde_json::to_string(k).unwrap()))
                    .collect::<Vec<_>>()
                    .join(&format!("{ws},{ws}"))
            );
            let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
            proptest::prop_assert_eq!(parsed.as_object().map(serde_json::Map::len), Some(members.len()));
            let want: BTreeMap<String, String> =
                members.into_iter().filter_map(|(k, (_, text))| text.map(|t| (k, t))).collect();
            proptest::prop_assert_eq!(raw_fields(&body), want);
        }

        /// Any text: `raw_fields` and verification end without a panic, and nothing verifies
        /// without the secret.
        #[test]
        fn arbitrary_bodies_and_headers_never_panic(body in "\\PC{0,300}", header in "[ -~]{0,90}") {
            let fields = raw_fields(&body);
            for kind in [Kind::Card, Kind::Apm, Kind::Other] {
                proptest::prop_assert!(!verify(SECRET, Some(&header), &fields, kind).is_verified());
            }
        }

        /// A signature over the documented card field set verifies with the amount rendered any
        /// of the ways a signer may write it.
        #[test]
        fn signed_card_callbacks_verify(int in 0u32..100_000, cents in 0u32..100, mid in "[A-Za-z0-9-]{1,12}") {
            let body = format!(r#"{{"transactionId":"t1","mid":"{mid}","orderAmount":{int}.{cents:02},"orderCurrency":"EUR"}}"#);
            let fields = raw_fields(&body);
            let mut renderings = vec![format!("{int}.{cents:02}"), (u64::from(int) * 100 + u64::from(cents)).to_string()];
            if cents % 10 == 0 {
                renderings.push(format!("{int}.{}", cents / 10));
            }
            if cents == 0 {
                renderings.push(int.to_string());
            }
            for signed in renderings {
                let header = sign(SECRET, &format!("{mid}|{signed}|EUR|t1"));
                let v = verify(SECRET, Some(&header), &fields, Kind::Card);
                proptest::prop_assert!(v.is_verified(), "{}: {:?}", signed, v);
            }
        }

        /// Minor units are the decimal's digits scaled by the currency's exponent.
        #[test]
        fn minor_units_scale_exactly(int in 0u64..10_000_000, frac in "[0-9]{0,4}", cur in proptest::sample::select(vec!["EUR", "JPY", "KWD"])) {
            let raw = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            let exp = exponent(cur);
            let significant = frac.trim_end_matches('0');
            match minor_units(&raw, cur) {
                Some(m) => {
                    proptest::prop_assert!(significant.len() <= exp, "{} {}: {}", raw, cur, m);
                    let mut padded = frac.clone();
                    padded.truncate(exp.min(padded.len()));
                    while padded.len() < exp { padded.push('0'); }
                    let want: u128 = format!("{int}{padded}").parse().unwrap();
                    proptest::prop_assert_eq!(m.parse::<u128>().unwrap(), want);
                }
                None => proptest::prop_assert!(significant.len() > exp),
            }
        }
    }

    #[test]
    fn apm_request_checksum_matches_the_documented_string() {
        let got = apm_request(SECRET, "acc-1", "10.00", "EUR", "golive-1");
        assert_eq!(got, sign(SECRET, "acc-1|10.00|EUR|golive-1"));
        assert_eq!(
            apm_request_minor(SECRET, "acc-1", "10.00", "EUR", "golive-1"),
            sign(SECRET, "acc-1|1000|EUR|golive-1")
        );
    }
}
