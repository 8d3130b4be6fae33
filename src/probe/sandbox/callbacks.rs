//! golive's own callback receiver for the sandbox flows: an axum listener on loopback whose URL
//! goes out as `callbackUrl` (or, for the real sandbox, a public tunnel URL given with
//! `--callback-url` / `[sandbox] callback_url` that forwards to it).
//!
//! It answers every POST with 200 at once (as Exirom's handler guidance asks), keeps the raw body,
//! query and `X-Checksum`, and lets a flow wait — always with a timeout — for the callback of one
//! transaction. Verification uses the checksum variants of API.md §11 (see `checksum.rs`). GET
//! requests answer the success/failure redirect URLs the 3DS flow sends the "customer" to.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use tokio::sync::Notify;

use super::checksum::{self, Kind, Verdict};

/// Where callbacks are posted on the listener.
pub const CALLBACK_PATH: &str = "/exirom/callback";
/// Where the 3DS/APM flow sends the customer after success.
pub const SUCCESS_PATH: &str = "/return/success";
/// Where the 3DS/APM flow sends the customer after failure.
pub const FAILURE_PATH: &str = "/return/failure";

/// One callback as received.
#[derive(Debug, Clone)]
pub struct Callback {
    /// Query parameters (`paymentMethod`, `apmType`).
    pub query: BTreeMap<String, String>,
    /// `X-Checksum` header.
    pub checksum: Option<String>,
    /// Raw body text.
    pub raw: String,
    /// The body parsed.
    pub body: Value,
    /// Literal text of the top-level scalar fields (numbers exactly as sent).
    pub fields: BTreeMap<String, String>,
    /// When it arrived.
    pub at: Instant,
}

impl Callback {
    /// A top-level field's text.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// `transactionStatus`.
    pub fn status(&self) -> Option<&str> {
        self.field("transactionStatus")
    }

    /// The checksum verdict for this callback's kind (card, APM, other).
    pub fn verify(&self, secret: &str, kind: Kind) -> Verdict {
        checksum::verify(secret, self.checksum.as_deref(), &self.fields, kind)
    }

    /// The kind the query parameters announce (`?paymentMethod=apm` → APM).
    pub fn announced_kind(&self) -> Kind {
        match self.query.get("paymentMethod").map(String::as_str) {
            Some("apm") => Kind::Apm,
            _ if self.query.contains_key("apmType") => Kind::Apm,
            _ => Kind::Card,
        }
    }
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Callback>>,
    notify: Notify,
}

/// The running listener. Dropping it stops the server.
pub struct Listener {
    inbox: Arc<Inbox>,
    local: SocketAddr,
    public: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Listener {
    /// Starts listening on `addr` (`127.0.0.1:0` picks a free port). `public` is the URL Exirom
    /// should call instead of the local one (a tunnel to this listener).
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn start(addr: &str, public: Option<String>) -> Result<Self, String> {
        let tcp = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen for callbacks on {addr}: {e}"))?;
        let local = tcp.local_addr().map_err(|e| format!("cannot read the callback listener's address: {e}"))?;
        let inbox = Arc::new(Inbox::default());
        let state = Arc::clone(&inbox);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&state);
            async move { handle(&state, &method, &uri, &headers, &body) }
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(tcp, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self { inbox, local, public: public.map(|p| p.trim_end_matches('/').to_string()), stop: Some(stop) })
    }

    /// The local address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Whether Exirom is given a public tunnel URL rather than the loopback one.
    pub fn is_public(&self) -> bool {
        self.public.is_some()
    }

    fn base(&self) -> String {
        self.public.clone().unwrap_or_else(|| format!("http://{}", self.local))
    }

    /// The `callbackUrl` sent to Exirom. A configured public URL is used as given (it is the
    /// tunnel's address of this listener, which accepts callbacks on any path).
    pub fn callback_url(&self) -> String {
        match &self.public {
            Some(p) => p.clone(),
            None => format!("{}{CALLBACK_PATH}", self.base()),
        }
    }

    /// The `successRedirectUrl` sent to Exirom.
    pub fn success_url(&self) -> String {
        format!("http://{}{SUCCESS_PATH}", self.local)
    }

    /// The `failureRedirectUrl` sent to Exirom.
    pub fn failure_url(&self) -> String {
        format!("http://{}{FAILURE_PATH}", self.local)
    }

    /// Every callback received so far.
    pub fn all(&self) -> Vec<Callback> {
        self.inbox.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits up to `timeout` for a callback that `matches`; the earliest such callback.
    pub async fn wait_for(&self, timeout: Duration, matches: impl Fn(&Callback) -> bool) -> Option<Callback> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inbox.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(cb) =
                self.inbox.received.lock().unwrap_or_else(PoisonError::into_inner).iter().find(|c| matches(c))
            {
                return Some(cb.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}

fn handle(inbox: &Inbox, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    if method == Method::GET {
        let text = match uri.path() {
            SUCCESS_PATH => "golive: the customer reached the success redirect URL. You can close this page.",
            FAILURE_PATH => "golive: the customer reached the failure redirect URL. You can close this page.",
            _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
        };
        return Html(format!("<!doctype html><title>golive</title><p>{text}</p>")).into_response();
    }
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let raw = String::from_utf8_lossy(body).into_owned();
    let query = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let cb = Callback {
        query,
        checksum: headers.get("x-checksum").and_then(|v| v.to_str().ok()).map(str::to_string),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        fields: checksum::raw_fields(&raw),
        raw,
        at: Instant::now(),
    };
    tracing::debug!(
        transaction = cb.field("transactionId").unwrap_or("?"),
        status = cb.status().unwrap_or("?"),
        "callback received"
    );
    inbox.received.lock().unwrap_or_else(PoisonError::into_inner).push(cb);
    inbox.notify.notify_waiters();
    (StatusCode::OK, "OK").into_response()
}

/// `application/x-www-form-urlencoded` decoding of a query component.
pub fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_components_decode() {
        assert_eq!(percent_decode("UPI_QR"), "UPI_QR");
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[tokio::test]
    async fn records_callbacks_and_times_out() {
        crate::install_crypto_provider();
        let l = Listener::start("127.0.0.1:0", None).await.unwrap();
        let url = format!("{}?paymentMethod=apm&apmType=UPI_QR", l.callback_url());
        let client = reqwest::Client::new();
        let r = client
            .post(&url)
            .header("x-checksum", "abc=")
            .body(r#"{"transactionId":"t1","transactionStatus":"SUCCEED","orderAmount":10.50}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cb = l.wait_for(Duration::from_secs(2), |c| c.field("transactionId") == Some("t1")).await.unwrap();
        assert_eq!(cb.query.get("apmType").map(String::as_str), Some("UPI_QR"));
        assert_eq!(cb.field("orderAmount"), Some("10.50"));
        assert_eq!(cb.announced_kind(), Kind::Apm);
        let none = l.wait_for(Duration::from_millis(50), |c| c.field("transactionId") == Some("t2")).await;
        assert!(none.is_none());
        let page = client.get(l.success_url()).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
}
