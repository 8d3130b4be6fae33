//! Bad input, end to end (proptest): whatever a client sends golive's simulator, whatever a
//! sandbox sends golive's callback listener, and whatever a golive.toml or checklist file holds,
//! the answer is a diagnostic (a 4xx with a JSON error, a 200, a list of problems), never a
//! panic, a 5xx or a dead server.
//!
//! The parsers behind these (`raw_fields`, the `ServerHello` parser, checksums, amounts) have their
//! own property tests next to them; `fuzz/` has cargo-fuzz targets for the same code.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::LazyLock;
use std::time::Duration;

use golive::probe::sandbox::callbacks::Listener;
use golive::simulator::{RunningSimulator, SimConfig, Simulator};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One simulator and one callback listener for every case, on a runtime of their own.
struct Servers {
    rt: tokio::runtime::Runtime,
    sim: RunningSimulator,
    listener: Listener,
    http: reqwest::Client,
    token: String,
}

static SERVERS: LazyLock<Servers> = LazyLock::new(|| {
    golive::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let cfg = SimConfig { time_scale: 0.001, rate_limit_per_min: 0, ..SimConfig::default() };
    let sim = rt.block_on(Simulator::start(cfg, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))).unwrap();
    let listener = rt.block_on(async { Listener::start("127.0.0.1:0", None).await }).unwrap();
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let creds = sim.credentials();
    let auth = json!({"merchantKey": creds.key.expose(), "merchantSecret": creds.secret.expose()});
    let token = rt.block_on(async {
        let r = http.post(format!("{}/v1/auth", sim.base_url())).json(&auth).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    });
    Servers { rt, sim, listener, http, token }
});

/// The simulator's POST endpoints (under the base URL).
const POSTS: &[&str] = &[
    "/v1/auth",
    "/v1/payments/card",
    "/v1/payments/card/tokenize",
    "/v1/payments/card/charge",
    "/v1/payments/apm",
    "/v1/refunds/card",
    "/v1/payments/refund",
    "/v1/payouts/card",
    "/v1/payouts/apm",
];

