//! The one HTTP client of the sandbox flows: Exirom's documented client behaviour, demonstrated.
//!
//! - One `POST /v1/auth` per run; the token is cached and shared (API.md §2). A 401 drops the
//!   token, re-authenticates and retries the request exactly once; a second 401 is a credential
//!   problem, not a transient one.
//! - At most 40 requests per minute (Going to Production, May 2026), a 429 waits `Retry-After`
//!   (or backs off exponentially), and 5xx, timeouts and network errors are retried with the same
//!   body, so a retried payment keeps its `requestId` (API.md §15.3). Every retry and wait is
//!   bounded by the per-request budget.
//! - Documented variants are tolerated: auth answering a bare JSON string or an object carrying
//!   `token`, and the base path with or without the `/api` segment (tried once, at auth).
//! - Every attempt is recorded ([`Exchange`]) with its `requestId`, `transactionId` and `traceId`,
//!   the ids Exirom support asks for. The merchant secret goes into the auth body and nowhere else.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::wire::{
    describe_reqwest, header_str, id_field, jwt_exp, path_of, retry_after, shorten, shorten_keys, trace_id,
};
use crate::secret::{Credentials, Secret};

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Base URL ending in `/api` (`https://sandbox.api.exirom.com/api`).
    pub base_url: String,
    /// Per-attempt timeout; also the budget for the waits between retries of one request.
    pub timeout: Duration,
    /// Requests per rolling minute (Exirom allows 40 per IP).
    pub rate_per_min: usize,
    /// Retries after a 429, 5xx, timeout or network error (not counting the 401 re-auth).
    pub max_retries: u32,
    /// The longest one request waits in all for 429s (`Retry-After`); past it, the request fails.
    pub max_rate_wait: Duration,
}

/// A minute and a second: enough for any `Retry-After` of a per-minute limit.
pub const MAX_RATE_WAIT: Duration = Duration::from_secs(61);

impl ApiOptions {
    /// Defaults for a base URL: 40 requests/min, 3 retries, 429 waits of up to a minute.
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            timeout,
            rate_per_min: 40,
            max_retries: 3,
            max_rate_wait: MAX_RATE_WAIT,
        }
    }
}

/// One HTTP attempt, as recorded for the report (never the body, never the token).
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `auth`, `api` or `page` (a 3DS or APM page outside the API).
    pub kind: &'static str,
    /// `GET`, `POST`.
    pub method: String,
    /// Path (no host, no query).
    pub path: String,
    /// HTTP status, `None` for a timeout or network error.
    pub status: Option<u16>,
    /// Duration of the attempt.
    pub ms: u64,
    /// `requestId` of the request body.
    pub request_id: Option<String>,
    /// `transactionId` of the response.
    pub transaction_id: Option<String>,
    /// `refundId` (or `refundTransactionId`) of the response.
    pub refund_id: Option<String>,
    /// `traceId` of the response (body or header).
    pub trace_id: Option<String>,
}

/// A response that was not retried away.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The body text.
    pub text: String,
    /// `traceId` from the body or a header.
    pub trace_id: Option<String>,
    /// Duration of the successful attempt.
    pub ms: u64,
    /// `Location` header (pages only).
    pub location: Option<String>,
    /// `Set-Cookie` headers (pages only).
    pub cookies: Vec<String>,
}

impl Reply {
    /// The body's `transactionId` (string or number).
    pub fn transaction_id(&self) -> Option<String> {
        id_field(&self.body, "transactionId")
    }
}

