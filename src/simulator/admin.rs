//! `/_simulator/*`: inspection and test controls, not part of the Exirom contract and not
//! authenticated, rate-limited or logged.
//!
//! | route | answer |
//! |---|---|
//! | `GET /_simulator/transactions` | every transaction, oldest first ([`TransactionView`]) |
//! | `GET /_simulator/log` | every logged request and callback attempt ([`LogEntry`]) |
//! | `POST /_simulator/expire-tokens` | expires every issued token (the next API call answers 401) |
//! | `GET /_simulator/health` | `{"ok": true, "pendingJobs": N}` |

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::auth;
use super::log::LogEntry;
use super::model::TransactionView;
use super::state::Sim;

/// Every transaction, oldest first.
pub(crate) fn transactions(sim: &Sim) -> Vec<TransactionView> {
    let store = sim.store();
    store.order.iter().filter_map(|id| store.txs.get(id)).map(super::model::Tx::view).collect()
}

/// `GET /_simulator/transactions`.
pub(crate) async fn list_transactions(State(sim): State<Sim>) -> Json<Vec<TransactionView>> {
    Json(transactions(&sim))
}

/// `GET /_simulator/log`.
pub(crate) async fn log(State(sim): State<Sim>) -> Json<Vec<LogEntry>> {
    Json(sim.0.log.snapshot())
}

/// `POST /_simulator/expire-tokens`.
pub(crate) async fn expire_tokens(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({"expired": true, "generation": auth::expire_all(&sim)}))
}

/// `GET /_simulator/health`.
pub(crate) async fn health(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({"ok": true, "pendingJobs": sim.pending_jobs()}))
}