/// POSTs `body` to the simulator with the token; returns the status and the body.
fn post(path: &str, body: Vec<u8>) -> (u16, String) {
    let s = &*SERVERS;
    s.rt.block_on(async {
        let r = s
            .http
            .post(format!("{}{path}", s.sim.base_url()))
            .bearer_auth(&s.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

/// The simulator answers, and its answer is a documented error or a success.
fn assert_answered(path: &str, status: u16, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{path}: {status} {text}");
    let v: Value =
        serde_json::from_str(text).map_err(|e| TestCaseError::fail(format!("{path}: not JSON ({e}): {text}")))?;
    if status >= 400 {
        prop_assert!(v["message"].is_string() && v["error"].is_string(), "{path}: {text}");
    }
    Ok(())
}

/// JSON values of every type, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        "[0-9]{0,22}".prop_map(Value::String),
        "-?[0-9]{0,15}(\\.[0-9]{0,5})?".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The field names the simulator reads, and some it does not.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "merchantKey",
            "merchantSecret",
            "apiKey",
            "requestId",
            "mid",
            "accountId",
            "amount",
            "currency",
            "card",
            "number",
            "expMonth",
            "expYear",
            "cvv",
            "cardHolderName",
            "callbackUrl",
            "successUrl",
            "failureUrl",
            "transactionId",
            "token",
            "apmType",
            "customer",
            "billingDetails",
            "country",
            "lang",
            "checksum",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

/// A request object: the fields an endpoint reads, each of any type.
fn request_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(field_name(), any_json(), 0..12).prop_map(|m| Value::Object(m.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bytes that are not JSON (or not an object) get a 400 with a JSON error.
    #[test]
    fn simulator_refuses_arbitrary_bytes(path in prop::sample::select(POSTS), body in prop::collection::vec(any::<u8>(), 0..300)) {
        let (status, text) = post(path, body);
        assert_answered(path, status, &text)?;
    }

    /// Objects with the right field names and wrong (or right) types, nested anyhow, get a
    /// field-level 400/422 or a success, never a 5xx.
    #[test]
    fn simulator_validates_any_object(path in prop::sample::select(POSTS), body in request_object()) {
        let (status, text) = post(path, serde_json::to_vec(&body).unwrap());
        assert_answered(path, status, &text)?;
    }

    /// A documented card or APM payment with one field removed or replaced by any JSON value: the
    /// simulator validates it or runs it (callbacks to whatever URL it names), never a 5xx.
    #[test]
    fn simulator_survives_one_bad_field(
        apm in any::<bool>(),
        pointer in prop::sample::select(vec![
            "/requestId", "/mid", "/accountId", "/amount", "/currency", "/lang", "/card", "/card/number",
            "/card/expMonth", "/card/expYear", "/card/cvv", "/card/requestThreeDSecure", "/billingDetails",
            "/billingDetails/country", "/order", "/device", "/callbackUrl", "/successRedirectUrl", "/apmPayload",
            "/apmPayload/paymentMethod", "/checksum", "/metadata",
        ]),
        replacement in proptest::option::of(any_json()),
        n in any::<u64>(),
    ) {
        let s = &*SERVERS;
        let rid = format!("bad-input-{n}");
        let callback = format!("http://{}/exirom/callback", s.listener.local_addr());
        let secret = s.sim.credentials().secret.expose().clone();
        let (path, mut body) = if apm {
            ("/v1/payments/apm", crate::simulator::apm_payment(&secret, &rid, "PIX", "10.00", "EUR", &callback))
        } else {
            ("/v1/payments/card", crate::simulator::card_payment(&rid, "4111111111111111", "10.00", "EUR", &callback))
        };
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        if let Some(Value::Object(obj)) = body.pointer_mut(parent) {
            match replacement {
                Some(v) => { obj.insert(key.to_string(), v); }
                None => { obj.remove(key); }
            }
        }
        let (status, text) = post(path, serde_json::to_vec(&body).unwrap());
        assert_answered(path, status, &text)?;
    }

    /// Path parameters of any text on the status/info routes.
    #[test]
    fn simulator_status_routes_take_any_id(id in "[ -~]{0,40}", kind in prop::sample::select(vec!["payments/card", "payments/apm", "refunds/card", "payouts/card", "payouts/apm"]), what in prop::sample::select(vec!["status", "info"])) {
        let s = &*SERVERS;
        let id: String = id.bytes().map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") }).collect();
        let path = format!("/v1/{kind}/{what}/{id}");
        let (status, text) = s.rt.block_on(async {
            let r = s.http.get(format!("{}{path}", s.sim.base_url())).bearer_auth(&s.token).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
        assert_answered(&path, status, &text)?;
    }

    /// golive's own callback listener answers every POST with 200 at once, whatever the body,
    /// query and checksum header, and keeps listening.
    #[test]
    fn callback_listener_takes_anything(
        body in prop::collection::vec(any::<u8>(), 0..400),
        query in "[a-zA-Z0-9=&%_.-]{0,40}",
        checksum in proptest::option::of("[ -~]{0,80}"),
    ) {
        let s = &*SERVERS;
        let url = format!("http://{}/exirom/callback?{query}", s.listener.local_addr());
        let status = s.rt.block_on(async {
            let mut req = s.http.post(url).body(body);
            if let Some(c) = checksum {
                req = req.header("x-checksum", c);
            }
            req.send().await.unwrap().status().as_u16()
        });
        prop_assert_eq!(status, 200);
    }

    /// golive.toml: any text gives a configuration or problems whose spans lie in the file, and
    /// the diagnostics render.
    #[test]
    fn config_loader_never_panics(src in config_text()) {
        let (_, problems) = golive::config::load::parse(&src);
        for p in &problems {
            if let Some(span) = p.span {
                prop_assert!(span.offset() + span.len() <= src.len(), "{} at {:?} in {} bytes", p.message, span, src.len());
            }
        }
        if !problems.is_empty() {
            let d = golive::diag::FileDiagnostics::new("golive.toml", &src, problems);
            let _ = format!("{:?}", miette::Report::new(d));
        }
    }

    /// A user checklist file: any text gives rules or diagnostics that render.
    #[test]
    fn checklist_loader_never_panics(src in checklist_text()) {
        let mut c = golive::checklist::Checklist::builtin().clone();
        if let Err(d) = c.extend_from_str("rules.toml", &src, &golive::checklist::Origin::User("rules.toml".into())) {
            let _ = format!("{:?}", miette::Report::new(d));
        }
    }
}

/// TOML-shaped text: golive.toml's sections and keys with values of every TOML type, and noise.
fn config_text() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "[project]",
        "[exirom]",
        "[webhook]",
        "[webhook.oracle]",
        "[sandbox]",
        "[scan]",
        "[checklist]",
        "[checklist.severity]",
        "[[ignore]]",
        "[attest.pci-saq]",
        "[nonsense]",
        "[webhook",
    ]);
    let key = prop::sample::select(vec![
        "name",
        "base_url",
        "mid",
        "account_id",
        "url",
        "timeout_ms",
        "connect_timeout_ms",
        "slow_ms",
        "checksum_variant",
        "apm_type",
        "ca_cert",
        "allow_private",
        "pointer",
        "fulfilled",
        "currencies",
        "flows",
        "apm_types",
        "callback_url",
        "callback_timeout_ms",
        "cards",
        "paths",
        "exclude",
        "max_file_size",
        "extend",
        "disable",
        "rule",
        "path",
        "fingerprint",
        "reason",
        "who",
        "when",
        "evidence",
        "sandbox-url",
        "bogus",
    ]);
    let value = prop_oneof![
        "\"[ -~]{0,30}\"",
        "'[ -!#-~]{0,30}'",
        "-?[0-9]{1,25}",
        "[0-9]{1,3}\\.[0-9]{1,3}",
        prop::sample::select(vec![
            "true",
            "false",
            "inf",
            "nan",
            "1979-05-27T07:32:00Z",
            "[]",
            "{}",
            "[1, \"a\"]",
            "{ a = 1 }",
            "\"\"\"\nx\n\"\"\"",
            "\"https://u:p@shop.example/cb?t=1\"",
            "\"embedded\""
        ])
        .prop_map(str::to_string),
        "\\PC{0,20}",
    ];
    let line = prop_oneof![
        section.prop_map(str::to_string),
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        "\\PC{0,40}",
    ];
    prop::collection::vec(line, 0..20).prop_map(|lines| lines.join("\n"))
}

/// Checklist-shaped text: `[[rule]]` tables with rule keys and values of every type.
fn checklist_text() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "id",
        "aliases",
        "probe",
        "severity",
        "checklist",
        "title",
        "docs",
        "since",
        "keywords",
        "pattern",
        "detector",
        "paths",
        "exclude",
        "skip",
        "check",
        "flow",
        "bogus",
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "\"my-rule\"", "\"static\"", "\"webhook\"", "\"error\"", "\"warn\"", "[\"Environment\"]", "'''(?-u:\\b)x+'''",
            "'''(unclosed'''", "[\"test\", \"docs\"]", "1", "true", "\"## What it checks\\nx\\n## Why it matters\\ny\\n## How to fix\\nz\\nhttps://developers.exirom.com/docs/x\"",
        ])
        .prop_map(str::to_string),
        "\"[ -!#-~]{0,30}\"",
        "\\PC{0,20}",
    ];
    let line = prop_oneof![
        Just("[[rule]]".to_string()),
        Just("[rule.examples]".to_string()),
        Just("[[rule.allow]]".to_string()),
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        "\\PC{0,30}",
    ];
    prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
}