/// Why a request did not produce a usable response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// Auth answered 401/403.
    #[error(
        "the sandbox rejected the credentials (HTTP {status}{trace}): check EXIROM_MERCHANT_KEY and \
         EXIROM_MERCHANT_SECRET; the credentials may belong to another environment (production \
         credentials do not work in the sandbox, and the reverse)"
    )]
    Credentials {
        /// HTTP status.
        status: u16,
        /// `, traceId …` or empty.
        trace: String,
    },
    /// A request was refused with 401 again right after re-authenticating.
    #[error("{method} {path} answered 401 again right after re-authenticating: the new token is not accepted")]
    Unauthorized {
        /// Method.
        method: String,
        /// Path.
        path: String,
    },
    /// Auth answered something that carries no token.
    #[error("the auth response is neither a JSON string nor an object with `token`: {detail}")]
    AuthShape {
        /// What came back (shortened).
        detail: String,
    },
    /// A non-2xx answer that retrying does not fix.
    #[error("{method} {path} answered HTTP {status}{trace}: {detail}")]
    Http {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// HTTP status.
        status: u16,
        /// `, traceId …` or empty.
        trace: String,
        /// The body (shortened, card numbers masked).
        detail: String,
    },
    /// Rate limited beyond the retry budget.
    #[error(
        "{method} {path} was rate limited (HTTP 429{after}) on {attempts} attempt(s), longer than the {budget_ms} ms \
         one request may wait; the limit counts every client of this IP and golive itself keeps to {rate} \
         requests per minute: run again in a minute, or ask Exirom to whitelist the IP"
    )]
    RateLimited {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// `, Retry-After … s` or empty.
        after: String,
        /// The wait budget of one request.
        budget_ms: u64,
        /// golive's own limit.
        rate: usize,
    },
    /// Timeouts or network errors on every attempt.
    #[error("{method} {path} failed after {attempts} attempts: {detail}")]
    Transport {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        detail: String,
    },
}

/// How authentication went, for the `sandbox-auth` rule.
#[derive(Debug, Clone, Default)]
pub struct AuthStats {
    /// `POST /v1/auth` calls made (each successful one is a token).
    pub auth_calls: u32,
    /// Re-authentications caused by a 401.
    pub reauths: u32,
    /// Requests that answered 401 (before the retry).
    pub unauthorized: u32,
    /// 401s that the re-auth-and-retry-once did not fix.
    pub unrecovered: u32,
    /// 429 answers seen.
    pub rate_limited: u32,
    /// Retries after 429, 5xx, timeouts and network errors.
    pub retries: u32,
    /// Time spent waiting out 429s, in ms.
    pub rate_wait_ms: u64,
    /// The auth response shape: `string` or `object`.
    pub shape: Option<&'static str>,
    /// The token's `exp` claim (Unix seconds), when it is a JWT.
    pub expires_at: Option<i64>,
    /// Duration of the first successful auth.
    pub first_auth_ms: Option<u64>,
    /// The root the API answered on (base URL, or its legacy spelling).
    pub root: String,
}

#[derive(Default)]
struct TokenState {
    token: Option<Secret<String>>,
    generation: u64,
}

/// The sandbox API client.
pub struct Api {
    http: reqwest::Client,
    opts: ApiOptions,
    credentials: Credentials,
    root: Mutex<String>,
    token: tokio::sync::Mutex<TokenState>,
    stats: Mutex<AuthStats>,
    log: Mutex<Vec<Exchange>>,
    window: tokio::sync::Mutex<VecDeque<Instant>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("base_url", &self.opts.base_url).finish_non_exhaustive()
    }
}

/// The TLS settings of the client: ring, TLS 1.2+, Mozilla roots plus the system's, so it works
/// with no system CA bundle (DEPENDENCIES.md pitfall 2).
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let _ = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

