//! The sandbox flows, one file per rule, and what they share: the [`FlowCtx`] (client, callback
//! listener, settings, state passed between flows), request builders, the wait-for-callback-then-
//! poll step, and the [`Verdicts`] builder that turns observations into an [`Outcome`].
//!
//! Adding a flow: a `[[rule]]` in `rules/sandbox.toml`, a file here, and one line in [`FLOWS`].

pub mod apm_flow;
pub mod auth;
pub mod card_flow;
pub mod currencies;
pub mod idempotency;
pub mod payout_flow;
pub mod refund_flow;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::api::{Api, ApiError, Reply};
use super::callbacks::{Callback, Listener};
use super::checksum::{Kind, Verdict};
use super::wire::{id_field, seg};
use crate::checklist::Rule;
use crate::config::Cards;
use crate::probe::{Finding, Measurements, Outcome, Status};

/// A flow's future.
pub type FlowFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// One sandbox flow: the rule implementation it provides and the `[sandbox] flows` name that
/// turns it on (`None` = always runs).
pub struct Flow {
    /// The rule's `flow` key (the id without `sandbox-`).
    pub implementation: &'static str,
    /// The `[sandbox] flows` entry that enables it.
    pub config_flow: Option<&'static str>,
    /// The flow itself.
    pub run: for<'a> fn(&'a FlowCtx, &'a Rule) -> FlowFuture<'a>,
}

/// Every flow, in run order (one entry per rule). `auth` is reported last, once every other flow
/// has used the token.
pub static FLOWS: &[Flow] = &[
    Flow { implementation: "auth", config_flow: None, run: auth::run },
    Flow { implementation: "card-flow", config_flow: Some("card"), run: card_flow::run },
    Flow { implementation: "refund-flow", config_flow: Some("refund"), run: refund_flow::run },
    Flow { implementation: "payout-flow", config_flow: Some("payout"), run: payout_flow::run },
    Flow { implementation: "apm-flow", config_flow: Some("apm"), run: apm_flow::run },
    Flow { implementation: "currencies", config_flow: Some("currencies"), run: currencies::run },
    Flow { implementation: "idempotency", config_flow: Some("idempotency"), run: idempotency::run },
];

/// What the flows need to know about the merchant and the run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Card merchant id.
    pub mid: Option<String>,
    /// APM account id.
    pub account_id: Option<String>,
    /// Test cards.
    pub cards: Cards,
    /// Currencies that must each succeed (the first is used by the other flows).
    pub currencies: Vec<String>,
    /// APM types to exercise.
    pub apm_types: Vec<String>,
    /// How long to wait for a callback before polling.
    pub callback_timeout: Duration,
    /// How long to poll for a final status.
    pub poll_timeout: Duration,
    /// Whether the sandbox can reach golive's callback listener.
    pub callbacks_reachable: bool,
}

/// A transaction of the embedded simulator's ledger: (`requestId`, `transactionId`).
pub type LedgerEntry = (String, String);

/// The embedded simulator's transaction list (tests and `embedded` only; never a real sandbox).
pub type Ledger = Arc<dyn Fn() -> Vec<LedgerEntry> + Send + Sync>;

/// A payment one flow made that another uses (the refund flow refunds the card flow's payment).
#[derive(Debug, Clone)]
pub struct Payment {
    /// Exirom's id.
    pub transaction_id: String,
    /// golive's id.
    pub request_id: String,
    /// Amount as sent.
    pub amount: String,
    /// Currency.
    pub currency: String,
}

/// State passed between flows.
#[derive(Debug, Default)]
pub struct Shared {
    /// A succeeded card payment, for the refund flow.
    pub card_payment: Option<Payment>,
}

/// Everything a flow works with.
pub struct FlowCtx {
    /// The one HTTP client.
    pub api: Api,
    /// golive's callback receiver.
    pub listener: Listener,
    /// Merchant and run settings.
    pub settings: Settings,
    /// State passed between flows.
    pub shared: Mutex<Shared>,
    /// The embedded simulator's ledger, when the run is embedded.
    pub ledger: Option<Ledger>,
}

