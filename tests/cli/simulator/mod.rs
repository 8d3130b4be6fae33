//! The Exirom sandbox simulator over real HTTP on 127.0.0.1: every endpoint, callbacks and their
//! checksums, retries, chaos, idempotency, 401 and 429 (in-process, `api.rs` and `callbacks.rs`);
//! the `golive simulate` binary driven by a client written from the documented contract
//! (`binary.rs`); 200 concurrent flows (`load.rs`).
//!
//! The helpers here are deliberately independent of the simulator's code: requests, checksums and
//! the callback receiver are written from API.md, so the tests check the contract, not the code.

mod api;
mod binary;
mod callbacks;
mod load;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use golive::simulator::{RunningSimulator, SimConfig, Simulator};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// Every test gives up after this long waiting for something asynchronous.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// A simulator with test-friendly timing: minutes become tenths of a millisecond.
pub(crate) async fn start(cfg: SimConfig) -> RunningSimulator {
    golive::install_crypto_provider();
    Simulator::start(cfg, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// The config most tests use: fast time, no rate limit.
pub(crate) fn fast() -> SimConfig {
    SimConfig { time_scale: 0.0001, ..SimConfig::default() }
}

/// One callback as received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The raw query string (`paymentMethod=card`).
    pub query: String,
    /// `X-Checksum`.
    pub checksum: String,
    /// The body exactly as sent.
    pub raw: String,
    /// The body parsed.
    pub body: Value,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    /// `transactionStatus`.
    pub fn status(&self) -> &str {
        self.body["transactionStatus"].as_str().unwrap_or("")
    }

    /// `transactionId`.
    pub fn tx(&self) -> &str {
        self.body["transactionId"].as_str().unwrap_or("")
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Vec<Received>,
    /// Answer 500 to this many requests first.
    fail_first: usize,
}

/// A merchant callback endpoint on loopback that records everything.
#[derive(Clone)]
pub(crate) struct Receiver {
    state: Arc<Mutex<ReceiverState>>,
    addr: SocketAddr,
}

impl Receiver {
    /// Starts a receiver answering 200.
    pub async fn start() -> Self {
        Self::failing_first(0).await
    }

    /// Starts a receiver answering 500 to the first `n` callbacks, then 200.
    pub async fn failing_first(n: usize) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState { got: Vec::new(), fail_first: n }));
        let app = Router::new().route("/{*path}", post(receive)).route("/", post(receive)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, addr }
    }

    /// The callback URL (`http://127.0.0.1:PORT/path`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Received> {
        self.state.lock().unwrap().got.clone()
    }

    /// Waits until `pred` holds for what was received; panics after [`WAIT`].
    pub async fn wait_until(&self, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let until = Instant::now() + WAIT;
        loop {
            let got = self.all();
            if pred(&got) {
                return got;
            }
            assert!(Instant::now() < until, "timed out waiting for {what}; received: {got:#?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits for a callback of `tx` with `status` that the receiver accepted.
    pub async fn wait_for(&self, tx: &str, status: &str) -> Received {
        let got = self
            .wait_until(&format!("{tx} {status}"), |g| g.iter().any(|r| r.tx() == tx && r.status() == status))
            .await;
        got.into_iter().find(|r| r.tx() == tx && r.status() == status).unwrap()
    }
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut s = state.lock().unwrap();
    let answered = if s.fail_first > 0 {
        s.fail_first -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    let raw = String::from_utf8_lossy(&body).into_owned();
    s.got.push(Received {
        query: query.unwrap_or_default(),
        checksum: headers.get("x-checksum").and_then(|v| v.to_str().ok()).unwrap_or("").to_string(),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        answered: answered.as_u16(),
    });
    answered
}

/// A client of the documented API.
pub(crate) struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    /// Authenticates against `base` (`…/api`) with the given credentials.
    pub async fn login(base: &str, key: &str, secret: &str) -> Self {
        let http = client();
        let resp = http
            .post(format!("{base}/v1/auth"))
            .json(&json!({"merchantKey": key, "merchantSecret": secret}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        // The docs show a bare string and an object carrying `token` (API.md §2).
        let token = body.as_str().or_else(|| body["token"].as_str()).unwrap().to_string();
        Self { http, base: base.to_string(), token }
    }

    /// Authenticates against a running simulator.
    pub async fn for_sim(sim: &RunningSimulator) -> Self {
        let c = sim.credentials();
        Self::login(&sim.base_url(), c.key.expose(), c.secret.expose()).await
    }

    /// POSTs JSON to `path` (`/v1/...`).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// A reqwest client that does not follow redirects (the 3DS page answers 302).
pub(crate) fn client() -> reqwest::Client {
    golive::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A documented card payment request (API.md §4.2).
pub(crate) fn card_payment(request_id: &str, card: &str, amount: &str, currency: &str, callback: &str) -> Value {
    json!({
        "requestId": request_id,
        "mid": "M-1001",
        "amount": amount,
        "currency": currency,
        "lang": "en",
        "card": {"number": card, "cardHolderName": "Ada Lovelace", "expMonth": "08", "expYear": "2031",
                 "cvv": "123", "requestThreeDSecure": true},
        "billingDetails": {"externalUserId": "u1", "firstName": "Ada", "lastName": "Lovelace", "address1": "1 Main St",
                           "city": "Dublin", "country": "IE", "postalCode": "D01", "phone": "+353851234567",
                           "email": "ada@example.com", "dateOfBirth": "1990-12-10"},
        "order": {"orderId": format!("order-{request_id}"), "title": "Tea"},
        "device": {"ip": "203.0.113.7", "userAgent": "Mozilla/5.0", "accept": "text/html", "acceptLanguage": "en",
                   "javaEnabled": false, "javaScriptEnabled": true, "deviceLanguage": "en", "colorDepth": "24",
                   "screenHeight": "800", "screenWidth": "1280", "deviceTimezone": "Europe/Dublin"},
        "callbackUrl": callback,
        "successRedirectUrl": "https://shop.example/pay/ok",
        "failureRedirectUrl": "https://shop.example/pay/failed",
        "metadata": {"cart": "c-1"},
    })
}

/// A documented APM payment request with its request checksum (API.md §7.2, §11).
pub(crate) fn apm_payment(
    secret: &str,
    request_id: &str,
    apm_type: &str,
    amount: &str,
    currency: &str,
    callback: &str,
) -> Value {
    let account = "1001";
    json!({
        "requestId": request_id,
        "accountId": account,
        "amount": amount,
        "currency": currency,
        "apmPayload": {"paymentMethod": apm_type, "paymentType": "E_WALLET"},
        "callbackUrl": callback,
        "successRedirectUrl": "https://shop.example/apm/ok",
        "failureRedirectUrl": "https://shop.example/apm/failed",
        "billingDetails": {"email": "ada@example.com", "country": "BR"},
        "order": {"orderId": format!("order-{request_id}")},
        "device": {"ip": "203.0.113.7"},
        "checksum": hmac_b64(secret, &format!("{account}|{amount}|{currency}|{request_id}")),
    })
}

/// `Base64(HMAC-SHA256(secret, message))`.
pub(crate) fn hmac_b64(secret: &str, message: &str) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

/// The literal JSON text of a top-level field in a raw body: strings without quotes, numbers
/// exactly as written (`10.0` stays `10.0`). A verifier must sign this text, not a re-rendered
/// float (API.md §11.2, consequence 4).
pub(crate) fn literal(raw: &str, field: &str) -> String {
    let key = format!("\"{field}\":");
    let Some(start) = raw.find(&key) else { return String::new() };
    let rest = raw[start + key.len()..].trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        s[..s.find('"').unwrap()].to_string()
    } else {
        let end = rest.find([',', '}']).unwrap();
        let v = rest[..end].trim();
        if v == "null" { String::new() } else { v.to_string() }
    }
}

/// Minor units of a JSON amount text (`10.5` EUR → `1050`, `500.0` JPY → `500`).
fn minor(amount: &str, currency: &str) -> String {
    let exp = if matches!(currency, "JPY" | "KRW" | "VND" | "CLP") { 0 } else { 2 };
    format!("{}", (amount.parse::<f64>().unwrap() * 10f64.powi(exp)).round())
}

/// Verifies a callback's `X-Checksum` as a merchant would, for the checksum variant the simulator
/// was told to use (API.md §11.2). Returns the message that matched.
pub(crate) fn verify_callback(secret: &str, variant: &str, r: &Received) -> Result<String, String> {
    let f = |name: &str| literal(&r.raw, name);
    let apm = r.query.starts_with("paymentMethod=apm") || r.query.contains("&paymentMethod=apm");
    let message = if apm {
        match variant {
            "a" => format!(
                "{}|{}|{}|{}",
                f("accountId"),
                minor(&f("orderAmount"), &f("orderCurrency")),
                f("orderCurrency"),
                f("transactionId")
            ),
            "b" | "c" => {
                format!("{}|{}|{}|{}", f("accountId"), f("orderAmount"), f("orderCurrency"), f("transactionId"))
            }
            _ => format!("{}|{}|{}|{}", f("accountId"), f("amount"), f("currency"), f("transactionId")),
        }
    } else if r.raw.contains("\"totalAmount\"") {
        // Refunds and card payouts (the docs leave their field set unstated; see the simulator docs).
        let amount = if variant == "a" { minor(&f("totalAmount"), &f("currency")) } else { f("totalAmount") };
        format!("{}|{amount}|{}|{}", f("mid"), f("currency"), f("transactionId"))
    } else {
        let amount = if variant == "a" { minor(&f("orderAmount"), &f("orderCurrency")) } else { f("orderAmount") };
        format!("{}|{amount}|{}|{}", f("mid"), f("orderCurrency"), f("transactionId"))
    };
    if hmac_b64(secret, &message) == r.checksum { Ok(message) } else { Err(format!("checksum mismatch for {message}")) }
}

/// Completes the page at `url` the way a browser submits its form: GET it, take the form's action
/// and every pre-filled `<input>` value, add the chosen button (`pass`, `fail`, or none), POST.
/// Returns the answer's status and `Location`.
pub(crate) async fn submit_page(http: &reqwest::Client, url: &str, button: Option<&str>) -> (u16, String) {
    let html = http.get(url).send().await.unwrap().text().await.unwrap();
    let action = regex::Regex::new(r#"<form[^>]*action="([^"]+)""#).unwrap().captures(&html).unwrap()[1].to_string();
    let action = if action.starts_with("http") {
        action
    } else {
        let origin: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        format!("{origin}{action}")
    };
    let input = regex::Regex::new(r#"<input[^>]*name="([^"]+)"[^>]*value="([^"]*)""#).unwrap();
    let mut form: Vec<(String, String)> =
        input.captures_iter(&html).map(|c| (c[1].to_string(), c[2].to_string())).collect();
    if let Some(b) = button {
        form.push(("result".into(), b.into()));
    }
    let r = http.post(action).form(&form).send().await.unwrap();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), location)
}
