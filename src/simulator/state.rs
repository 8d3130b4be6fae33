//! The shared, concurrency-safe state behind every handler: configuration, the in-memory store
//! (one `std::sync::Mutex`, never held across an `.await`, so a request's check-then-insert is
//! atomic and two concurrent retries cannot create two transactions), the token generation, the
//! request log, the rate limiter, the callback HTTP client and the shutdown signal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, watch};

use super::limit::RateLimiter;
use super::log::RequestLog;
use super::model::{CardInfo, Kind, Tx};
use super::{Chaos, SimConfig};

/// How long refunds and payouts stay `PROCESSING` before their final status, before `time_scale`.
pub(crate) const SETTLE: Duration = Duration::from_secs(2);

/// A vaulted card (`POST /api/v1/payments/card/tokenize`).
#[derive(Debug, Clone)]
pub(crate) struct CardToken {
    /// Masked card and its outcome.
    pub(crate) card: CardInfo,
    /// The full `billingDetails` given at tokenization (reused by charges).
    pub(crate) billing: Option<Value>,
    /// `YYYY-MM-DD`; charges after it are refused.
    pub(crate) expires: time::Date,
}

/// What an idempotency key maps to.
#[derive(Debug, Clone)]
pub(crate) struct IdemEntry {
    /// Canonical text of the first request (endpoint + body).
    pub(crate) fingerprint: String,
    /// The first response, returned again on a retry.
    pub(crate) response: Value,
}

/// The in-memory store.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Transactions by id.
    pub(crate) txs: HashMap<String, Tx>,
    /// Ids in creation order.
    pub(crate) order: Vec<String>,
    /// `(merchant id, requestId)` → first request and response (API.md §15.3).
    pub(crate) idem: HashMap<(String, String), IdemEntry>,
    /// Card tokens.
    pub(crate) tokens: HashMap<String, CardToken>,
    /// Challenge/redirect page id → transaction id.
    pub(crate) challenges: HashMap<String, String>,
    next_id: u64,
}

impl Store {
    fn new() -> Self {
        // 18-digit numeric ids like the docs' `733609401625775730`, distinct across restarts.
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let base = 700_000_000_000_000_000u64 + (u64::try_from(now_ms).unwrap_or(0) % 100_000_000_000) * 1_000_000;
        Self { next_id: base, ..Self::default() }
    }

    /// A fresh `transactionId`.
    pub(crate) fn next_tx_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Stores a new transaction.
    pub(crate) fn insert(&mut self, tx: Tx) {
        self.order.push(tx.id.clone());
        self.txs.insert(tx.id.clone(), tx);
    }

    /// A transaction of one of `kinds`.
    pub(crate) fn find(&self, id: &str, kinds: &[Kind]) -> Option<&Tx> {
        self.txs.get(id).filter(|t| kinds.contains(&t.kind))
    }
}

/// Everything the handlers share.
pub(crate) struct Inner {
    /// The configuration.
    pub(crate) cfg: SimConfig,
    /// Chaos switches (changeable while running).
    pub(crate) chaos: RwLock<Chaos>,
    /// `http://host:port` of this server as customers' browsers reach it (no `/api`).
    pub(crate) public_base: String,
    /// Key signing the JWTs.
    pub(crate) jwt_key: Vec<u8>,
    /// Tokens of an older generation are expired (`/_simulator/expire-tokens`).
    pub(crate) token_generation: AtomicU64,
    /// The store.
    store: Mutex<Store>,
    /// Request and callback log.
    pub(crate) log: RequestLog,
    /// Per-IP request limit.
    pub(crate) limiter: RateLimiter,
    /// Client for callbacks.
    pub(crate) http: reqwest::Client,
    /// Becomes `true` at shutdown.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Background jobs (callback deliveries, settlements) still running.
    pending: AtomicUsize,
    idle: Notify,
}

/// A cheap handle on the shared state.
#[derive(Clone)]
pub(crate) struct Sim(pub Arc<Inner>);

impl Sim {
    /// Builds the state.
    pub(crate) fn new(
        cfg: SimConfig,
        public_base: String,
        log: RequestLog,
        http: reqwest::Client,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let jwt_key = [uuid::Uuid::new_v4().into_bytes(), uuid::Uuid::new_v4().into_bytes()].concat();
        Self(Arc::new(Inner {
            chaos: RwLock::new(cfg.chaos),
            limiter: RateLimiter::new(cfg.rate_limit_per_min),
            cfg,
            public_base,
            jwt_key,
            token_generation: AtomicU64::new(0),
            store: Mutex::new(Store::new()),
            log,
            http,
            shutdown,
            pending: AtomicUsize::new(0),
            idle: Notify::new(),
        }))
    }

    /// The configuration.
    pub(crate) fn cfg(&self) -> &SimConfig {
        &self.0.cfg
    }

    /// The current chaos switches.
    pub(crate) fn chaos(&self) -> Chaos {
        *self.0.chaos.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the store. A panic while it was held cannot leave it half-written (every mutation is a
    /// few plain assignments), so a poisoned lock is recovered rather than propagated.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.0.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The merchant secret (HMAC key).
    pub(crate) fn secret(&self) -> &str {
        self.0.cfg.credentials.secret.expose()
    }

    /// `d` multiplied by the time scale.
    pub(crate) fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() * self.0.cfg.time_scale).unwrap_or(Duration::MAX)
    }

    /// Sleeps for `d`; `false` when the simulator shut down first.
    pub(crate) async fn sleep(&self, d: Duration) -> bool {
        let mut rx = self.0.shutdown.clone();
        if *rx.borrow() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(d) => true,
            _ = rx.wait_for(|v| *v) => false,
        }
    }

    /// Runs `f` after `delay` (scaled by the caller), unless the simulator shuts down first.
    pub(crate) fn after(&self, delay: Duration, f: impl FnOnce(&Sim) + Send + 'static) {
        let sim = self.clone();
        self.begin_job();
        tokio::spawn(async move {
            if sim.sleep(delay).await {
                f(&sim);
            }
            sim.end_job();
        });
    }

    /// Counts a background job.
    pub(crate) fn begin_job(&self) {
        self.0.pending.fetch_add(1, Ordering::SeqCst);
    }

    /// Marks a background job done.
    pub(crate) fn end_job(&self) {
        if self.0.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }

    /// Background jobs still running.
    pub(crate) fn pending_jobs(&self) -> usize {
        self.0.pending.load(Ordering::SeqCst)
    }

    /// Waits until no background job runs.
    pub(crate) async fn wait_idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            if self.pending_jobs() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// `http://host:port/sim/<section>/<id>`.
    pub(crate) fn page_url(&self, section: &str, id: &str) -> String {
        format!("{}/sim/{section}/{id}", self.0.public_base)
    }
}