impl FlowCtx {
    /// The `mid`, or the outcome saying it is missing.
    pub fn mid(&self, rule: &str) -> Result<String, Outcome> {
        self.settings.mid.clone().ok_or_else(|| {
            Outcome::error(rule, "no merchant id: pass --mid or set [exirom] mid (the sandbox mid from onboarding)")
        })
    }

    /// The `accountId`, or the outcome saying it is missing.
    pub fn account_id(&self, rule: &str) -> Result<String, Outcome> {
        self.settings
            .account_id
            .clone()
            .ok_or_else(|| Outcome::error(rule, "no APM account id: pass --account-id or set [exirom] account_id"))
    }

    /// The currency the single-currency flows use.
    pub fn currency(&self) -> String {
        self.settings.currencies.first().cloned().unwrap_or_else(|| "EUR".into())
    }

    /// Locks the shared state.
    pub fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fresh `requestId`: UUID v4 with a `golive-` prefix, one per transaction (API.md §15.3).
pub fn request_id() -> String {
    format!("golive-{}", uuid::Uuid::new_v4())
}

/// A test amount for a currency: `10.00`, or `1000` where the currency has no minor unit.
pub fn amount_for(currency: &str) -> String {
    match super::checksum::exponent(currency) {
        0 => "1000".into(),
        3 => "10.000".into(),
        _ => "10.00".into(),
    }
}

/// Test card expiry: December, three years ahead.
fn expiry_year() -> String {
    (time::OffsetDateTime::now_utc().year() + 3).to_string()
}

/// The customer's billing details (a fictitious test customer).
pub fn billing() -> Value {
    json!({
        "externalUserId": "golive-test-customer",
        "firstName": "Golive",
        "lastName": "Tester",
        "address1": "1 Test Street",
        "city": "Dublin",
        "state": "D",
        "country": "IE",
        "postalCode": "D02X285",
        "phone": "+353851234567",
        "email": "golive-test@example.com",
        "dateOfBirth": "1990-01-01",
    })
}

/// Complete device data: API.md §4.2 says 3DS needs every field.
pub fn device() -> Value {
    json!({
        "ip": "203.0.113.10",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) golive-sandbox-check",
        "accept": "text/html,application/xhtml+xml",
        "acceptLanguage": "en-US,en;q=0.9",
        "javaEnabled": false,
        "javaScriptEnabled": true,
        "deviceLanguage": "en",
        "colorDepth": "24",
        "screenHeight": "1080",
        "screenWidth": "1920",
        "deviceTimezone": "Europe/Dublin",
    })
}

/// A card sale (`POST /v1/payments/card`) body (API.md §4.2).
pub fn card_payment(
    cx: &FlowCtx,
    mid: &str,
    number: &str,
    three_ds: bool,
    amount: &str,
    currency: &str,
    rid: &str,
) -> Value {
    json!({
        "requestId": rid,
        "mid": mid,
        "amount": amount,
        "currency": currency,
        "lang": "en",
        "card": {
            "number": number,
            "cardHolderName": "Golive Tester",
            "expMonth": "12",
            "expYear": expiry_year(),
            "cvv": "123",
            "requestThreeDSecure": three_ds,
        },
        "callbackUrl": cx.listener.callback_url(),
        "successRedirectUrl": cx.listener.success_url(),
        "failureRedirectUrl": cx.listener.failure_url(),
        "billingDetails": billing(),
        "order": { "orderId": rid, "title": "golive sandbox check", "description": "go-live readiness test payment" },
        "device": device(),
        "metadata": { "source": "golive" },
    })
}

/// A transaction's status as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxStatus {
    /// `transactionStatus`.
    pub status: String,
    /// `declineCode`, when present.
    pub decline_code: Option<i64>,
}

/// Reads a status answer: an object with `transactionStatus` (or `status`) or a bare JSON string
/// (API.md §4.5 discrepancy 6).
pub fn status_of(v: &Value) -> Option<TxStatus> {
    match v {
        Value::String(s) if !s.is_empty() => Some(TxStatus { status: s.clone(), decline_code: None }),
        Value::Object(m) => {
            let status = ["transactionStatus", "status"].iter().find_map(|k| m.get(*k)?.as_str())?.to_string();
            let decline_code = m.get("declineCode").and_then(|d| d.as_i64().or_else(|| d.as_str()?.parse().ok()));
            Some(TxStatus { status, decline_code })
        }
        _ => None,
    }
}

