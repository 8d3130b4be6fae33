//! `golive webhook` against hostile endpoints on loopback: servers written here that misbehave at
//! the socket level (slowloris headers, a body that never ends, a 1 GiB answer, redirect loops, a
//! TLS handshake that stalls, a reset mid-answer, an endpoint that answers once and then stalls),
//! plus DNS failure, a refused connection and an IPv6-only endpoint.
//!
//! Each test asserts two things: the affected rules end `fail` or `error` with a message that says
//! what happened, and the whole run ends within a bound derived from the timeouts in golive.toml
//! ([`run_bound`]). The timeouts are set small so the tests are quick; the bound is generous (it
//! is a hang guard, not a benchmark).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use golive::receiver::tls::{Identity, TlsListener};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::common::golive;

/// The merchant secret of these tests (visibly fake).
const SECRET: &str = "GOLIVEFAKE-hostile-secret";
/// `[webhook] timeout_ms` in these tests.
const TIMEOUT_MS: u64 = 1_000;
/// `[webhook] connect_timeout_ms` in these tests.
const CONNECT_MS: u64 = 500;

/// The longest a `golive webhook` run may take with these timeouts: DNS and the reachability
/// probe (one connect timeout each), then the four phases (handshakes, pilot delivery, the other
/// deliveries, response time), each under the per-check bound of `Probe::check_bound` (two
/// deliveries with their connects, plus 2 s), plus 10 s for starting the process and writing the
/// report on a loaded machine.
fn run_bound(timeout_ms: u64, connect_ms: u64) -> Duration {
    let check = 2 * (timeout_ms + connect_ms) + 2_000;
    Duration::from_millis(2 * connect_ms + 4 * check + 10_000)
}

const ALL_RULES: &[&str] = &[
    "webhook-https",
    "webhook-public",
    "webhook-tls-version",
    "webhook-certificate",
    "webhook-response-time",
    "webhook-accepts-callback",
    "webhook-failed-callback",
    "webhook-rejects-bad-checksum",
    "webhook-rejects-missing-checksum",
    "webhook-duplicate-delivery",
    "webhook-out-of-order",
    "webhook-apm-callback",
];

/// The rules that deliver a correctly signed callback and expect a 2xx.
const MUST_ACCEPT: &[&str] = &[
    "webhook-accepts-callback",
    "webhook-failed-callback",
    "webhook-duplicate-delivery",
    "webhook-out-of-order",
    "webhook-apm-callback",
];

/// The rules that deliver a forged or unsigned callback and expect a rejection.
const MUST_REJECT: &[&str] = &["webhook-rejects-bad-checksum", "webhook-rejects-missing-checksum"];

// ---------------------------------------------------------------------------------------------
// The bench: a runtime for the servers, a temp dir, a CA golive is told to trust.
// ---------------------------------------------------------------------------------------------

struct Bench {
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    identity: Identity,
    ca: PathBuf,
    config: PathBuf,
    timeout_ms: u64,
    connect_ms: u64,
}

impl Bench {
    fn new() -> Self {
        Self::with_timeouts(TIMEOUT_MS, CONNECT_MS)
    }

    fn with_timeouts(timeout_ms: u64, connect_ms: u64) -> Self {
        golive::install_crypto_provider();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let identity = Identity::generate(&["localhost", "127.0.0.1", "::1"]).unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &identity.ca_pem).unwrap();
        let config = dir.path().join("golive.toml");
        std::fs::write(
            &config,
            format!("[webhook]\ntimeout_ms = {timeout_ms}\nconnect_timeout_ms = {connect_ms}\nslow_ms = 800\n"),
        )
        .unwrap();
        Self { rt, dir, identity, ca, config, timeout_ms, connect_ms }
    }

    fn bound(&self) -> Duration {
        run_bound(self.timeout_ms, self.connect_ms)
    }

    /// Starts a hostile HTTPS server on 127.0.0.1.
    fn hostile(&self, misbehaviour: Misbehaviour) -> Hostile {
        let acceptor = TlsAcceptor::from(self.identity.server_config().unwrap());
        let stats = Arc::new(Stats::default());
        let addr = self.rt.block_on(async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            tokio::spawn(serve(l, acceptor, misbehaviour, Arc::clone(&stats)));
            addr
        });
        Hostile { url: format!("https://{addr}/exirom/callback"), stats }
    }

    /// Runs `golive webhook URL` with the secret, the CA and the small timeouts; JSON report.
    fn run(&self, url: &str) -> Run {
        let report = self.dir.path().join("report.json");
        let _ = std::fs::remove_file(&report);
        let started = Instant::now();
        let out = golive()
            .current_dir(self.dir.path())
            .env("EXIROM_MERCHANT_SECRET", SECRET)
            .args(["webhook", url, "--allow-private", "--mid", "M-HOSTILE", "--account-id", "4242", "--ca-cert"])
            .arg(&self.ca)
            .arg("--config")
            .arg(&self.config)
            .args(["--format", "json", "--output"])
            .arg(&report)
            // The hang guard's last resort: a run that outlives this is killed and the test fails.
            .timeout(self.bound() + Duration::from_secs(30))
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "golive panicked: {stderr}");
        assert!(
            elapsed < self.bound(),
            "the run took {elapsed:?}, over its bound of {:?} (timeout {} ms, connect {} ms)",
            self.bound(),
            self.timeout_ms,
            self.connect_ms
        );
        let text = std::fs::read_to_string(&report).unwrap_or_else(|e| panic!("no report ({e}); stderr: {stderr}"));
        Run { code: out.status.code(), report: serde_json::from_str(&text).unwrap(), elapsed }
    }
}

