//! A local Exirom sandbox: the API contract of `../shared/exirom/API.md` served over HTTP with
//! in-memory state, for `golive simulate`, for `[sandbox] base_url = "embedded"` and for tests.
//!
//! Start one with [`Simulator::start`]; the [`RunningSimulator`] it returns gives the base URL
//! (`http://127.0.0.1:PORT/api`), the credentials it honours, snapshots of its transactions and
//! log, and a graceful [`shutdown`](RunningSimulator::shutdown).
//!
//! ## Routes
//!
//! Every API route answers under `/api/v1/…` (current docs), `/v1/…` (legacy pages) and
//! `/api/api/v1/…` (the doubled prefix of some pages, API.md §1). All but `auth` need
//! `Authorization: Bearer <token>`.
//!
//! | route | module |
//! |---|---|
//! | `POST /api/v1/auth` | `auth` |
//! | `POST /api/v1/payments/card`, `GET …/card/status/{id}`, `GET …/card/info/{id}`, `POST …/card/tokenize`, `POST …/card/charge` | `card` |
//! | `GET`/`POST /sim/3ds/{id}`, `/sim/apm/{id}` (customer pages, no token) | `challenge` |
//! | `POST /api/v1/refunds/card` (+ legacy `/v1/payments/refund`), `status/{id}`, `info/{id}` | `refund` |
//! | `POST /api/v1/payouts/card`, `POST /api/v1/payouts/apm`, `status/{id}`, `info/{id}` | `payout` |
//! | `POST /api/v1/payments/apm`, `status/{id}`, `info/{id}` | `apm` |
//! | `/_simulator/transactions`, `/_simulator/log`, `/_simulator/expire-tokens`, `/_simulator/health` | `admin` |
//!
//! Callbacks, their checksums, retries and chaos are in `callbacks`; idempotency in
//! `idempotency`; the rate limit in `limit`; the request log in [`log`].

mod admin;
mod apm;
mod auth;
mod callbacks;
mod card;
mod challenge;
pub mod checksum;
mod error;
mod fields;
mod idempotency;
mod limit;
pub mod log;
pub mod model;
pub mod money;
mod payout;
mod refund;
mod state;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use checksum::ChecksumVariant;
pub use log::{CallbackRecord, LogEntry, RequestRecord};
pub use model::{CardOutcome, Kind, Status, TEST_CARDS, TestCard, TransactionView};

use crate::secret::{Credentials, Secret};
use error::ApiError;
use model::{Merchant, Tx};
use state::Sim;

/// Chaos switches that make callbacks misbehave the way Exirom's may (API.md §10.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chaos {
    /// Deliver every callback twice.
    pub duplicate: bool,
    /// After a final status, deliver a stale `PENDING` for the same transaction.
    pub out_of_order: bool,
    /// Wait this long before each callback's first attempt.
    pub delay_ms: u64,
    /// Never deliver callbacks (a sandbox that drops them; clients must poll).
    pub drop: bool,
}

/// The auth response shape (API.md §2 documents three).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthResponse {
    /// `{"merchantKey": "...", "token": "eyJ..."}` (legacy guide, APM Quick Start).
    #[default]
    Object,
    /// `"eyJ..."` (API reference).
    BareString,
}

/// The status endpoints' response shape (API.md §4.5 documents two).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusResponse {
    /// As documented per endpoint: an object for card payments, refunds and card payouts, a bare
    /// string for APM payments and APM payouts.
    #[default]
    Documented,
    /// Always `{"transactionId", "transactionStatus", "declineCode"}`.
    Object,
    /// Always a bare JSON string (`"SUCCEED"`).
    BareString,
}

/// How a simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The `merchantKey`/`merchantSecret` pair `POST /api/v1/auth` accepts; the secret also signs
    /// callbacks and verifies APM request checksums.
    pub credentials: Credentials,
    /// Multiplies every simulated delay (callback retries, settlement); `0.001` turns minutes into
    /// milliseconds.
    pub time_scale: f64,
    /// API requests per minute per client IP before 429; 0 = unlimited.
    pub rate_limit_per_min: u32,
    /// Callback chaos.
    pub chaos: Chaos,
    /// Which documented field set signs callbacks.
    pub checksum_variant: ChecksumVariant,
    /// Append the request and callback log to this file as JSON lines.
    pub log_file: Option<PathBuf>,
    /// A callback attempt that takes longer fails (Exirom: 10 s).
    pub callback_timeout: Duration,
    /// When set, card requests for another `mid` get 403.
    pub mid: Option<String>,
    /// When set, APM requests for another `accountId` get 403.
    pub account_id: Option<String>,
    /// Shape of the auth response.
    pub auth_response: AuthResponse,
    /// Shape of status responses.
    pub status_response: StatusResponse,
    /// Base of the challenge/redirect page URLs (`http://host:port`); defaults to the bound address.
    pub public_url: Option<String>,
}

