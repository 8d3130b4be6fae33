//! Callbacks (API.md §10): whenever a transaction enters a status, POST its info body to its
//! `callbackUrl` with `?paymentMethod=card` or `?paymentMethod=apm&apmType=X` appended and an
//! `X-Checksum` header (§11, field set per [`ChecksumVariant`]).
//!
//! * The signed amount text is the literal text of the JSON number in the body (`10.0`), because
//!   both come from the same `serde_json` rendering.
//! * Final statuses are retried after a non-2xx answer or a timeout, 2, 4, 8, 16 and 32 minutes
//!   after the previous attempt (§10.2), each delay multiplied by `time_scale`. Intermediate
//!   statuses are sent once (the Callback Retry page: only final statuses are stored for retry).
//! * A transaction's callbacks leave in status order: each takes a ticket in its [`Lane`] when the
//!   status changes (under the store lock), and its first attempt waits for the previous ticket.
//!   Retries run outside the lane, so a failing receiver does not hold later statuses back.
//! * Chaos: `duplicate` sends a delivered callback again, `out_of_order` sends a stale `PENDING`
//!   after a delivered final status, `delay_ms` waits before the first attempt, `drop` never sends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::checksum::{self, ChecksumVariant};
use super::error::now_iso;
use super::log::{CallbackRecord, LogEntry};
use super::model::{Kind, Status, Tx};
use super::state::Sim;

/// Delay before retry 1 (then doubled: 2, 4, 8, 16, 32 minutes).
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(120);
/// Retries after the first attempt.
pub(crate) const RETRIES: u32 = 5;

/// Orders one transaction's callbacks.
#[derive(Debug)]
pub(crate) struct Lane {
    serving: watch::Sender<u64>,
    next: AtomicU64,
}

impl Lane {
    /// A new lane.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self { serving: watch::Sender::new(0), next: AtomicU64::new(0) })
    }

    fn ticket(&self) -> u64 {
        self.next.fetch_add(1, Ordering::SeqCst)
    }

    async fn wait_turn(&self, ticket: u64) {
        let mut rx = self.serving.subscribe();
        let _ = rx.wait_for(|v| *v >= ticket).await;
    }

    fn done(&self) {
        self.serving.send_modify(|v| *v += 1);
    }
}

/// One callback to deliver.
struct Job {
    tx_id: String,
    status: Status,
    url: String,
    body: Vec<u8>,
    checksum: String,
    stale: Option<Vec<u8>>,
    lane: Arc<Lane>,
    ticket: u64,
}

/// Schedules the callback for the status `tx` just entered. Call it under the store lock, right
/// after the change, so tickets follow the order of changes.
pub(crate) fn on_status_change(sim: &Sim, tx: &Tx) {
    let Some(base) = tx.callback_url.as_deref() else { return };
    let variant = sim.cfg().checksum_variant;
    let body = tx.info(variant);
    let message = message(tx, variant, &body);
    let chaos = sim.chaos();
    let stale = (chaos.out_of_order && tx.status.is_final())
        .then(|| serde_json::to_vec(&Value::Object(tx.info_as(Status::Pending, variant))).unwrap_or_default());
    let job = Job {
        tx_id: tx.id.clone(),
        status: tx.status,
        url: callback_url(base, tx.kind, tx.apm.as_ref().map(|a| a.apm_type.as_str())),
        body: serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        checksum: checksum::sign(sim.secret(), &message),
        stale,
        lane: Arc::clone(&tx.lane),
        ticket: tx.lane.ticket(),
    };
    sim.begin_job();
    let sim = sim.clone();
    tokio::spawn(async move {
        deliver(&sim, job).await;
        sim.end_job();
    });
}

async fn deliver(sim: &Sim, job: Job) {
    let mut stop = sim.0.shutdown.clone();
    tokio::select! {
        () = job.lane.wait_turn(job.ticket) => {}
        _ = stop.wait_for(|v| *v) => return,
    }
    let chaos = sim.chaos();
    if chaos.drop {
        record(sim, &job, 1, None, None, Duration::ZERO, Some("dropped"));
        job.lane.done();
        return;
    }
    if chaos.delay_ms > 0 && !sim.sleep(Duration::from_millis(chaos.delay_ms)).await {
        job.lane.done();
        return;
    }
    let mut delivered = post(sim, &job, &job.body, 1, None).await;
    if delivered {
        extras(sim, &job).await;
    }
    job.lane.done();
    if delivered || !job.status.is_final() {
        return;
    }
    for retry in 1..=RETRIES {
        let wait = sim.scaled(FIRST_RETRY * 2u32.pow(retry - 1));
        if !sim.sleep(wait).await {
            return;
        }
        delivered = post(sim, &job, &job.body, retry + 1, None).await;
        if delivered {
            extras(sim, &job).await;
            return;
        }
    }
    tracing::debug!(transaction = %job.tx_id, "callback dropped after {RETRIES} retries");
}