struct Run {
    code: Option<i32>,
    report: Value,
    elapsed: Duration,
}

impl Run {
    fn result(&self, rule: &str) -> &Value {
        self.report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap_or_else(|| panic!("no result for {rule}"))
    }

    fn status(&self, rule: &str) -> &str {
        self.result(rule)["status"].as_str().unwrap()
    }

    fn message(&self, rule: &str) -> &str {
        self.result(rule)["message"].as_str().unwrap()
    }

    fn all(&self) -> String {
        self.report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}: {}", r["rule"], r["status"], r["message"]))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `rule` ended with `status` and its message contains `needle`.
    fn expect(&self, rule: &str, status: &str, needle: &str) {
        assert_eq!(self.status(rule), status, "{rule}\n{}", self.all());
        assert!(
            self.message(rule).contains(needle),
            "{rule}: {:?} lacks {needle:?}\n{}",
            self.message(rule),
            self.all()
        );
    }

    /// Exactly one result per webhook rule, and the verdict fails (exit 1).
    fn complete_and_failing(&self) {
        let rules: BTreeMap<&str, &str> = self.report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["rule"].as_str().unwrap(), r["status"].as_str().unwrap()))
            .collect();
        assert_eq!(rules.len(), ALL_RULES.len(), "{}", self.all());
        assert!(ALL_RULES.iter().all(|r| rules.contains_key(r)), "{}", self.all());
        assert_eq!(self.code, Some(1), "{}", self.all());
        assert_eq!(self.report["verdict"], "fail");
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile servers.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehaviour {
    /// Completes TLS, reads the request, then sends the answer's head one byte per second.
    Slowloris,
    /// Answers `200` with a chunked body that gets a byte every 50 ms and never ends.
    EndlessBody,
    /// Answers `200` with `Content-Length: 1 GiB` and streams zeros as fast as the client reads.
    Gigabyte,
    /// Answers every request with `302` to the same URL.
    RedirectLoop,
    /// Sends half an answer, then resets the connection (`SO_LINGER` 0, then close).
    ResetMidResponse,
    /// Accepts TCP, reads the `ClientHello`, never answers it.
    StallHandshake,
    /// Answers the first request with `200` after 400 ms; every later request gets nothing.
    SlowThenStall,
}

#[derive(Debug, Default)]
struct Stats {
    /// Connections accepted.
    connections: AtomicUsize,
    /// HTTP requests read.
    requests: AtomicUsize,
    /// Bytes written, over all connections.
    written: AtomicU64,
    /// Bytes written on the busiest connection.
    most_on_one: AtomicU64,
}

struct Hostile {
    url: String,
    stats: Arc<Stats>,
}

/// One accepted connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, m: Misbehaviour, stats: Arc<Stats>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let n = stats.connections.fetch_add(1, Ordering::SeqCst);
        let acceptor = acceptor.clone();
        let stats = Arc::clone(&stats);
        tokio::spawn(async move {
            if m == Misbehaviour::StallHandshake {
                return hold(tcp).await;
            }
            if m == Misbehaviour::ResetMidResponse {
                // Closing a socket with a zero linger time sends RST instead of FIN.
                tcp.set_zero_linger().unwrap();
            }
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp)).await else {
                return; // golive's raw legacy-version probes end here
            };
            let mut s: Box<dyn Io> = Box::new(tls);
            if read_request(&mut s).await.is_none() {
                return;
            }
            let nth_request = stats.requests.fetch_add(1, Ordering::SeqCst);
            let written = misbehave(m, &mut s, n, nth_request).await;
            stats.written.fetch_add(written, Ordering::SeqCst);
            stats.most_on_one.fetch_max(written, Ordering::SeqCst);
        });
    }
}

