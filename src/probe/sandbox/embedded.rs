//! The embedded sandbox: golive's simulator started in-process on loopback for
//! `[sandbox] base_url = "embedded"` (and `golive sandbox --base-url embedded`).
//!
//! It honours `EXIROM_MERCHANT_KEY` / `EXIROM_MERCHANT_SECRET` when both are set, else the pair it
//! generates. Simulated delays (refund and payout settlement, callback retries) run a thousand
//! times faster, so every flow finishes in seconds; golive's own pacing stays at 40 requests/min.
//! The flows talk to it over real HTTP exactly as to the Exirom sandbox; only the idempotency flow
//! also reads its transaction list (the [`Ledger`]), which a real sandbox does not offer.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::flows::Ledger;
use crate::secret::Credentials;
use crate::simulator::{RunningSimulator, SimConfig, Simulator};

/// How much faster than real time the embedded simulator's delays run.
const TIME_SCALE: f64 = 0.001;

/// A running in-process simulator.
pub(crate) struct Embedded {
    sim: Arc<RunningSimulator>,
}

impl Embedded {
    /// `http://127.0.0.1:PORT/api`.
    pub(crate) fn base_url(&self) -> String {
        self.sim.base_url()
    }

    /// The credentials it accepts.
    pub(crate) fn credentials(&self) -> Credentials {
        self.sim.credentials().clone()
    }

    /// Its transactions as (`requestId`, `transactionId`) pairs.
    pub(crate) fn ledger(&self) -> Ledger {
        let sim = Arc::clone(&self.sim);
        Arc::new(move || sim.transactions().into_iter().map(|t| (t.request_id, t.transaction_id)).collect())
    }

    /// Stops it (pending callbacks are cancelled).
    pub(crate) async fn shutdown(self) {
        match Arc::try_unwrap(self.sim) {
            Ok(sim) => sim.shutdown().await,
            // A ledger closure is still alive somewhere: dropping the last handle stops the server.
            Err(shared) => drop(shared),
        }
    }
}

/// Starts the simulator on `127.0.0.1:0`.
pub(crate) async fn start(env: Option<&Credentials>) -> Result<Embedded, String> {
    let mut cfg = SimConfig { time_scale: TIME_SCALE, ..SimConfig::default() };
    if let Some(c) = env.filter(|c| c.can_authenticate()) {
        cfg.credentials = c.clone();
    }
    let sim = Simulator::start(cfg, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.map_err(|e| e.to_string())?;
    Ok(Embedded { sim: Arc::new(sim) })
}
