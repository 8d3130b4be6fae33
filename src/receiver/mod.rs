//! A reference Exirom webhook receiver: the handler golive's webhook rules consider correct,
//! written to be read and copied.
//!
//! For every callback POST, in this order:
//!
//! 1. **Keep the raw body.** `X-Checksum` signs field values as they appear in the body text.
//!    Parsing the JSON into floats and printing them back changes `200.0` into `200` (JS, Rust)
//!    or `100.50` into `100.5`, and the signature no longer matches (API.md §11.2). So the
//!    signed fields are read as *literal JSON text*.
//! 2. **Verify `X-Checksum` before anything else**, in constant time, and answer 401 when it is
//!    missing or wrong. The Exirom pages disagree on the field set (`mid|orderAmount|…` for cards
//!    in the Quick Start, `accountId|orderAmount|…` on the APM pages, `accountId|amount|…` on the
//!    legacy page): every documented set is keyed by the secret, so accepting any of them costs
//!    nothing in security and survives Exirom using another.
//! 3. **Deduplicate** on `transactionId` + `transactionStatus`: Exirom delivers at least once. A
//!    repeat is acknowledged with 200 and ignored.
//! 4. **Ignore statuses that move backwards** (a late `PENDING` after `SUCCEED`), with 200.
//! 5. **Answer 200 at once; do the work afterwards** (here: a spawned task marks the order
//!    fulfilled). Exirom gives up after 10 s, and a slow answer means a retry and a duplicate.
//!
//! APM callbacks arrive with `?paymentMethod=apm&apmType=<type>`; card callbacks with
//! `?paymentMethod=card`. In production the dedup set and the orders live in your database (a
//! unique index on `(transactionId, transactionStatus)`), and you also check that `mid` /
//! `accountId` are yours. `GET /exirom/orders/{transactionId}` is a test hook golive reads as its
//! side-effect oracle; a real shop would not expose it.

pub mod tls;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::value::RawValue;
use sha2::Sha256;

pub use self::tls::{Handle, start_tls};
use crate::secret::Secret;

/// Where callbacks are posted.
pub const CALLBACK_PATH: &str = "/exirom/callback";
/// The test hook that shows an order's state (golive's side-effect oracle).
pub const ORDERS_PATH: &str = "/exirom/orders/{transaction_id}";

/// The field sets a callback may be signed with (API.md §11.2), tried in this order.
const SIGNED_FIELD_SETS: &[[&str; 4]] = &[
    ["mid", "orderAmount", "orderCurrency", "transactionId"], // D, card (Webhooks Quick Start)
    ["accountId", "orderAmount", "orderCurrency", "transactionId"], // B/C, APM checksum pages
    ["accountId", "amount", "currency", "transactionId"],     // A (legacy), D for APMs
];

/// The receiver's state: the merchant secret, the dedup set and the orders.
#[derive(Debug)]
pub struct Receiver {
    secret: Secret<String>,
    seen: Mutex<HashSet<String>>,
    orders: Arc<Mutex<HashMap<String, Order>>>,
}

/// What the shop knows about one transaction.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Order {
    /// The latest status applied.
    pub status: String,
    /// The payment has been fulfilled (shipped, credited).
    pub fulfilled: bool,
    /// How many times fulfilment ran (must stay 1).
    pub fulfilments: u32,
    /// `apmType` of an APM payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apm_type: Option<String>,
}

/// The query parameters Exirom appends to the callback URL.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackQuery {
    /// `card` or `apm`.
    pub payment_method: Option<String>,
    /// The APM type (`UPI_QR`), for APM callbacks.
    pub apm_type: Option<String>,
}

impl Receiver {
    /// A receiver verifying with `secret`.
    pub fn new(secret: Secret<String>) -> Arc<Self> {
        Arc::new(Self { secret, seen: Mutex::default(), orders: Arc::default() })
    }
}

/// The receiver's routes.
pub fn router(state: Arc<Receiver>) -> Router {
    Router::new().route(CALLBACK_PATH, post(callback)).route(ORDERS_PATH, get(order)).with_state(state)
}