/// Reads and discards whatever the client sends, answering nothing, for up to a minute.
async fn hold(mut tcp: TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// Reads one request (head and `Content-Length` body); `None` when the client went away.
async fn read_request(s: &mut Box<dyn Io>) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(buf);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Writes and flushes; `false` once the client is gone.
async fn send(s: &mut Box<dyn Io>, bytes: &[u8]) -> bool {
    s.write_all(bytes).await.is_ok() && s.flush().await.is_ok()
}

/// Misbehaves on one request; returns the bytes written.
async fn misbehave(m: Misbehaviour, s: &mut Box<dyn Io>, _connection: usize, nth_request: usize) -> u64 {
    let mut written = 0u64;
    match m {
        Misbehaviour::Slowloris => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: ";
            let endless = head.iter().copied().chain(std::iter::repeat(b'a'));
            for byte in endless.take(120) {
                if !send(s, &[byte]).await {
                    break;
                }
                written += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Misbehaviour::EndlessBody => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
            if send(s, head).await {
                written += head.len() as u64;
                for _ in 0..2_400 {
                    if !send(s, b"1\r\nx\r\n").await {
                        break;
                    }
                    written += 6;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        Misbehaviour::Gigabyte => {
            let total: u64 = 1 << 30;
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {total}\r\n\r\n");
            if send(s, head.as_bytes()).await {
                let zeros = vec![0u8; 64 * 1024];
                while written < total {
                    if s.write_all(&zeros).await.is_err() {
                        break;
                    }
                    written += zeros.len() as u64;
                }
            }
        }
        Misbehaviour::RedirectLoop => {
            // The same path again: a client that follows redirects would loop until its limit.
            let answer =
                b"HTTP/1.1 302 Found\r\nLocation: /exirom/callback\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            if send(s, answer).await {
                written += answer.len() as u64;
            }
        }
        Misbehaviour::ResetMidResponse => {
            let half = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial";
            if send(s, half).await {
                written += half.len() as u64;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Dropping the stream closes the socket: with the zero linger set at accept, a RST.
        }
        Misbehaviour::StallHandshake => unreachable!("handled at accept"),
        Misbehaviour::SlowThenStall => {
            if nth_request == 0 {
                tokio::time::sleep(Duration::from_millis(400)).await;
                let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                if send(s, ok).await {
                    written += ok.len() as u64;
                }
            } else {
                let mut buf = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(60), s.read(&mut buf)).await;
            }
        }
    }
    written
}

// ---------------------------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------------------------

#[test]
fn slowloris_headers_time_out_every_delivery() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::Slowloris);
    let run = b.run(&h.url);
    run.complete_and_failing();
    run.expect("webhook-tls-version", "pass", "TLS 1.3");
    for rule in MUST_ACCEPT {
        run.expect(rule, "fail", &format!("no answer within {TIMEOUT_MS} ms"));
    }
    for rule in MUST_REJECT {
        run.expect(rule, "error", "cannot tell whether the callback was rejected");
    }
    run.expect("webhook-response-time", "fail", "");
}

#[test]
fn a_body_that_never_ends_times_out() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::EndlessBody);
    let run = b.run(&h.url);
    run.complete_and_failing();
    for rule in MUST_ACCEPT {
        run.expect(rule, "fail", "did not end within");
    }
    for rule in MUST_REJECT {
        run.expect(rule, "error", "did not end within");
    }
}

#[test]
fn a_gigabyte_answer_is_read_only_up_to_the_cap() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::Gigabyte);
    let run = b.run(&h.url);
    run.complete_and_failing();
    // Answering 200 to everything: the forged and unsigned callbacks are accepted.
    for rule in MUST_REJECT {
        run.expect(rule, "fail", "HTTP 200");
    }
    run.expect("webhook-accepts-callback", "pass", "HTTP 200");
    // golive reads at most 64 KiB of an answer and then hangs up; what the server managed to
    // write beyond that is what the kernel buffers held. Far from 1 GiB on any connection.
    let most = h.stats.most_on_one.load(Ordering::SeqCst);
    let requests = h.stats.requests.load(Ordering::SeqCst) as u64;
    assert!(most < 64 << 20, "the server wrote {most} bytes on one connection: golive kept reading");
    assert!(h.stats.written.load(Ordering::SeqCst) < requests * (64 << 20));
}

#[test]
fn redirect_loops_are_not_followed() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::RedirectLoop);
    let run = b.run(&h.url);
    run.complete_and_failing();
    for rule in MUST_ACCEPT {
        run.expect(rule, "fail", "HTTP 302 redirect to /exirom/callback (not followed");
    }
    // One request per delivery golive makes (at most two per check), never a loop.
    let requests = h.stats.requests.load(Ordering::SeqCst);
    assert!(requests <= 2 * ALL_RULES.len(), "{requests} requests: a redirect was followed");
}

