//! The inspectable log: every request and every callback attempt, kept in memory (for
//! `GET /_simulator/log` and [`RunningSimulator::request_log`](super::RunningSimulator::request_log))
//! and appended as JSON lines to `--log FILE`.
//!
//! A request record says *whether* an `Authorization` header, a `merchantSecret` field or the
//! secret's value was present, never the value itself, so the log shows where a client sends its
//! secret without leaking it.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, TRACE_HEADER, now_iso, trace_id};
use super::state::Sim;

/// Largest request body read.
pub(crate) const MAX_BODY: usize = 1 << 20;
/// Entries kept in memory (the file keeps everything).
const MEMORY_CAP: usize = 100_000;

/// One log line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LogEntry {
    /// An HTTP request the simulator answered.
    Request(RequestRecord),
    /// One callback delivery attempt.
    Callback(CallbackRecord),
}

/// A request and its answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// When it arrived (ISO 8601).
    pub ts: String,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// HTTP status answered.
    pub status: u16,
    /// Time to answer.
    pub duration_ms: u64,
    /// Client IP address.
    pub client_ip: Option<String>,
    /// The body's `requestId`, if any.
    pub request_id: Option<String>,
    /// The transaction it created or read, if any.
    pub transaction_id: Option<String>,
    /// The `X-Trace-Id` answered.
    pub trace_id: Option<String>,
    /// Whether an `Authorization` header was sent.
    pub authorization: bool,
    /// Whether the body had a `merchantSecret` field.
    pub merchant_secret: bool,
    /// Whether the merchant secret's value appeared anywhere in the request (URL, headers, body).
    pub secret_seen: bool,
}

/// A callback delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallbackRecord {
    /// When the attempt started.
    pub ts: String,
    /// The transaction.
    pub transaction_id: String,
    /// The status the body carries.
    pub transaction_status: String,
    /// Where it was sent (with the appended query).
    pub url: String,
    /// 1 = first delivery, 2–6 = retries.
    pub attempt: u32,
    /// The receiver's HTTP status.
    pub http_status: Option<u16>,
    /// Connection error or timeout.
    pub error: Option<String>,
    /// Time taken.
    pub duration_ms: u64,
    /// `duplicate`, `out_of_order` or `dropped` when chaos made this attempt.
    pub chaos: Option<String>,
    /// The `X-Checksum` sent.
    pub checksum: String,
}

/// The log sink.
#[derive(Debug)]
pub(crate) struct RequestLog {
    memory: Mutex<VecDeque<LogEntry>>,
    file: Mutex<Option<BufWriter<File>>>,
}

impl RequestLog {
    /// A log that also appends to `path`.
    pub(crate) fn open(path: Option<&Path>) -> io::Result<Self> {
        let file = match path {
            Some(p) => Some(BufWriter::new(File::options().create(true).append(true).open(p)?)),
            None => None,
        };
        Ok(Self { memory: Mutex::new(VecDeque::new()), file: Mutex::new(file) })
    }

    /// Adds an entry.
    pub(crate) fn push(&self, entry: LogEntry) {
        if let Some(w) = self.file.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            let line = serde_json::to_string(&entry).unwrap_or_default();
            if let Err(e) = writeln!(w, "{line}").and_then(|()| w.flush()) {
                tracing::warn!(error = %e, "cannot write the simulator log");
            }
        }
        let mut m = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if m.len() >= MEMORY_CAP {
            m.pop_front();
        }
        m.push_back(entry);
    }

    /// Every entry kept in memory, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<LogEntry> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }
}

/// Middleware: buffers the request and response bodies to record one [`RequestRecord`], and sets
/// `X-Trace-Id` on every answer. `/_simulator` requests are not recorded.
pub(crate) async fn record(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_simulator") {
        return next.run(req).await;
    }
    let started = Instant::now();
    let ts = now_iso();
    let (parts, body) = req.into_parts();
    let client_ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let mut rec = RequestRecord {
        ts,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        status: 0,
        duration_ms: 0,
        client_ip,
        request_id: None,
        transaction_id: None,
        trace_id: None,
        authorization: parts.headers.contains_key(AUTHORIZATION),
        merchant_secret: false,
        secret_seen: false,
    };
    let resp = match to_bytes(body, MAX_BODY).await {
        Err(_) => ApiError::too_large().into_response(),
        Ok(bytes) => {
            let json: Option<Value> = serde_json::from_slice(&bytes).ok();
            rec.request_id = json.as_ref().and_then(|v| v.get("requestId")).and_then(Value::as_str).map(str::to_string);
            rec.merchant_secret = json.as_ref().is_some_and(|v| v.get("merchantSecret").is_some());
            rec.secret_seen = secret_seen(sim.secret(), &parts, &bytes);
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
    };
    let (mut rparts, rbody) = resp.into_parts();
    let rbytes = to_bytes(rbody, usize::MAX).await.unwrap_or_default();
    if !rparts.headers.contains_key(TRACE_HEADER)
        && let Ok(v) = HeaderValue::from_str(&trace_id())
    {
        rparts.headers.insert(TRACE_HEADER, v);
    }
    rec.status = rparts.status.as_u16();
    rec.trace_id = rparts.headers.get(TRACE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    rec.transaction_id = transaction_id(&rec.path, &rbytes);
    rec.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    sim.0.log.push(LogEntry::Request(rec));
    Response::from_parts(rparts, Body::from(rbytes))
}

/// Whether `secret` occurs in the URL, a header or the body.
fn secret_seen(secret: &str, parts: &axum::http::request::Parts, body: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let needle = secret.as_bytes();
    let contains = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    contains(parts.uri.to_string().as_bytes())
        || parts.headers.values().any(|v| contains(v.as_bytes()))
        || contains(body)
}

/// The transaction a request touched: the response's id, else the `{id}` of a status/info path.
fn transaction_id(path: &str, response: &[u8]) -> Option<String> {
    let json: Option<Value> = serde_json::from_slice(response).ok();
    let from_body = json.as_ref().and_then(|v| {
        ["transactionId", "refundId"].iter().find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    });
    from_body.or_else(|| {
        let mut segs = path.rsplit('/');
        let last = segs.next()?;
        matches!(segs.next(), Some("status" | "info")).then(|| last.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_transaction_id() {
        assert_eq!(transaction_id("/api/v1/payments/card", br#"{"transactionId":"7"}"#).as_deref(), Some("7"));
        assert_eq!(transaction_id("/api/v1/payments/apm/status/9", br#""SUCCEED""#).as_deref(), Some("9"));
        assert_eq!(transaction_id("/api/v1/auth", br#"{"token":"x"}"#), None);
    }

    #[test]
    fn entries_serialize_with_a_kind_tag() {
        let e = LogEntry::Callback(CallbackRecord {
            ts: "t".into(),
            transaction_id: "1".into(),
            transaction_status: "SUCCEED".into(),
            url: "http://x/?paymentMethod=card".into(),
            attempt: 1,
            http_status: Some(200),
            error: None,
            duration_ms: 3,
            chaos: None,
            checksum: "c".into(),
        });
        let s = serde_json::to_string(&e).unwrap_or_default();
        assert!(s.starts_with(r#"{"kind":"callback","ts":"t","transactionId":"1""#), "{s}");
    }
}