/// The callback handler: verify, dedupe, order, answer, then work.
async fn callback(
    State(rx): State<Arc<Receiver>>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    // 1 + 2. No checksum, or one that matches no documented field set: reject before acting.
    let Some(checksum) = headers.get("x-checksum").and_then(|v| v.to_str().ok()) else {
        return (StatusCode::UNAUTHORIZED, "missing X-Checksum");
    };
    let Ok(fields) = serde_json::from_slice::<HashMap<String, &RawValue>>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not a JSON object");
    };
    if !SIGNED_FIELD_SETS.iter().any(|set| signed_by(&fields, set, rx.secret.expose().as_bytes(), checksum)) {
        return (StatusCode::UNAUTHORIZED, "invalid X-Checksum");
    }
    let (Some(id), Some(status)) = (text(&fields, "transactionId"), text(&fields, "transactionStatus")) else {
        return (StatusCode::BAD_REQUEST, "transactionId and transactionStatus are required");
    };
    let apm_type = (query.payment_method.as_deref() == Some("apm"))
        .then(|| query.apm_type.clone().or_else(|| text(&fields, "apmType")))
        .flatten();

    // 3. At-least-once delivery: the same (transactionId, transactionStatus) again is a no-op.
    let first_time = rx.seen.lock().is_ok_and(|mut seen| seen.insert(format!("{id}:{status}")));
    if !first_time {
        return (StatusCode::OK, "duplicate ignored");
    }

    // 4. Out-of-order delivery: never move a transaction backwards.
    let applied = {
        let Ok(mut orders) = rx.orders.lock() else {
            return (StatusCode::SERVICE_UNAVAILABLE, "try again");
        };
        let order = orders.entry(id.clone()).or_default();
        if !order.status.is_empty() && weight(&status) <= weight(&order.status) {
            false
        } else {
            order.status.clone_from(&status);
            order.apm_type = apm_type.or(order.apm_type.take());
            true
        }
    };
    if !applied {
        return (StatusCode::OK, "stale status ignored");
    }

    // 5. Answer now; fulfil afterwards.
    if status == "SUCCEED" {
        let orders = Arc::clone(&rx.orders);
        tokio::spawn(async move {
            if let Ok(mut orders) = orders.lock()
                && let Some(o) = orders.get_mut(&id)
            {
                o.fulfilled = true;
                o.fulfilments += 1;
            }
        });
    }
    (StatusCode::OK, "ok")
}

/// The oracle hook: the order's state as JSON, 404 when unknown.
async fn order(State(rx): State<Arc<Receiver>>, Path(id): Path<String>) -> Result<axum::Json<Order>, StatusCode> {
    let orders = rx.orders.lock().map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    orders.get(&id).cloned().map(axum::Json).ok_or(StatusCode::NOT_FOUND)
}

/// Whether `checksum` is the HMAC of this field set's values (all present), in constant time.
fn signed_by(fields: &HashMap<String, &RawValue>, set: &[&str; 4], secret: &[u8], checksum: &str) -> bool {
    let values: Option<Vec<String>> = set.iter().map(|name| text(fields, name)).collect();
    let Some(values) = values else {
        return false;
    };
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(checksum.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(values.join("|").as_bytes());
    // `verify_slice` compares in constant time; `==` on strings would leak the match length.
    mac.verify_slice(&expected).is_ok()
}

/// A field as the text that is signed: a string's content, or a number's literal text.
fn text(fields: &HashMap<String, &RawValue>, name: &str) -> Option<String> {
    let raw = fields.get(name)?.get();
    if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).ok()
    } else if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Some(raw.to_string())
    } else {
        None
    }
}

