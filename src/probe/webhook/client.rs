//! Delivering callbacks the way Exirom does: one HTTPS POST per callback, JSON body, `X-Checksum`
//! header, the `paymentMethod`/`apmType` query parameters appended, no redirects followed.
//!
//! The client connects to the address `webhook-public` already checked (a DNS override for the
//! host), so a second DNS answer cannot send golive elsewhere (DNS rebinding). It gives up after
//! `[webhook] timeout_ms` (Exirom's 10 s), reads at most [`BODY_CAP`] bytes of an answer and
//! records every delivery's duration for `webhook-response-time`.
//!
//! TLS uses the same roots as the probe, with the recording verifier: a certificate problem is
//! `webhook-certificate`'s finding, and the callback checks still test the handler behind it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;

use super::payload::Callback;
use super::tls::Trust;

/// Bytes of an answer golive reads; the rest is dropped.
pub const BODY_CAP: usize = 64 * 1024;
/// Characters of an answer body quoted in a report.
const EXCERPT: usize = 160;

/// Why a delivery got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No complete answer within the delivery timeout.
    #[error("no answer within {ms} ms")]
    Timeout {
        /// The timeout.
        ms: u64,
    },
    /// The answer's status line and headers came, but its body did not end within the delivery
    /// timeout (a body that never ends, or one trickling in).
    #[error("HTTP {status} came, but the answer's body did not end within {ms} ms")]
    BodyTimeout {
        /// The status code of the unfinished answer.
        status: u16,
        /// The timeout.
        ms: u64,
    },
    /// The TCP connection was refused.
    #[error("connection refused by {addr}")]
    Refused {
        /// Where golive connected.
        addr: SocketAddr,
    },
    /// The connection was reset or closed before an answer.
    #[error("the connection was closed or reset before an answer ({detail})")]
    Reset {
        /// What the stack said.
        detail: String,
    },
    /// The request was sent and the endpoint closed the connection without answering (a crash).
    #[error("the endpoint closed the connection without answering ({detail})")]
    Dropped {
        /// What the stack said.
        detail: String,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {detail}")]
    Tls {
        /// What rustls said.
        detail: String,
    },
    /// No TCP connection, or (for https://) no completed TLS handshake, within the connect timeout.
    #[error("{what} with {addr} within {ms} ms")]
    ConnectTimeout {
        /// `no TCP connection`, or `no TCP connection and TLS handshake` for https://.
        what: &'static str,
        /// Where golive connected.
        addr: SocketAddr,
        /// The connect timeout.
        ms: u64,
    },
    /// Anything else (unreachable network, malformed answer).
    #[error("{detail}")]
    Other {
        /// What went wrong.
        detail: String,
    },
}

/// An HTTP answer to a delivery.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Location` of a 3xx.
    pub location: Option<String>,
    /// The start of the body, for messages.
    pub excerpt: String,
    /// Time from sending to the last byte read.
    pub elapsed: Duration,
}

impl Reply {
    /// 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Milliseconds, for measurements.
    pub fn ms(&self) -> u64 {
        u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX)
    }

    /// `HTTP 401 ("bad checksum")`, or the redirect target of a 3xx.
    pub fn describe(&self) -> String {
        if (300..400).contains(&self.status) {
            // A Location may carry a session or token in its query: shown without it.
            let to = self.location.as_deref().map_or_else(|| "no Location header".into(), crate::engine::redact_url);
            return format!("HTTP {} redirect to {to} (not followed: Exirom delivers to the URL itself)", self.status);
        }
        if self.excerpt.is_empty() {
            format!("HTTP {}", self.status)
        } else {
            format!("HTTP {} ({:?})", self.status, self.excerpt)
        }
    }
}

/// One delivery's timing, for `webhook-response-time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// Which check made it.
    pub label: String,
    /// How long it took (the timeout when it timed out).
    pub elapsed: Duration,
    /// It got no answer in time.
    pub timed_out: bool,
}

/// The delivery client for one target.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    url: Url,
    addr: SocketAddr,
    connect: Duration,
    timeout: Duration,
    timings: Arc<Mutex<Vec<Timing>>>,
}