/// Whether a status is final (API.md §12, with the legacy spellings).
pub fn is_final(status: &str) -> bool {
    matches!(
        status,
        "SUCCEED"
            | "FAILED"
            | "CANCELLED"
            | "REFUNDED"
            | "CHARGEBACK"
            | "CHARGED_BACK"
            | "DECLINED"
            | "COMPLETED"
            | "EXPIRED"
    )
}

/// The kind of transaction, for its status and info paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tx {
    /// Card payment.
    Card,
    /// Card refund.
    Refund,
    /// Card payout.
    Payout,
    /// APM payment.
    Apm,
}

impl Tx {
    /// Status paths to try, current first (API.md §4.5, §7.1, §8, §9.1).
    pub fn status_paths(self, id: &str) -> Vec<String> {
        let id = seg(id);
        match self {
            Self::Card => vec![format!("/v1/payments/card/status/{id}")],
            Self::Refund => vec![format!("/v1/refunds/card/status/{id}"), format!("/v1/payments/refund/status/{id}")],
            Self::Payout => vec![format!("/v1/payouts/card/status/{id}")],
            Self::Apm => vec![format!("/v1/payments/apm/status/{id}")],
        }
    }

    /// Info paths to try.
    pub fn info_paths(self, id: &str) -> Vec<String> {
        let id = seg(id);
        match self {
            Self::Card => vec![format!("/v1/payments/card/info/{id}")],
            Self::Refund => vec![format!("/v1/refunds/card/info/{id}"), format!("/v1/payments/refund/info/{id}")],
            Self::Payout => vec![format!("/v1/payouts/card/info/{id}")],
            Self::Apm => vec![format!("/v1/payments/apm/info/{id}")],
        }
    }

    /// The checksum kind of its callbacks.
    pub fn kind(self) -> Kind {
        match self {
            Self::Card => Kind::Card,
            Self::Apm => Kind::Apm,
            Self::Refund | Self::Payout => Kind::Other,
        }
    }
}

/// `GET` the first of `paths` that exists.
///
/// # Errors
/// The last error.
pub async fn get_first(api: &Api, paths: &[String]) -> Result<Reply, ApiError> {
    let mut last = None;
    for p in paths {
        match api.get(p).await {
            Err(e @ ApiError::Http { status: 404, .. }) => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or(ApiError::Http {
        method: "GET".into(),
        path: String::new(),
        status: 404,
        trace: String::new(),
        detail: "no path given".into(),
    }))
}

/// How a transaction settled: its callback (if one came) and the polled status.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The callback with a final status, if it arrived in time.
    pub callback: Option<Callback>,
    /// Its checksum verdict.
    pub checksum: Option<Verdict>,
    /// The status polled after the callback (or instead of it).
    pub polled: Option<TxStatus>,
    /// The polling error, if polling failed.
    pub poll_error: Option<String>,
    /// Why no callback was waited for or received, when none was.
    pub missed: Option<String>,
    /// How long the callback took to arrive.
    pub callback_ms: Option<u64>,
}

impl Settlement {
    /// The final status: the polled one, else the callback's.
    pub fn status(&self) -> Option<TxStatus> {
        self.polled.clone().filter(|s| is_final(&s.status)).or_else(|| {
            let cb = self.callback.as_ref()?;
            Some(TxStatus {
                status: cb.status()?.to_string(),
                decline_code: cb.field("declineCode").and_then(|d| d.parse().ok()),
            })
        })
    }
}