impl Default for SimConfig {
    /// Generated credentials, real-time delays, no rate limit, no chaos, variant `d`.
    fn default() -> Self {
        Self {
            credentials: generated_credentials(),
            time_scale: 1.0,
            rate_limit_per_min: 0,
            chaos: Chaos::default(),
            checksum_variant: ChecksumVariant::default(),
            log_file: None,
            callback_timeout: Duration::from_secs(10),
            mid: None,
            account_id: None,
            auth_response: AuthResponse::default(),
            status_response: StatusResponse::default(),
            public_url: None,
        }
    }
}

/// A fresh random credential pair (`golive-sim-key-…`, `golive-sim-secret-…`).
pub fn generated_credentials() -> Credentials {
    Credentials {
        key: Secret::new(format!("golive-sim-key-{}", &uuid::Uuid::new_v4().simple().to_string()[..16])),
        secret: Secret::new(format!("golive-sim-secret-{}", uuid::Uuid::new_v4().simple())),
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The log file cannot be opened.
    #[error("cannot open the log file {path}: {source}")]
    Log {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
}

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Binds `addr` (port 0 picks a free port) and serves the API on the current tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), golive::simulator::SimError> {
    /// use golive::simulator::{SimConfig, Simulator};
    ///
    /// // Generated credentials; minutes of callback retries become tens of milliseconds.
    /// let cfg = SimConfig { time_scale: 0.0001, ..SimConfig::default() };
    /// let sim = Simulator::start(cfg, "127.0.0.1:0".parse().expect("literal address")).await?;
    /// let base = sim.base_url(); // http://127.0.0.1:PORT/api
    /// let key = sim.credentials().key.expose().clone();
    /// // … run flows against `base` with `key` and `sim.credentials().secret` …
    /// sim.wait_idle(std::time::Duration::from_secs(5)).await;
    /// let charged = sim.transactions();
    /// sim.shutdown().await;
    /// # let _ = (base, key, charged);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The address cannot be bound, the log file cannot be opened, or the config is invalid.
    pub async fn start(cfg: SimConfig, addr: SocketAddr) -> Result<RunningSimulator, SimError> {
        if !cfg.time_scale.is_finite() || cfg.time_scale < 0.0 {
            return Err(SimError::Config(format!("time scale must be a number >= 0, not {}", cfg.time_scale)));
        }
        if cfg.credentials.key.expose().is_empty() || cfg.credentials.secret.expose().is_empty() {
            return Err(SimError::Config("the simulator needs a merchant key and a merchant secret".into()));
        }
        crate::install_crypto_provider();
        let log = log::RequestLog::open(cfg.log_file.as_deref())
            .map_err(|source| SimError::Log { path: cfg.log_file.clone().unwrap_or_default(), source })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("golive-simulator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SimError::Config(format!("cannot build the callback client: {e}")))?;
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| SimError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(|source| SimError::Bind { addr, source })?;
        let public_base = cfg
            .public_url
            .clone()
            .map_or_else(|| format!("http://{}", reachable(local)), |u| u.trim_end_matches('/').to_string());
        let (stop_tx, stop_rx) = watch::channel(false);
        let sim = Sim::new(cfg, public_base, log, http, stop_rx.clone());
        let app = router(sim.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let mut stop = stop_rx;
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop.wait_for(|v| *v).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::warn!(error = %e, "simulator server stopped");
            }
        });
        tracing::debug!(addr = %local, "simulator listening");
        Ok(RunningSimulator { sim, addr: local, stop: stop_tx, server: Some(server) })
    }
}

/// The address a client on this machine reaches: 0.0.0.0 / :: become loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port()),
        _ => addr,
    }
}

/// A simulator serving requests. Dropping it stops the server too (without waiting).
pub struct RunningSimulator {
    sim: Sim,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSimulator").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl RunningSimulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port` (pages and `/_simulator` live here).
    pub fn root_url(&self) -> String {
        format!("http://{}", reachable(self.addr))
    }

    /// The API base URL, `http://host:port/api`, to use as `[sandbox] base_url`.
    pub fn base_url(&self) -> String {
        format!("{}/api", self.root_url())
    }

    /// The credentials `POST /api/v1/auth` accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.sim.cfg().credentials
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SimConfig {
        self.sim.cfg()
    }

    /// Every transaction, oldest first.
    pub fn transactions(&self) -> Vec<TransactionView> {
        admin::transactions(&self.sim)
    }

    /// One transaction (for refunds: by `refundId`).
    pub fn transaction(&self, id: &str) -> Option<TransactionView> {
        self.sim.store().txs.get(id).map(Tx::view)
    }

    /// Every logged request and callback attempt, oldest first.
    pub fn request_log(&self) -> Vec<LogEntry> {
        self.sim.0.log.snapshot()
    }