impl Client {
    /// A client that sends to `url`, connecting to `addr`.
    ///
    /// # Errors
    /// The TLS configuration cannot be built.
    pub fn new(
        url: &Url,
        addr: SocketAddr,
        trust: &Trust,
        connect: Duration,
        timeout: Duration,
    ) -> Result<Self, String> {
        let tls = trust
            .verifier()
            .and_then(|v| trust.client_config(&[&rustls::version::TLS13, &rustls::version::TLS12], v))
            .ok_or("cannot build the TLS configuration")?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            // One connection per delivery, closed after the answer, as a webhook sender does: an
            // endpoint that serves one connection at a time is never held by an idle keep-alive.
            .pool_max_idle_per_host(0)
            .no_proxy()
            .connect_timeout(connect)
            .read_timeout(timeout)
            .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION"), " (Exirom webhook probe)"));
        if let Some(host) = url.host_str().filter(|h| h.parse::<std::net::IpAddr>().is_err()) {
            builder = builder.resolve(host, addr);
        }
        let http = builder.build().map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))?;
        Ok(Self { http, url: url.clone(), addr, connect, timeout, timings: Arc::default() })
    }

    /// POSTs a callback; `label` names the delivery in `webhook-response-time`.
    ///
    /// # Errors
    /// No HTTP answer (timeout, refused, reset, TLS).
    pub async fn deliver(&self, label: &str, cb: &Callback) -> Result<Reply, ClientError> {
        let mut url = self.url.clone();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &cb.query {
                q.append_pair(k, v);
            }
        }
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("connection", "close")
            .body(cb.body.clone());
        if let Some(sum) = &cb.checksum {
            req = req.header("x-checksum", sum);
        }
        let start = Instant::now();
        let res = self.send(req, tokio::time::Instant::now() + self.timeout).await;
        let elapsed = start.elapsed();
        let timed_out = matches!(res, Err(ClientError::Timeout { .. } | ClientError::BodyTimeout { .. }));
        if (res.is_ok() || timed_out)
            && let Ok(mut t) = self.timings.lock()
        {
            t.push(Timing { label: label.to_string(), elapsed: elapsed.min(self.timeout), timed_out });
        }
        res.map(|(status, location, excerpt)| Reply { status, location, excerpt, elapsed })
    }

    /// GETs a JSON document (the side-effect oracle); `None` body for a 404.
    ///
    /// # Errors
    /// No answer, a status other than 2xx/404, or a body that is not JSON.
    pub async fn get_json(&self, url: &str) -> Result<Option<serde_json::Value>, ClientError> {
        let req = self.http.get(url).header("accept", "application/json");
        let (status, _, body) = self.read(req, tokio::time::Instant::now() + self.timeout).await?;
        match status {
            404 => Ok(None),
            200..=299 => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| ClientError::Other { detail: format!("the answer is not JSON: {e}") }),
            other => Err(ClientError::Other { detail: format!("HTTP {other} ({})", excerpt(&body)) }),
        }
    }

    /// Every delivery timed so far.
    pub fn timings(&self) -> Vec<Timing> {
        self.timings.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn timeout_error(&self) -> ClientError {
        ClientError::Timeout { ms: millis(self.timeout) }
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        deadline: tokio::time::Instant,
    ) -> Result<(u16, Option<String>, String), ClientError> {
        let (status, location, body) = self.read(req, deadline).await?;
        Ok((status, location, excerpt(&body)))
    }

    /// Sends `req` and reads at most [`BODY_CAP`] bytes of the answer, all before `deadline`.
    async fn read(
        &self,
        req: reqwest::RequestBuilder,
        deadline: tokio::time::Instant,
    ) -> Result<(u16, Option<String>, Vec<u8>), ClientError> {
        let mut resp = match tokio::time::timeout_at(deadline, req.send()).await {
            Ok(r) => r.map_err(|e| self.classify(&e))?,
            Err(_) => return Err(self.timeout_error()),
        };
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        // Past the cap the answer is dropped unread: golive never holds more than BODY_CAP of it,
        // whatever Content-Length says.
        while body.len() < BODY_CAP {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Ok(Ok(Some(c))) => body.extend_from_slice(&c[..c.len().min(BODY_CAP - body.len())]),
                Ok(Ok(None)) => break,
                Ok(Err(e)) => return Err(self.classify(&e)),
                Err(_) => return Err(ClientError::BodyTimeout { status, ms: millis(self.timeout) }),
            }
        }
        Ok((status, location, body))
    }

    fn classify(&self, e: &reqwest::Error) -> ClientError {
        match self.classify_cause(e) {
            // Past the connect phase, a closed connection means the handler broke on this request.
            ClientError::Reset { detail } if !e.is_connect() => ClientError::Dropped { detail },
            other => other,
        }
    }

    fn classify_cause(&self, e: &reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return if e.is_connect() {
                // reqwest's connect timeout covers the TLS handshake too: a server that accepts
                // TCP and never answers the ClientHello ends here.
                let what = if self.url.scheme() == "https" {
                    "no TCP connection and TLS handshake"
                } else {
                    "no TCP connection"
                };
                ClientError::ConnectTimeout { what, addr: self.addr, ms: millis(self.connect) }
            } else {
                self.timeout_error()
            };
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(tls) = s.downcast_ref::<rustls::Error>() {
                return ClientError::Tls { detail: tls.to_string() };
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                match io.kind() {
                    K::ConnectionRefused => return ClientError::Refused { addr: self.addr },
                    K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                        return ClientError::Reset { detail: io.to_string() };
                    }
                    _ => {}
                }
            }
            source = s.source();
        }
        let detail = without_url(e);
        if detail.contains("connection closed") || detail.contains("IncompleteMessage") {
            ClientError::Reset { detail }
        } else {
            ClientError::Other { detail }
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A reqwest error's chain with the URL it quotes redacted: reqwest prints the full request URL,
/// whose query may carry the merchant's token (`?token=…`) and to which golive appended its own
/// parameters.
fn without_url(e: &reqwest::Error) -> String {
    let text = chain(e);
    match e.url() {
        Some(url) => text.replace(url.as_str(), &crate::engine::redact_url(url.as_str())),
        None => text,
    }
}

/// An error and its causes, joined by `: ` (reqwest's own message is often just "error sending request").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The start of a body as one printable line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().filter(|c| !c.is_control()).take(EXCERPT).collect();
    if one_line.chars().count() > EXCERPT {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::webhook::checksum::Choice;
    use crate::probe::webhook::payload::{Ids, Spec};

    /// A loopback server that answers every connection with bytes that are not HTTP.
    async fn garbage() -> SocketAddr {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"GARBAGE\r\n\r\n").await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn delivery_errors_quote_the_url_without_query_or_credentials() {
        crate::install_crypto_provider();
        let addr = garbage().await;
        let url = Url::parse(&format!("http://user:pw-GOLIVEFAKE@{addr}/cb?token=GOLIVEFAKE-token")).unwrap();
        let trust = Trust::load(None, None).unwrap();
        let client = Client::new(&url, addr, &trust, Duration::from_secs(2), Duration::from_secs(2)).unwrap();
        let ids = Ids { mid: "M".into(), account_id: "A".into() };
        let cb = Spec::card(&ids, "SUCCEED", Choice::Auto, url.as_str()).signed(b"s");
        let e = client.deliver("t", &cb).await.unwrap_err();
        let text = e.to_string();
        assert!(!text.contains("GOLIVEFAKE"), "{text}");
        assert!(text.contains(&format!("for url (http://{addr}/cb)")), "{text}");
    }

    #[test]
    fn redirect_targets_lose_their_query() {
        let r = Reply {
            status: 302,
            location: Some("https://login.example/sso?session=GOLIVEFAKE".into()),
            excerpt: String::new(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            r.describe(),
            "HTTP 302 redirect to https://login.example/sso (not followed: Exirom delivers to the URL itself)"
        );
    }
}
