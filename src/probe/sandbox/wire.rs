//! What comes over the wire and how golive reads and reports it: ids that may be strings or
//! numbers, trace ids in bodies or headers, `Retry-After`, JWT expiry, path segments, and response
//! text shortened for messages with card numbers masked (PCI DSS: first 6 / last 4 at most).

use std::fmt::Write as _;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

/// The text of an id field that may be a string or a number.
pub fn id_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A header as text, when it is valid text.
pub(crate) fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string)
}

/// `traceId` in the body (top level or under `error`), else a trace header (API.md §14: where it
/// lives is undocumented).
pub(crate) fn trace_id(body: &Value, headers: &HeaderMap) -> Option<String> {
    let from_body = |v: &Value| id_field(v, "traceId").or_else(|| id_field(v, "trace_id"));
    from_body(body)
        .or_else(|| body.get("error").and_then(from_body))
        .or_else(|| ["x-trace-id", "trace-id", "traceid", "x-b3-traceid"].iter().find_map(|h| header_str(headers, h)))
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header_str(headers, "retry-after")?;
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = time::OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc2822).ok()?;
    let secs = (when - time::OffsetDateTime::now_utc()).whole_seconds();
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// A reqwest error with its whole chain of causes (the useful part is usually the innermost).
/// The URL reqwest quotes is shown without credentials or query, which may carry secrets.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), &crate::engine::redact_url(url.as_str()));
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s = format!("{s}: {inner}");
        src = inner.source();
    }
    s
}

/// The path of a URL, without host and query (queries may carry tokens).
pub(crate) fn path_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .map_or_else(|_| url.split('?').next().unwrap_or_default().to_string(), |u| u.path().to_string())
}

/// A response body for a message: one line, at most 300 characters, card numbers masked.
pub fn shorten(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let masked = mask_pans(&one_line);
    if masked.chars().count() > 300 {
        format!("{}…", masked.chars().take(300).collect::<String>())
    } else if masked.is_empty() {
        "(empty body)".into()
    } else {
        masked
    }
}

/// The keys of a JSON value (never its values: an auth response may carry a token).
pub(crate) fn shorten_keys(v: &Value) -> String {
    match v {
        Value::Object(m) => format!("an object with keys {:?}", m.keys().collect::<Vec<_>>()),
        Value::Null => "not JSON".into(),
        other => format!("a JSON {}", json_kind(other)),
    }
}

/// The JSON type of a value, for messages.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Runs of 13–19 digits keep their first 6 and last 4 digits (PCI DSS masking).
pub fn mask_pans(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if (13..=19).contains(&run.len()) {
                out.push_str(&run[..6]);
                out.push_str(&"*".repeat(run.len() - 10));
                out.push_str(&run[run.len() - 4..]);
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The `exp` claim of a JWT (no signature check: golive only reports the lifetime).
pub fn jwt_exp(token: &str) -> Option<i64> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?.get("exp")?.as_i64()
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn seg(id: &str) -> String {
    let mut out = String::new();
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pans_are_masked() {
        assert_eq!(mask_pans("card 4111111111111111 ok 12345"), "card 411111******1111 ok 12345");
    }

    #[test]
    fn jwt_exp_is_read() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":1900000000}"#);
        assert_eq!(jwt_exp(&format!("h.{payload}.s")), Some(1_900_000_000));
        assert_eq!(jwt_exp("opaque-token"), None);
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("733609401625775730"), "733609401625775730");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    }
}