// ---------------------------------------------------------------------------------------------
// The static probe's card-number detector and masking (`static_scan::card`, `static_scan::mask`).
// ---------------------------------------------------------------------------------------------

mod pans {
    use golive::probe::static_scan::{card, mask};
    use proptest::prelude::*;

    /// A Luhn-valid PAN of a real brand prefix, 13–19 digits, not one repeated digit.
    pub(super) fn pan() -> impl Strategy<Value = String> {
        let prefix = prop::sample::select(vec!["4", "51", "52", "55", "2221", "34", "37", "6011", "65", "3528", "36"]);
        (prefix, 16usize..=19, prop::collection::vec(0u8..10, 19)).prop_filter_map("a valid PAN", |(p, len, digits)| {
            let len = if p.starts_with('3') && (p == "34" || p == "37") { 15 } else { len };
            let mut s: String = p.to_string();
            for d in digits.iter().take(len - 1 - p.len()) {
                s.push(char::from(b'0' + d));
            }
            let check = (0..10).map(|c| format!("{s}{c}")).find(|c| card::luhn(c.as_bytes()))?;
            (!check.bytes().all(|b| b == check.as_bytes()[0]) && card::brand(&check).is_some()).then_some(check)
        })
    }

    /// Text around a PAN, ending and starting at a word boundary.
    fn before() -> impl Strategy<Value = String> {
        ("[ -~\n]{0,40}", prop::sample::select(vec![" ", "\n", "\"", "'", "=", ":", "(", "\t"]))
            .prop_map(|(t, sep)| format!("{t}{sep}"))
    }