    /// Expires every token issued so far: the next API call with one answers 401.
    pub fn expire_tokens(&self) {
        auth::expire_all(&self.sim);
    }

    /// Changes the callback chaos switches for callbacks scheduled from now on.
    pub fn set_chaos(&self, chaos: Chaos) {
        *self.sim.0.chaos.write().unwrap_or_else(std::sync::PoisonError::into_inner) = chaos;
    }

    /// Callback deliveries and settlements still running.
    pub fn pending_jobs(&self) -> usize {
        self.sim.pending_jobs()
    }

    /// Waits until every callback delivery (retries included) and settlement has finished;
    /// `false` on timeout.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.sim.wait_idle()).await.is_ok()
    }

    /// Stops accepting requests, cancels pending callbacks and waits (up to 5 s) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut handle) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut handle).await.is_err()
        {
            handle.abort();
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// All routes.
fn router(sim: Sim) -> Router {
    let protected = Router::new()
        .route("/v1/payments/card", post(card::create))
        .route("/v1/payments/card/status/{id}", get(card::status))
        .route("/v1/payments/card/info/{id}", get(card::info))
        .route("/v1/payments/card/tokenize", post(card::tokenize))
        .route("/v1/payments/card/charge", post(card::charge))
        .route("/v1/payments/apm", post(apm::create))
        .route("/v1/payments/apm/status/{id}", get(apm::status))
        .route("/v1/payments/apm/info/{id}", get(apm::info))
        .route("/v1/refunds/card", post(refund::create))
        .route("/v1/refunds/card/status/{id}", get(refund::status))
        .route("/v1/refunds/card/info/{id}", get(refund::info))
        .route("/v1/payments/refund", post(refund::create))
        .route("/v1/payments/refund/status/{id}", get(refund::status))
        .route("/v1/payments/refund/info/{id}", get(refund::info))
        .route("/v1/payouts/card", post(payout::create_card))
        .route("/v1/payouts/card/status/{id}", get(payout::card_status))
        .route("/v1/payouts/card/info/{id}", get(payout::card_info))
        .route("/v1/payouts/apm", post(payout::create_apm))
        .route("/v1/payouts/apm/status/{id}", get(payout::apm_status))
        .route("/v1/payouts/apm/info/{id}", get(payout::apm_info))
        .route_layer(from_fn_with_state(sim.clone(), auth::require));
    let v1 = Router::new().route("/v1/auth", post(auth::issue)).merge(protected);
    let api = Router::new()
        .nest("/api", v1.clone())
        .nest("/api/api", v1.clone())
        .merge(v1)
        .layer(from_fn_with_state(sim.clone(), limit::enforce));
    let pages = Router::new()
        .route("/sim/3ds/{cid}", get(challenge::page).post(challenge::submit))
        .route("/sim/apm/{cid}", get(challenge::page).post(challenge::submit));
    let admin = Router::new()
        .route("/_simulator/transactions", get(admin::list_transactions))
        .route("/_simulator/log", get(admin::log))
        .route("/_simulator/expire-tokens", post(admin::expire_tokens))
        .route("/_simulator/health", get(admin::health));
    Router::new()
        .merge(api)
        .merge(pages)
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(sim.clone(), log::record))
        .with_state(sim)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; API paths look like /api/v1/payments/card")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// 403 when the config pins a `mid`/`accountId` and the request names another.
pub(crate) fn check_merchant(sim: &Sim, merchant: &Merchant) -> Result<(), ApiError> {
    let (pinned, name) = match merchant {
        Merchant::Mid(_) => (&sim.cfg().mid, "mid"),
        Merchant::Account(_) => (&sim.cfg().account_id, "accountId"),
    };
    match pinned {
        Some(p) if p != merchant.id() => {
            Err(ApiError::forbidden(format!("{name} {} is not allowed for these credentials", merchant.id())))
        }
        _ => Ok(()),
    }
}

/// A status answer: `{transactionId, transactionStatus, declineCode}` (refunds add `refundId`) or
/// a bare string, per [`StatusResponse`]; `bare_by_doc` says what the docs show for this endpoint.
pub(crate) fn status_response(sim: &Sim, tx: &Tx, bare_by_doc: bool) -> Response {
    let bare = match sim.cfg().status_response {
        StatusResponse::Documented => bare_by_doc,
        StatusResponse::Object => false,
        StatusResponse::BareString => true,
    };
    if bare {
        return axum::Json(json!(tx.status.as_str())).into_response();
    }
    let mut body = json!({"transactionId": tx.id, "transactionStatus": tx.status.as_str()});
    if tx.kind == Kind::Refund {
        body["refundId"] = json!(tx.id);
        body["transactionId"] = json!(tx.parent);
    }
    if tx.status == Status::Failed {
        body["declineCode"] = json!(tx.decline_code);
    }
    axum::Json(body).into_response()
}