impl Api {
    /// Builds the client. Call `golive::install_crypto_provider()` first.
    ///
    /// # Errors
    /// The TLS configuration or client could not be built.
    pub fn new(opts: ApiOptions, credentials: Credentials) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION"), " (sandbox flows)"))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let root = opts.base_url.clone();
        Ok(Self {
            http,
            opts,
            credentials,
            root: Mutex::new(root),
            token: tokio::sync::Mutex::new(TokenState::default()),
            stats: Mutex::new(AuthStats::default()),
            log: Mutex::new(Vec::new()),
            window: tokio::sync::Mutex::new(VecDeque::new()),
        })
    }

    /// The options it was built with.
    pub fn options(&self) -> &ApiOptions {
        &self.opts
    }

    /// The merchant secret, for HMAC request checksums only (never sent).
    pub fn signing_key(&self) -> &str {
        self.credentials.secret.expose()
    }

    /// Authentication statistics so far.
    pub fn stats(&self) -> AuthStats {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn stat(&self, f: impl FnOnce(&mut AuthStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Position in the exchange log, to collect a flow's exchanges later with [`Api::since`].
    pub fn mark(&self) -> usize {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Every exchange recorded since `mark`.
    pub fn since(&self, mark: usize) -> Vec<Exchange> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(mark..)
            .map(<[Exchange]>::to_vec)
            .unwrap_or_default()
    }

    /// Obtains the run's token now (the first call authenticates; later calls reuse it).
    ///
    /// # Errors
    /// Authentication failed.
    pub async fn authenticate(&self) -> Result<(), ApiError> {
        self.token().await.map(|_| ())
    }

    async fn token(&self) -> Result<(String, u64), ApiError> {
        let mut st = self.token.lock().await;
        if let Some(t) = &st.token {
            return Ok((t.expose().clone(), st.generation));
        }
        let token = self.auth_call().await?;
        st.generation += 1;
        st.token = Some(Secret::new(token.clone()));
        Ok((token, st.generation))
    }

    async fn drop_token(&self, generation: u64) {
        let mut st = self.token.lock().await;
        if st.generation == generation {
            st.token = None;
        }
    }

    /// `POST /v1/auth`, trying the legacy spelling of the base path once when the configured one
    /// answers 404 (API.md §1: `/api/v1` vs `/v1`).
    async fn auth_call(&self) -> Result<String, ApiError> {
        let configured = self.root.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let alternate = match configured.strip_suffix("/api") {
            Some(stripped) => stripped.to_string(),
            None => format!("{configured}/api"),
        };
        let body = json!({
            "merchantKey": self.credentials.key.expose(),
            "merchantSecret": self.credentials.secret.expose(),
        });
        let started = Instant::now();
        let mut reply = self.attempts(Method::POST, &configured, "/v1/auth", Some(&body), None, &[]).await?;
        if reply.status == 404 {
            let alt = self.attempts(Method::POST, &alternate, "/v1/auth", Some(&body), None, &[]).await?;
            if alt.status != 404 {
                tracing::debug!(root = %alternate, "the API answered on the other spelling of the base path");
                *self.root.lock().unwrap_or_else(PoisonError::into_inner) = alternate;
                reply = alt;
            }
        }
        self.stat(|s| s.auth_calls += 1);
        match reply.status {
            200..=299 => {}
            401 | 403 => return Err(ApiError::Credentials { status: reply.status, trace: trace_suffix(&reply) }),
            status => {
                return Err(ApiError::Http {
                    method: "POST".into(),
                    path: "/v1/auth".into(),
                    status,
                    trace: trace_suffix(&reply),
                    detail: shorten(&reply.text),
                });
            }
        }
        let (token, shape) = match &reply.body {
            Value::String(t) if !t.is_empty() => (t.clone(), "string"),
            Value::Object(m) => match ["token", "accessToken", "jwt"].iter().find_map(|k| m.get(*k)?.as_str()) {
                Some(t) if !t.is_empty() => (t.to_string(), "object"),
                _ => return Err(ApiError::AuthShape { detail: shorten_keys(&reply.body) }),
            },
            _ if !reply.text.trim().is_empty() && !reply.text.trim_start().starts_with(['{', '[', '"']) => {
                // A token sent as text/plain, not JSON: accepted, and reported as its own shape.
                (reply.text.trim().to_string(), "plain text")
            }
            _ => return Err(ApiError::AuthShape { detail: shorten_keys(&reply.body) }),
        };
        let ms = started.elapsed().as_millis() as u64;
        self.stat(|s| {
            s.shape = Some(shape);
            s.expires_at = jwt_exp(&token);
            s.first_auth_ms.get_or_insert(ms);
            s.root.clone_from(&self.root.lock().unwrap_or_else(PoisonError::into_inner));
        });
        Ok(token)
    }

    /// `GET path` with the bearer token.
    ///
    /// # Errors
    /// See [`ApiError`]; non-2xx answers are errors.
    pub async fn get(&self, path: &str) -> Result<Reply, ApiError> {
        self.call(Method::GET, path, None, &[]).await
    }

    /// `POST path` with a JSON body and the bearer token.
    ///
    /// # Errors
    /// See [`ApiError`]; non-2xx answers are errors.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Reply, ApiError> {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    /// `POST` to the first of `paths` that exists (the others are tried only on a 404): for
    /// endpoints whose path the docs spell two ways (refunds, API.md §8).
    ///
    /// # Errors
    /// See [`ApiError`]; the error of the last path tried.
    pub async fn post_first(
        &self,
        paths: &[&str],
        body: &Value,
        headers: &[(&str, String)],
    ) -> Result<Reply, ApiError> {
        let mut last = None;
        for p in paths {
            match self.call(Method::POST, p, Some(body), headers).await {
                Err(e @ ApiError::Http { status: 404, .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| ApiError::Http {
            method: "POST".into(),
            path: String::new(),
            status: 404,
            trace: String::new(),
            detail: "no path given".into(),
        }))
    }

    /// An authenticated request with the 401 re-auth-and-retry-once procedure (API.md §2).
    ///
    /// # Errors
    /// See [`ApiError`]; non-2xx answers are errors.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Result<Reply, ApiError> {
        let mut reauthed = false;
        loop {
            let (token, generation) = self.token().await?;
            let root = self.root.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let reply = self.attempts(method.clone(), &root, path, body, Some(&token), headers).await?;
            match reply.status {
                200..=299 => return Ok(reply),
                401 => {
                    self.stat(|s| s.unauthorized += 1);
                    if reauthed {
                        self.stat(|s| s.unrecovered += 1);
                        return Err(ApiError::Unauthorized { method: method.to_string(), path: path.to_string() });
                    }
                    tracing::debug!(%path, "401: dropping the token, re-authenticating and retrying once");
                    self.drop_token(generation).await;
                    self.stat(|s| s.reauths += 1);
                    reauthed = true;
                }
                status => {
                    return Err(ApiError::Http {
                        method: method.to_string(),
                        path: path.to_string(),
                        status,
                        trace: trace_suffix(&reply),
                        detail: shorten(&reply.text),
                    });
                }
            }
        }
    }

    /// A browser-style request to a page outside the API (3DS challenge, APM redirect): no token,
    /// no redirects followed, same pacing, timeouts and log.
    ///
    /// # Errors
    /// Timeouts and network errors after the retries.
    pub async fn page(
        &self,
        method: Method,
        url: &str,
        form: Option<&[(String, String)]>,
        cookie: Option<&str>,
    ) -> Result<Reply, ApiError> {
        let mut headers = vec![("accept", "text/html,application/xhtml+xml".to_string())];
        if let Some(c) = cookie {
            headers.push(("cookie", c.to_string()));
        }
        let body = form.map(|f| Value::Array(f.iter().map(|(k, v)| json!([k, v])).collect()));
        self.attempts(method, url, "", body.as_ref(), None, &headers).await
    }

    /// One logical request: paced, with bounded retries on 429, 5xx, timeouts and network errors.
    /// Returns the first answer that is not retried (any status). A `body` that is a JSON array of
    /// `[key, value]` pairs is sent as a form (pages), anything else as JSON.
    async fn attempts(
        &self,
        method: Method,
        root: &str,
        path: &str,
        body: Option<&Value>,
        bearer: Option<&str>,
        headers: &[(&str, String)],
    ) -> Result<Reply, ApiError> {
        let url = format!("{root}{path}");
        let log_path = path_of(&url);
        let kind = match path {
            "" => "page",
            "/v1/auth" => "auth",
            _ => "api",
        };
        let request_id = body.and_then(|b| b.get("requestId")).and_then(Value::as_str).map(str::to_string);
        let started_at = Instant::now();
        let budget_end = started_at + self.opts.timeout;
        let rate_budget_end = started_at + self.opts.max_rate_wait;
        let mut attempt = 0u32;
        let mut last_retry_after = None;
        loop {
            self.pace().await;
            let mut req = self.http.request(method.clone(), &url);
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
                req = req.header("accept", "application/json");
            }
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            match body {
                Some(Value::Array(pairs)) => {
                    let form: Vec<(String, String)> = pairs
                        .iter()
                        .filter_map(|p| Some((p.get(0)?.as_str()?.to_string(), p.get(1)?.as_str()?.to_string())))
                        .collect();
                    req = req.form(&form);
                }
                Some(b) => req = req.json(b),
                None => {}
            }
            let started = Instant::now();
            let sent = tokio::time::timeout(self.opts.timeout, req.send()).await;
            let ms = started.elapsed().as_millis() as u64;
            let outcome = match sent {
                Err(_) => Err(format!("timed out after {} ms", self.opts.timeout.as_millis())),
                Ok(Err(e)) => Err(describe_reqwest(&e)),
                Ok(Ok(resp)) => Ok(read(resp, ms, self.opts.timeout).await),
            };
            let (wait, last) = match outcome {
                Ok(r) => {
                    self.record(kind, &method, &log_path, ms, request_id.clone(), &r);
                    match r.reply.status {
                        429 => {
                            self.stat(|s| s.rate_limited += 1);
                            last_retry_after = r.retry_after;
                            (r.retry_after.unwrap_or_else(|| backoff(attempt)), Ok(r.reply))
                        }
                        500..=599 => (backoff(attempt), Ok(r.reply)),
                        _ => return Ok(r.reply),
                    }
                }
                Err(detail) => {
                    tracing::debug!(path = %log_path, %detail, "request failed");
                    self.log.lock().unwrap_or_else(PoisonError::into_inner).push(Exchange {
                        kind,
                        method: method.to_string(),
                        path: log_path.clone(),
                        status: None,
                        ms,
                        request_id: request_id.clone(),
                        transaction_id: None,
                        refund_id: None,
                        trace_id: None,
                    });
                    (backoff(attempt), Err(detail))
                }
            };
            let limited = matches!(&last, Ok(r) if r.status == 429);
            let end = if limited { rate_budget_end } else { budget_end };
            // The whole run waits out 429s for at most three times one request's allowance.
            let run_allows = !limited
                || self.stats().rate_wait_ms + wait.as_millis() as u64
                    <= 3 * self.opts.max_rate_wait.as_millis() as u64;
            if attempt >= self.opts.max_retries || Instant::now() + wait > end || !run_allows {
                return match last {
                    Ok(r) if r.status == 429 => Err(ApiError::RateLimited {
                        method: method.to_string(),
                        path: log_path,
                        attempts: attempt + 1,
                        after: last_retry_after.map(|d| format!(", Retry-After {} s", d.as_secs())).unwrap_or_default(),
                        budget_ms: self.opts.max_rate_wait.as_millis() as u64,
                        rate: self.opts.rate_per_min,
                    }),
                    Ok(r) => Ok(r),
                    Err(detail) => Err(ApiError::Transport {
                        method: method.to_string(),
                        path: log_path,
                        attempts: attempt + 1,
                        detail,
                    }),
                };
            }
            tracing::debug!(path = %log_path, wait_ms = wait.as_millis() as u64, attempt, "retrying");
            self.stat(|s| {
                s.retries += 1;
                if limited {
                    s.rate_wait_ms += wait.as_millis() as u64;
                }
            });
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn record(&self, kind: &'static str, method: &Method, path: &str, ms: u64, request_id: Option<String>, r: &Read) {
        // Never for auth: a bare-string auth answer is the token itself.
        let status = if kind == "api" { super::flows::status_of(&r.reply.body) } else { None };
        let decline = status.as_ref().and_then(|s| s.decline_code).map_or_else(|| "-".to_string(), |c| c.to_string());
        // The fields Exirom's Integration Checklist asks every API call to log (never the body).
        tracing::debug!(
            %method,
            %path,
            http_status = r.reply.status,
            ms,
            request_id = request_id.as_deref().unwrap_or("-"),
            transaction_id = r.reply.transaction_id().as_deref().unwrap_or("-"),
            trace_id = r.reply.trace_id.as_deref().unwrap_or("-"),
            transaction_status = status.as_ref().map_or("-", |s| s.status.as_str()),
            decline_code = %decline,
            "sandbox request"
        );
        self.log.lock().unwrap_or_else(PoisonError::into_inner).push(Exchange {
            kind,
            method: method.to_string(),
            path: path.to_string(),
            status: Some(r.reply.status),
            ms,
            request_id,
            transaction_id: r.reply.transaction_id(),
            refund_id: id_field(&r.reply.body, "refundId").or_else(|| id_field(&r.reply.body, "refundTransactionId")),
            trace_id: r.reply.trace_id.clone(),
        });
    }

    /// Waits until a request fits in the rolling one-minute window.
    async fn pace(&self) {
        let minute = Duration::from_secs(60);
        loop {
            let mut w = self.window.lock().await;
            let now = Instant::now();
            while w.front().is_some_and(|t| now.duration_since(*t) >= minute) {
                w.pop_front();
            }
            if w.len() < self.opts.rate_per_min.max(1) {
                w.push_back(now);
                return;
            }
            let wait = w.front().map_or(Duration::ZERO, |t| minute.saturating_sub(now.duration_since(*t)));
            drop(w);
            tracing::debug!(wait_ms = wait.as_millis() as u64, "pacing to stay under the rate limit");
            tokio::time::sleep(wait).await;
        }
    }
}

struct Read {
    reply: Reply,
    retry_after: Option<Duration>,
}

async fn read(resp: reqwest::Response, ms: u64, timeout: Duration) -> Read {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = tokio::time::timeout(timeout, resp.text()).await.ok().and_then(Result::ok).unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    let trace_id = trace_id(&body, &headers);
    Read {
        retry_after: if status == StatusCode::TOO_MANY_REQUESTS { retry_after(&headers) } else { None },
        reply: Reply {
            status: status.as_u16(),
            location: header_str(&headers, "location"),
            cookies: headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect(),
            body,
            text,
            trace_id,
            ms,
        },
    }
}

/// 500 ms, 1 s, 2 s, 4 s, … capped at 8 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.min(4)).min(8_000))
}

/// `, traceId …` for messages, or nothing.
fn trace_suffix(r: &Reply) -> String {
    r.trace_id.as_ref().map(|t| format!(", traceId {t}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(30), Duration::from_secs(8));
    }

    /// A scripted server: each request to a path takes the next canned answer for that path
    /// (the last one repeats), and every request is recorded as (path, authorization, body).
    struct Script {
        addr: std::net::SocketAddr,
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    /// A request the scripted server saw: (path, authorization, body).
    type Seen = (String, Option<String>, String);

    type Canned = (u16, Vec<(&'static str, &'static str)>, &'static str);

    async fn script(routes: Vec<(&'static str, Vec<Canned>)>) -> Script {
        use axum::body::Bytes;
        use axum::http::{HeaderMap as H, Uri};
        crate::install_crypto_provider();
        let routes = Arc::new(Mutex::new(
            routes.into_iter().map(|(p, v)| (p.to_string(), VecDeque::from(v))).collect::<Vec<_>>(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (Arc::clone(&routes), Arc::clone(&seen));
        let app = axum::Router::new().fallback(move |uri: Uri, headers: H, body: Bytes| {
            let (routes, seen) = (Arc::clone(&r), Arc::clone(&s));
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                seen.lock().unwrap().push((uri.path().to_string(), auth, String::from_utf8_lossy(&body).into_owned()));
                let mut routes = routes.lock().unwrap();
                let Some((_, q)) = routes.iter_mut().find(|(p, _)| p == uri.path()) else {
                    return axum::response::Response::builder().status(404).body(axum::body::Body::from("no")).unwrap();
                };
                let (status, hdrs, body) = if q.len() > 1 { q.pop_front().unwrap() } else { q[0].clone() };
                let mut b =
                    axum::response::Response::builder().status(status).header("content-type", "application/json");
                for (k, v) in hdrs {
                    b = b.header(k, v);
                }
                b.body(axum::body::Body::from(body)).unwrap()
            }
        });
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(tcp, app).await });
        Script { addr, seen }
    }

    fn api(addr: std::net::SocketAddr, base: &str, timeout_ms: u64) -> Api {
        let creds =
            Credentials { key: Secret::new("GOLIVEFAKE-key".into()), secret: Secret::new("GOLIVEFAKE-secret".into()) };
        Api::new(ApiOptions::new(&format!("http://{addr}{base}"), Duration::from_millis(timeout_ms)), creds).unwrap()
    }

    const TOKEN_OBJECT: Canned = (200, vec![], r#"{"merchantKey":"GOLIVEFAKE-key","token":"t1"}"#);

    #[tokio::test]
    async fn retries_429_after_retry_after_and_5xx_with_the_same_request_id() {
        let s = script(vec![
            ("/api/v1/auth", vec![(200, vec![], r#""bare-token""#)]),
            (
                "/api/v1/payments/card",
                vec![
                    (429, vec![("retry-after", "1")], r#"{"traceId":"t-429"}"#),
                    (503, vec![], "{}"),
                    (200, vec![], r#"{"transactionId":"1","transactionStatus":"SUCCEED","traceId":"t-ok"}"#),
                ],
            ),
        ])
        .await;
        let a = api(s.addr, "/api", 5_000);
        let started = Instant::now();
        let r = a.post("/v1/payments/card", &json!({"requestId": "golive-1"})).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
        assert_eq!(r.transaction_id().as_deref(), Some("1"));
        let seen = s.seen.lock().unwrap().clone();
        let cards: Vec<_> = seen.iter().filter(|(p, _, _)| p == "/api/v1/payments/card").collect();
        assert_eq!(cards.len(), 3);
        assert!(
            cards
                .iter()
                .all(|(_, auth, body)| auth.as_deref() == Some("Bearer bare-token") && body.contains("golive-1"))
        );
        let st = a.stats();
        assert_eq!((st.auth_calls, st.rate_limited, st.retries, st.shape), (1, 1, 2, Some("string")));
        let log = a.since(0);
        assert_eq!(log.last().and_then(|e| e.trace_id.clone()).as_deref(), Some("t-ok"));
        assert_eq!(log[1].trace_id.as_deref(), Some("t-429"));
    }

    #[tokio::test]
    async fn a_401_reauthenticates_once_and_a_second_401_is_an_error() {
        let s = script(vec![
            ("/api/v1/auth", vec![TOKEN_OBJECT]),
            ("/api/v1/payments/card/status/1", vec![(401, vec![], "{}"), (200, vec![], r#""SUCCEED""#)]),
            ("/api/v1/payments/card/status/2", vec![(401, vec![], "{}")]),
        ])
        .await;
        let a = api(s.addr, "/api", 5_000);
        let r = a.get("/v1/payments/card/status/1").await.unwrap();
        assert_eq!(r.body, json!("SUCCEED"));
        assert_eq!((a.stats().auth_calls, a.stats().reauths), (2, 1));
        let e = a.get("/v1/payments/card/status/2").await.unwrap_err();
        assert!(matches!(e, ApiError::Unauthorized { .. }), "{e}");
        let st = a.stats();
        assert_eq!((st.auth_calls, st.reauths, st.unrecovered), (3, 2, 1));
        let seen = s.seen.lock().unwrap().clone();
        let secrets = seen.iter().filter(|(_, _, body)| body.contains("GOLIVEFAKE-secret")).count();
        assert_eq!(secrets, 3, "the secret goes only into auth calls");
        assert!(seen.iter().filter(|(p, _, _)| p != "/api/v1/auth").all(|(_, _, b)| !b.contains("GOLIVEFAKE-secret")));
    }

    #[tokio::test]
    async fn auth_401_names_the_environment_and_shapes_are_tolerated() {
        let s = script(vec![("/api/v1/auth", vec![(401, vec![("x-trace-id", "tr-9")], "{}")])]).await;
        let e = api(s.addr, "/api", 5_000).authenticate().await.unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("HTTP 401, traceId tr-9") && msg.contains("another environment"), "{msg}");

        let s = script(vec![("/api/v1/auth", vec![(200, vec![], r#"{"unexpected": 1}"#)])]).await;
        let e = api(s.addr, "/api", 5_000).authenticate().await.unwrap_err();
        assert!(matches!(e, ApiError::AuthShape { .. }) && e.to_string().contains("unexpected"), "{e}");

        // Legacy spelling: the base path without `/api` (API.md §1) is tried once, at auth.
        let s = script(vec![("/v1/auth", vec![TOKEN_OBJECT]), ("/v1/payouts/card", vec![(200, vec![], "{}")])]).await;
        let a = api(s.addr, "/api", 5_000);
        a.post("/v1/payouts/card", &json!({})).await.unwrap();
        assert!(a.stats().root.ends_with(&s.addr.to_string()));
    }

    #[tokio::test]
    async fn timeouts_are_bounded() {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        // Accepts connections and never answers.
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((c, _)) = tcp.accept().await {
                held.push(c);
            }
        });
        let started = Instant::now();
        let e = api(addr, "/api", 300).authenticate().await.unwrap_err();
        assert!(matches!(e, ApiError::Transport { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    }
}