/// Chaos after a delivered callback: a duplicate, then a stale status.
async fn extras(sim: &Sim, job: &Job) {
    let chaos = sim.chaos();
    if chaos.duplicate {
        post(sim, job, &job.body, 1, Some("duplicate")).await;
    }
    if let Some(stale) = &job.stale {
        post(sim, job, stale, 1, Some("out_of_order")).await;
    }
}

/// One POST; `true` on a 2xx answer.
async fn post(sim: &Sim, job: &Job, body: &[u8], attempt: u32, chaos: Option<&'static str>) -> bool {
    let started = Instant::now();
    let res = sim
        .0
        .http
        .post(&job.url)
        .header(CONTENT_TYPE, "application/json")
        .header("X-Checksum", &job.checksum)
        .body(body.to_vec())
        .timeout(sim.cfg().callback_timeout)
        .send()
        .await;
    let (code, error) = match res {
        Ok(r) => {
            let code = r.status().as_u16();
            let _ = r.bytes().await;
            (Some(code), None)
        }
        Err(e) => (None, Some(describe(&e))),
    };
    record(sim, job, attempt, code, error, started.elapsed(), chaos);
    code.is_some_and(|c| (200..300).contains(&c))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_string()
    } else if e.is_connect() {
        "connection refused or unreachable".to_string()
    } else {
        e.to_string()
    }
}

fn record(
    sim: &Sim,
    job: &Job,
    attempt: u32,
    http_status: Option<u16>,
    error: Option<String>,
    took: Duration,
    chaos: Option<&str>,
) {
    let status = if chaos == Some("out_of_order") { Status::Pending } else { job.status };
    sim.0.log.push(LogEntry::Callback(CallbackRecord {
        ts: now_iso(),
        transaction_id: job.tx_id.clone(),
        transaction_status: status.as_str().to_string(),
        url: job.url.clone(),
        attempt,
        http_status,
        error,
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        chaos: chaos.map(str::to_string),
        checksum: job.checksum.clone(),
    }));
}

/// One component of a signed message.
enum Part {
    /// The text of this body field (strings unquoted, numbers as in the JSON).
    Field(&'static str),
    /// The amount in minor units.
    Minor,
}

/// The `X-Checksum` message for `body` (see the table on [`ChecksumVariant`]).
pub(crate) fn message(tx: &Tx, variant: ChecksumVariant, body: &Map<String, Value>) -> String {
    use Part::{Field, Minor};
    let a = variant == ChecksumVariant::A;
    let parts: [Part; 4] = match tx.kind {
        Kind::CardPayment => {
            [Field("mid"), if a { Minor } else { Field("orderAmount") }, Field("orderCurrency"), Field("transactionId")]
        }
        Kind::Refund | Kind::CardPayout => {
            [Field("mid"), if a { Minor } else { Field("totalAmount") }, Field("currency"), Field("transactionId")]
        }
        Kind::ApmPayment | Kind::ApmPayout => match variant {
            ChecksumVariant::A => [Field("accountId"), Minor, Field("orderCurrency"), Field("transactionId")],
            ChecksumVariant::B | ChecksumVariant::C => {
                [Field("accountId"), Field("orderAmount"), Field("orderCurrency"), Field("transactionId")]
            }
            ChecksumVariant::D => [Field("accountId"), Field("amount"), Field("currency"), Field("transactionId")],
        },
    };
    parts
        .iter()
        .map(|p| match p {
            Minor => tx.money.minor.to_string(),
            Field(k) => match body.get(*k) {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => String::new(),
                Some(v) => v.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// `base` with the callback query appended: `?` or `&` as the URL needs, before any fragment.
pub(crate) fn callback_url(base: &str, kind: Kind, apm_type: Option<&str>) -> String {
    let (main, fragment) = match base.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (base, None),
    };
    let params = if kind.is_apm() {
        format!("paymentMethod=apm&apmType={}", encode(apm_type.unwrap_or("")))
    } else {
        "paymentMethod=card".to_string()
    };
    let sep = if !main.contains('?') {
        "?"
    } else if main.ends_with('?') || main.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut url = format!("{main}{sep}{params}");
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_the_query_whatever_the_url() {
        let card = |u| callback_url(u, Kind::CardPayment, None);
        assert_eq!(card("https://shop.example/cb"), "https://shop.example/cb?paymentMethod=card");
        assert_eq!(card("https://shop.example/cb?shop=1"), "https://shop.example/cb?shop=1&paymentMethod=card");
        assert_eq!(card("https://shop.example/cb?"), "https://shop.example/cb?paymentMethod=card");
        assert_eq!(card("https://shop.example/cb?a=1&"), "https://shop.example/cb?a=1&paymentMethod=card");
        assert_eq!(card("https://shop.example/cb#frag"), "https://shop.example/cb?paymentMethod=card#frag");
        assert_eq!(
            callback_url("https://shop.example/cb?x=y", Kind::ApmPayment, Some("UPI_QR")),
            "https://shop.example/cb?x=y&paymentMethod=apm&apmType=UPI_QR"
        );
        assert_eq!(
            callback_url("http://h/", Kind::ApmPayout, Some("A B")),
            "http://h/?paymentMethod=apm&apmType=A%20B"
        );
    }
}