    fn after() -> impl Strategy<Value = String> {
        (prop::sample::select(vec![" ", "\n", "\"", "'", ",", ";", ")", ""]), "[ -~\n]{0,40}")
            .prop_map(|(sep, t)| if sep.is_empty() { String::new() } else { format!("{sep}{t}") })
    }

    /// Inputs the `pan_mask` fuzz target found: a second card number in a run was left whole,
    /// masking a token next to a digit run exposed a number the run had hidden, a contiguous number
    /// was judged differently depending on where in its run the search started, overlapping card
    /// numbers and adjacent tokens needed a second round of masking.
    #[test]
    fn fuzz_findings_stay_fixed() {
        for text in [
            "\n\0xoxo-033-0bs--00033-0bs-000080-4000020000000000>00-4000020000000000-4000020000000000>00-4000020000000000>0\n",
            "gho_\0\u{17}os=rk_test_6666666666666144444-36666666614444443-666",
            "341901444221722-341901444221722-1",
            "4442-44442-4444-4442-44442",
            "k6IIIII6-ASIA66IIIIIIIIIIIIIIASIA66IIIIIIIIIIIIIIIIIII9",
        ] {
            let once = mask::redact(text);
            assert!(card::find_pans(&once).is_empty(), "{text:?} -> {once:?}");
            assert_eq!(mask::redact(&once), once);
        }
    }

    proptest! {
        /// Any text: `find_pans` and `redact` end without a panic, every PAN found is a real one
        /// (13–19 digits, Luhn), and `redact` is idempotent and leaves no PAN to find.
        #[test]
        fn redact_leaves_no_pan_in_any_text(text in "(\\PC|[0-9 -]){0,200}") {
            for p in card::find_pans(&text) {
                prop_assert!((13..=19).contains(&p.digits.len()) && card::luhn(p.digits.as_bytes()));
                prop_assert!(text.get(p.range.clone()).is_some());
            }
            let once = mask::redact(&text);
            prop_assert!(card::find_pans(&once).is_empty(), "{:?} -> {:?}", text, once);
            prop_assert_eq!(mask::redact(&once), once);
        }

        /// A PAN written at a word boundary, anywhere in any text, never survives `redact` whole,
        /// grouped or not.
        #[test]
        fn a_planted_pan_never_survives(pre in before(), pan in pan(), post in after(), grouping in 0usize..3) {
            let written = match grouping {
                0 => pan.clone(),
                1 => pan.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" "),
                _ => pan.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-"),
            };
            // A grouped number right after a digit and a separator may be the tail of a longer
            // grouped run (`1234 5678 …`), which the detector refuses by design: a letter goes
            // before it then.
            let pre = if grouping > 0 && pre.trim_end().ends_with(|c: char| c.is_ascii_digit() || c == '-') {
                format!("{pre}x ")
            } else {
                pre
            };
            let text = format!("{pre}{written}{post}");
            let out = mask::redact(&text);
            prop_assert!(!out.contains(&written), "{:?} -> {:?}", text, out);
            // The report layer's own net (every rendered report passes it) catches it too.
            let out = golive::report::redact::mask_pans(&text, &std::collections::BTreeSet::new());
            prop_assert!(!out.contains(&written), "report redactor: {:?} -> {:?}", text, out);
        }

        /// `mask_pan` keeps the length, the separators, the first 6 and the last 4 digits.
        #[test]
        fn mask_pan_keeps_6_and_4(pan in pan(), sep in prop::sample::select(vec!["", " ", "-"])) {
            let written = pan.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(sep);
            let masked = mask::mask_pan(&written);
            prop_assert_eq!(masked.len(), written.len());
            let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits, format!("{}{}", &pan[..6], &pan[pan.len() - 4..]));
            prop_assert!(masked.chars().zip(written.chars()).all(|(m, w)| m == w || (m == '*' && w.is_ascii_digit())));
        }

        /// `mask_line` with any spans (out of range, overlapping, inside a character) never panics
        /// and never shows a masked value whole.
        #[test]
        fn mask_line_takes_any_spans(
            line in "\\PC{0,80}",
            spans in prop::collection::vec((0usize..100, 0usize..100, any::<bool>()), 0..5),
        ) {
            let spans: Vec<(std::ops::Range<usize>, mask::Sensitive)> = spans
                .into_iter()
                .map(|(a, b, pan)| (a..b, if pan { mask::Sensitive::Pan } else { mask::Sensitive::Secret }))
                .collect();
            let _ = mask::mask_line(&line, &spans);
        }
    }
}