/// Waits for the transaction's final callback (if the sandbox can reach golive), verifies its
/// checksum, then polls the status endpoint until it is final: always bounded by the configured
/// callback and poll timeouts.
pub async fn settle(cx: &FlowCtx, tx: Tx, id: &str, matches: impl Fn(&Callback) -> bool + Send) -> Settlement {
    let mut s =
        Settlement { callback: None, checksum: None, polled: None, poll_error: None, missed: None, callback_ms: None };
    if cx.settings.callbacks_reachable {
        let started = Instant::now();
        let got = cx
            .listener
            .wait_for(cx.settings.callback_timeout, |c| matches(c) && c.status().is_some_and(is_final))
            .await;
        match got {
            Some(cb) => {
                s.callback_ms = Some(started.elapsed().as_millis() as u64);
                s.checksum = Some(cb.verify(cx.api.signing_key(), kind_for(tx, &cb)));
                s.callback = Some(cb);
            }
            None => {
                s.missed = Some(format!(
                    "no callback for transaction {id} within {} ms; fell back to polling the status",
                    cx.settings.callback_timeout.as_millis()
                ));
            }
        }
    } else {
        s.missed = Some(
            "callbacks not checked: the sandbox cannot reach golive's loopback listener (pass --callback-url with a \
             public tunnel to it); fell back to polling the status"
                .into(),
        );
    }
    match poll(cx, tx, id).await {
        Ok(st) => s.polled = st,
        Err(e) => s.poll_error = Some(e.to_string()),
    }
    s
}

fn kind_for(tx: Tx, cb: &Callback) -> Kind {
    match tx {
        Tx::Card | Tx::Apm => tx.kind(),
        Tx::Refund | Tx::Payout => {
            if cb.query.contains_key("apmType") {
                Kind::Apm
            } else {
                Kind::Other
            }
        }
    }
}

/// Polls the status until it is final or the poll timeout passes; the last status read.
///
/// # Errors
/// The status endpoint failed.
pub async fn poll(cx: &FlowCtx, tx: Tx, id: &str) -> Result<Option<TxStatus>, ApiError> {
    let deadline = Instant::now() + cx.settings.poll_timeout;
    let mut interval = Duration::from_millis(250);
    loop {
        let reply = get_first(&cx.api, &tx.status_paths(id)).await?;
        let st = status_of(&reply.body);
        if st.as_ref().is_some_and(|s| is_final(&s.status)) || Instant::now() + interval > deadline {
            return Ok(st);
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(2));
    }
}

/// Observations of one flow, turned into an outcome by [`Verdicts::finish`].
pub struct Verdicts {
    rule: String,
    fails: Vec<String>,
    errors: Vec<String>,
    manual: Vec<String>,
    warns: Vec<String>,
    notes: Vec<String>,
    details: Vec<String>,
    findings: Vec<Finding>,
    measurements: Measurements,
}

impl Verdicts {
    /// Empty observations of a rule.
    pub fn new(rule: &str) -> Self {
        Self {
            rule: rule.to_string(),
            fails: Vec::new(),
            errors: Vec::new(),
            manual: Vec::new(),
            warns: Vec::new(),
            notes: Vec::new(),
            details: Vec::new(),
            findings: Vec::new(),
            measurements: Measurements::new(),
        }
    }

    /// The rule is violated.
    pub fn fail(&mut self, msg: impl Into<String>) {
        self.fails.push(msg.into());
    }

    /// Something could not be checked.
    pub fn error(&mut self, msg: impl Into<String>) {
        self.errors.push(msg.into());
    }

    /// A person must finish it.
    pub fn manual(&mut self, msg: impl Into<String>) {
        self.manual.push(msg.into());
    }

    /// Held, with a caveat.
    pub fn warn(&mut self, msg: impl Into<String>) {
        self.warns.push(msg.into());
    }

    /// What held.
    pub fn note(&mut self, msg: impl Into<String>) {
        self.notes.push(msg.into());
    }

    /// Adds a measurement.
    pub fn measure(&mut self, key: &str, v: impl Into<Value>) {
        self.measurements.insert(key.to_string(), v.into());
    }

    /// Evidence about one transaction (a missed webhook, an unverified checksum).
    pub fn finding(&mut self, transaction: &str, snippet: impl Into<String>) {
        self.findings.push(Finding {
            path: format!("transaction/{transaction}"),
            line: 0,
            column: 0,
            snippet: snippet.into(),
            fingerprint: None,
            suppressed: None,
        });
    }

