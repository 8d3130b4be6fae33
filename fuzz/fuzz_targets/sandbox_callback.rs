//! Callback bodies golive's sandbox listener receives: `raw_fields` (a hand-written scanner that
//! keeps numbers as written) agrees with serde_json on every top-level scalar of any object it
//! can parse, and checksum verification takes any header without a panic or a false "verified".
//!
//! Input layout: the first line is the `X-Checksum` header, the rest the body.
#![no_main]
use golive::probe::sandbox::checksum::{Kind, raw_fields, verify};
use serde_json::Value;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (header, body) = text.split_once('\n').unwrap_or(("", text));
    let fields = raw_fields(body);
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        for (k, v) in &map {
            let got = fields.get(k);
            match v {
                Value::String(s) => assert_eq!(got, Some(s), "string member {k:?}"),
                Value::Number(_) | Value::Bool(_) | Value::Null => {
                    let raw = got.unwrap_or_else(|| panic!("scalar member {k:?} missing"));
                    let reparsed: Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
                    assert_eq!(&reparsed, v, "member {k:?} kept as {raw:?}");
                }
                Value::Array(_) | Value::Object(_) => {}
            }
        }
    }
    for kind in [Kind::Card, Kind::Apm, Kind::Other] {
        let header = (!header.is_empty()).then_some(header);
        assert!(!verify("GOLIVEFAKE-fuzz-secret", header, &fields, kind).is_verified());
    }
});