/// Status progression (API.md §12): a callback whose weight is not higher than the current one
/// is stale. Unknown statuses count as intermediate, as the API versioning rules advise.
fn weight(status: &str) -> u8 {
    match status {
        "NEW" => 0,
        "PROCESSING" | "CUSTOMER_VERIFICATION" => 2,
        "SUCCEED" | "FAILED" | "CANCELLED" | "DECLINED" | "EXPIRED" | "COMPLETED" => 3,
        "REFUNDED" | "CHARGEBACK" | "CHARGED_BACK" => 4,
        // PENDING, and unknown statuses.
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> HashMap<String, &RawValue> {
        serde_json::from_str(body).unwrap()
    }

    fn sign(msg: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(msg.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn numbers_are_signed_as_their_literal_text() {
        let body = r#"{"mid":"M","orderAmount":200.0,"orderCurrency":"EUR","transactionId":"t1"}"#;
        let f = fields(body);
        assert_eq!(text(&f, "orderAmount").as_deref(), Some("200.0"));
        assert!(signed_by(&f, &SIGNED_FIELD_SETS[0], b"s3cret", &sign("M|200.0|EUR|t1")));
        assert!(
            !signed_by(&f, &SIGNED_FIELD_SETS[0], b"s3cret", &sign("M|200|EUR|t1")),
            "a re-rendered float is not the signed text"
        );
        assert!(!signed_by(&f, &SIGNED_FIELD_SETS[1], b"s3cret", &sign("M|200.0|EUR|t1")), "accountId is absent");
    }

    /// Calls the handler the way axum does, on a throwaway runtime.
    fn deliver(rx: &Arc<Receiver>, body: &[u8], checksum: Option<&str>) -> StatusCode {
        let mut headers = HeaderMap::new();
        if let Some(c) = checksum.and_then(|c| axum::http::HeaderValue::from_str(c).ok()) {
            headers.insert("x-checksum", c);
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let body = Bytes::copy_from_slice(body);
        rt.block_on(callback(State(Arc::clone(rx)), Query(CallbackQuery::default()), headers, body)).0
    }

    /// A JSON number's text as a signer may have written it.
    fn number_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            (0u64..1_000_000).prop_map(|n| n.to_string()),
            (0u64..1_000_000, 0u32..1000).prop_map(|(i, f)| format!("{i}.{f}")),
            (0u64..1000, 0u32..100).prop_map(|(i, f)| format!("-{i}.{f:02}")),
            (1u32..10, 0u32..20).prop_map(|(m, e)| format!("{m}e{e}")),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Any body and header: no panic, and without the secret nothing gets a 200.
        #[test]
        fn arbitrary_callbacks_are_refused(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            checksum in proptest::option::of("[ -~]{0,60}"),
        ) {
            let rx = Receiver::new(Secret::new("s3cret".into()));
            let status = deliver(&rx, &body, checksum.as_deref());
            proptest::prop_assert!(matches!(status.as_u16(), 400 | 401), "{}", status);
        }

        /// A callback signed over the literal text of its fields verifies, whatever the strings
        /// (escapes, non-ASCII) and however the number is written; one changed byte of the
        /// checksum does not.
        #[test]
        fn literal_text_signatures_verify(
            mid in "\\PC{0,20}",
            amount in number_text(),
            currency in "[A-Z]{3}",
            tx in "[ -~]{1,30}",
            flip in 0usize..44,
        ) {
            let body = format!(
                r#"{{"mid":{},"orderAmount":{amount},"orderCurrency":"{currency}","transactionId":{},"transactionStatus":"SUCCEED"}}"#,
                serde_json::to_string(&mid).unwrap(),
                serde_json::to_string(&tx).unwrap(),
            );
            let good = sign(&format!("{mid}|{amount}|{currency}|{tx}"));
            let f = fields(&body);
            proptest::prop_assert!(signed_by(&f, &SIGNED_FIELD_SETS[0], b"s3cret", &good));
            let mut bad = good.clone().into_bytes();
            bad[flip] = if bad[flip] == b'A' { b'B' } else { b'A' };
            let bad = String::from_utf8(bad).unwrap();
            proptest::prop_assert!(!signed_by(&f, &SIGNED_FIELD_SETS[0], b"s3cret", &bad));
            let rx = Receiver::new(Secret::new("s3cret".into()));
            proptest::prop_assert_eq!(deliver(&rx, body.as_bytes(), Some(&good)), StatusCode::OK);
            proptest::prop_assert_eq!(deliver(&rx, body.as_bytes(), Some(&bad)), StatusCode::UNAUTHORIZED);
        }
    }

    #[test]
    fn stale_statuses_weigh_less() {
        assert!(weight("PENDING") < weight("SUCCEED"));
        assert!(weight("SUCCEED") < weight("REFUNDED"));
        assert_eq!(weight("SOMETHING_NEW"), weight("PENDING"));
    }
}