#[test]
fn a_reset_mid_answer_is_a_dropped_delivery() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::ResetMidResponse);
    let run = b.run(&h.url);
    run.complete_and_failing();
    for rule in MUST_ACCEPT {
        run.expect(rule, "fail", "closed the connection");
    }
    for rule in MUST_REJECT {
        run.expect(rule, "error", "cannot tell whether the callback was rejected");
    }
}

#[test]
fn a_stalled_tls_handshake_is_an_error_everywhere() {
    let b = Bench::new();
    let h = b.hostile(Misbehaviour::StallHandshake);
    let run = b.run(&h.url);
    run.complete_and_failing();
    run.expect("webhook-tls-version", "error", &format!("no TLS handshake within {CONNECT_MS} ms"));
    run.expect("webhook-certificate", "error", "no TLS 1.2/1.3 handshake completed");
    for rule in MUST_ACCEPT.iter().chain(MUST_REJECT) {
        run.expect(rule, "error", "TLS handshake");
    }
    run.expect("webhook-response-time", "error", "");
}

#[test]
fn an_endpoint_that_answers_once_then_stalls_stays_bounded() {
    // A longer timeout here, so one-by-one deliveries (7 × 2 s) stand out from one round (2 s).
    let timeout_ms = 2_000;
    let b = Bench::with_timeouts(timeout_ms, CONNECT_MS);
    let h = b.hostile(Misbehaviour::SlowThenStall);
    let run = b.run(&h.url);
    run.complete_and_failing();
    let answered = ALL_RULES.iter().filter(|r| run.message(r).contains("HTTP 200")).count();
    assert_eq!(answered, 1, "only the pilot delivery is answered\n{}", run.all());
    let timed_out =
        MUST_ACCEPT.iter().filter(|r| run.message(r).contains(&format!("no answer within {timeout_ms} ms"))).count();
    assert!(timed_out >= MUST_ACCEPT.len() - 1, "{}", run.all());
    // The slow pilot makes golive deliver one by one; once a delivery timed out the rest must go
    // together, not queue up one timeout each: the pilot, one delivery alone, one round of the
    // others (a check makes at most two deliveries, but stops at the first that times out).
    let deliveries = Duration::from_millis(400 + 2 * timeout_ms);
    assert!(run.elapsed < deliveries + Duration::from_secs(4), "took {:?}\n{}", run.elapsed, run.all());
}

#[test]
fn dns_failure_is_an_error_on_every_network_rule() {
    let b = Bench::new();
    let run = b.run("https://golive-hostile-no-such-host.invalid/exirom/callback");
    run.complete_and_failing();
    run.expect("webhook-https", "pass", "");
    for rule in ALL_RULES.iter().filter(|r| **r != "webhook-https") {
        run.expect(rule, "error", "golive-hostile-no-such-host.invalid");
    }
}

#[test]
fn connection_refused_is_an_error_on_every_network_rule() {
    let b = Bench::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = b.run(&format!("https://127.0.0.1:{port}/exirom/callback"));
    run.complete_and_failing();
    for rule in MUST_ACCEPT.iter().chain(MUST_REJECT) {
        run.expect(rule, "error", "connection refused");
    }
    run.expect("webhook-tls-version", "error", "");
    run.expect("webhook-certificate", "error", "");
}

#[test]
fn ipv6_only_endpoint_is_probed_over_ipv6() {
    let b = Bench::new();
    let listener = b.rt.block_on(async { TcpListener::bind("[::1]:0").await });
    let Ok(listener) = listener else {
        // Some CI machines have no IPv6 loopback; there is nothing to probe then.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: this machine has no IPv6 loopback");
        }
        return;
    };
    let addr: SocketAddr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(b.identity.server_config().unwrap());
    let receiver = golive::receiver::Receiver::new(golive::secret::Secret::new(SECRET.to_string()));
    b.rt.spawn(async move {
        let _ = axum::serve(TlsListener::new(listener, acceptor), golive::receiver::router(receiver)).await;
    });
    let run = b.run(&format!("https://[::1]:{}/exirom/callback", addr.port()));
    // A correct endpoint on IPv6: every rule passes but webhook-public (loopback is not public).
    for rule in ALL_RULES.iter().filter(|r| **r != "webhook-public") {
        assert_eq!(run.status(rule), "pass", "{rule}\n{}", run.all());
    }
    run.expect("webhook-public", "fail", "::1");
}