    /// Records how a settlement went: callback verified or not, missed webhook, polling.
    pub fn settlement(&mut self, what: &str, id: &str, s: &Settlement) {
        match (&s.callback, &s.checksum) {
            (Some(_), Some(v)) if v.is_verified() => {
                self.details.push(format!("{what} callback {}", v.describe()));
            }
            (Some(_), Some(v)) => {
                self.fail(format!("{what} callback X-Checksum {}", v.describe()));
                self.finding(id, format!("callback X-Checksum {}", v.describe()));
            }
            _ => {}
        }
        if let Some(m) = &s.missed {
            self.warn(format!("{what}: webhook missed: {m}"));
            self.finding(id, format!("webhook missed: {m}"));
        }
        if let Some(e) = &s.poll_error {
            self.error(format!("{what}: polling the status failed: {e}"));
        }
        if let Some(ms) = s.callback_ms {
            self.measure(&format!("{}CallbackMs", camel(what)), ms);
        }
    }

    /// Whether something failed or could not be checked so far.
    pub fn broken(&self) -> bool {
        !self.fails.is_empty() || !self.errors.is_empty()
    }

    /// The outcome: fail > error > manual > warn > pass, with every message kept.
    pub fn finish(self) -> Outcome {
        let status = if !self.fails.is_empty() {
            Status::Fail
        } else if !self.errors.is_empty() {
            Status::Error
        } else if !self.manual.is_empty() {
            Status::Manual
        } else if !self.warns.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.fails);
        parts.extend(self.errors);
        parts.extend(self.manual);
        parts.extend(self.warns);
        if matches!(status, Status::Pass | Status::Warn) {
            parts.extend(self.notes);
            parts.extend(self.details);
        }
        let mut o = Outcome::new(&self.rule, status, parts.join("; "));
        o.findings = self.findings;
        o.measurements = self.measurements;
        o
    }
}

fn camel(what: &str) -> String {
    let mut out = String::new();
    for (i, w) in what.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).enumerate() {
        let mut cs = w.chars();
        if i == 0 {
            out.push_str(&w.to_ascii_lowercase());
        } else if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(&cs.as_str().to_ascii_lowercase());
        }
    }
    out
}

/// Pays with the approve test card and waits for the payment to settle; the payment when it
/// ended `SUCCEED`, else `None` with the reason recorded in `v` under `what`.
pub async fn approved_payment(
    cx: &FlowCtx,
    mid: &str,
    currency: &str,
    what: &str,
    v: &mut Verdicts,
) -> Option<Payment> {
    let amount = amount_for(currency);
    let rid = request_id();
    let body = card_payment(cx, mid, &cx.settings.cards.approve, false, &amount, currency, &rid);
    let reply = match cx.api.post("/v1/payments/card", &body).await {
        Ok(r) => r,
        Err(e) => {
            v.error(format!("{what}: {e}"));
            return None;
        }
    };
    let Some(id) = reply.transaction_id() else {
        v.error(format!("{what}: the payment answered no transactionId: {}", super::wire::shorten(&reply.text)));
        return None;
    };
    let s = settle(cx, Tx::Card, &id, for_transaction(&id)).await;
    v.settlement(what, &id, &s);
    match s.status().or_else(|| status_of(&reply.body)) {
        Some(st) if st.status == "SUCCEED" => {
            Some(Payment { transaction_id: id, request_id: rid, amount, currency: currency.to_string() })
        }
        Some(st) => {
            let code = st.decline_code.map(|c| format!(" (declineCode {c})")).unwrap_or_default();
            v.fail(format!(
                "{what}: the payment {id} with the approve test card ended {}{code}; set [sandbox.cards] approve to a \
                 card this sandbox approves",
                st.status
            ));
            None
        }
        None => {
            v.error(format!("{what}: the payment {id} reached no final status"));
            None
        }
    }
}

/// Compares the info endpoint with what was sent and the final status (API.md §4.5 "same fields
/// as the webhook"); each disagreement is one message.
pub fn info_disagreements(
    info: &Value,
    id: &str,
    rid: &str,
    status: &str,
    amount: &str,
    currency: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(got) = id_field(info, "transactionId")
        && got != id
    {
        out.push(format!("info transactionId {got} is not {id}"));
    }
    if let Some(got) = info.get("requestId").and_then(Value::as_str)
        && got != rid
    {
        out.push(format!("info requestId {got} is not {rid}"));
    }
    match status_of(info) {
        Some(s) if s.status != status => out.push(format!("info says {} while status says {status}", s.status)),
        None => out.push("info carries no transactionStatus".into()),
        Some(_) => {}
    }
    if let Some(got) = info.get("orderAmount").or_else(|| info.get("amount"))
        && let (Some(g), Ok(want)) = (got.as_f64().or_else(|| got.as_str()?.parse().ok()), amount.parse::<f64>())
        && (g - want).abs() > 0.005
    {
        out.push(format!("info orderAmount {got} is not {amount}"));
    }
    if let Some(got) = info.get("orderCurrency").or_else(|| info.get("currency")).and_then(Value::as_str)
        && got != currency
    {
        out.push(format!("info orderCurrency {got} is not {currency}"));
    }
    out
}

/// A callback whose `transactionId` is `id` (or whose `refundId` is, for refunds).
pub fn for_transaction(id: &str) -> impl Fn(&Callback) -> bool + Send + use<> {
    let id = id.to_string();
    move |c: &Callback| c.field("transactionId") == Some(id.as_str()) || c.field("refundId") == Some(id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_and_implementations_agree() {
        let names: Vec<&str> = FLOWS.iter().map(|f| f.implementation).collect();
        assert_eq!(names, super::super::IMPLEMENTATIONS);
        for f in FLOWS {
            if let Some(c) = f.config_flow {
                assert!(crate::config::ALL_FLOWS.contains(&c), "{c} is not a [sandbox] flows name");
            }
        }
    }

    #[test]
    fn status_shapes() {
        assert_eq!(status_of(&json!("SUCCEED")).unwrap().status, "SUCCEED");
        let s = status_of(&json!({"transactionId": "1", "transactionStatus": "FAILED", "declineCode": 5})).unwrap();
        assert_eq!((s.status.as_str(), s.decline_code), ("FAILED", Some(5)));
        assert_eq!(status_of(&json!({"status": "PENDING", "declineCode": "12"})).unwrap().decline_code, Some(12));
        assert!(status_of(&json!(42)).is_none());
    }

    #[test]
    fn request_ids_are_unique_and_prefixed() {
        let a = request_id();
        assert!(a.starts_with("golive-") && a.len() == 43);
        assert_ne!(a, request_id());
    }

    #[test]
    fn amounts_follow_the_currency() {
        assert_eq!(amount_for("EUR"), "10.00");
        assert_eq!(amount_for("JPY"), "1000");
        assert_eq!(amount_for("KWD"), "10.000");
    }

    #[test]
    fn verdicts_rank_statuses() {
        let mut v = Verdicts::new("r");
        v.note("ok");
        assert_eq!(v.finish().status, Status::Pass);
        let mut v = Verdicts::new("r");
        v.warn("w");
        v.manual("m");
        let o = v.finish();
        assert_eq!((o.status, o.message.as_str()), (Status::Manual, "m; w"));
        let mut v = Verdicts::new("r");
        v.error("e");
        v.fail("f");
        assert_eq!(v.finish().status, Status::Fail);
    }

    #[test]
    fn info_checks() {
        let info = json!({"transactionId": 7, "requestId": "r", "transactionStatus": "SUCCEED", "orderAmount": 10.0, "orderCurrency": "EUR"});
        assert!(info_disagreements(&info, "7", "r", "SUCCEED", "10.00", "EUR").is_empty());
        let d = info_disagreements(&info, "8", "r", "FAILED", "12.00", "USD");
        assert_eq!(d.len(), 4, "{d:?}");
    }

    #[test]
    fn camel_names() {
        assert_eq!(camel("3DS payment"), "3dsPayment");
        assert_eq!(camel("refund"), "refund");
    }
}
