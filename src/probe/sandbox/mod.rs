//! The sandbox probe: runs Exirom payment flows end to end against the Exirom sandbox (or golive's
//! embedded simulator) and reports each flow as a rule (`rules/sandbox.toml`).
//!
//! One run = one HTTP client (`api.rs`: token cached, 401 re-auth once, 429/5xx backoff within
//! 40 requests/min), one callback listener (`callbacks.rs`), and the flows of `flows/` in a fixed
//! order, sharing state (the card flow's payment is what the refund flow refunds). Flows are
//! chosen by `[sandbox] flows`; without a sandbox base URL and without credentials every rule is
//! skipped with the reason.

pub mod api;
pub mod callbacks;
pub mod challenge;
pub mod checksum;
mod embedded;
pub mod flows;
pub mod html;
pub mod wire;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use self::api::{Api, ApiError, ApiOptions};
use self::callbacks::Listener;
use self::flows::{FLOWS, Flow, FlowCtx, Settings, Shared};
use crate::checklist::Rule;
use crate::engine::ProbeRun;
use crate::probe::{Outcome, RunContext, Status};
use crate::secret::Credentials;

/// Names of the flows this probe implements (one per rule in `rules/sandbox.toml`).
pub const IMPLEMENTATIONS: &[&str] =
    &["auth", "card-flow", "refund-flow", "payout-flow", "apm-flow", "currencies", "idempotency"];

/// Where the callback listener binds when a public callback URL (a tunnel) is configured: the
/// tunnel must forward here. `GOLIVE_CALLBACK_LISTEN` changes it.
pub const TUNNEL_LISTEN: &str = "127.0.0.1:8788";

/// Caps, in ms, how long one request waits after 429s (default a minute: a `Retry-After` of a
/// per-minute limit); lower it to fail fast on a rate-limited sandbox.
pub const MAX_WAIT_VAR: &str = "GOLIVE_SANDBOX_MAX_WAIT_MS";

/// Merchant ids used against the embedded simulator when none are configured.
const EMBEDDED_MID: &str = "GOLIVE-SANDBOX-MID";
const EMBEDDED_ACCOUNT_ID: &str = "1001";

/// Whether a flow called `name` exists.
pub fn implements(name: &str) -> bool {
    IMPLEMENTATIONS.contains(&name)
}

/// Runs the selected sandbox rules.
pub async fn run(ctx: &RunContext, rules: &[&Rule]) -> ProbeRun {
    if rules.is_empty() {
        return ProbeRun::default();
    }
    let sb = &ctx.config.sandbox;
    let Some(base) = sb.base_url.clone() else {
        return all(
            rules,
            Status::Skip,
            "not run: no sandbox configured; set EXIROM_MERCHANT_KEY and EXIROM_MERCHANT_SECRET to sandbox \
             credentials, or use [sandbox] base_url = \"embedded\" (`golive sandbox --base-url embedded`) for the \
             local simulator",
        );
    };
    crate::install_crypto_provider();
    let embedded = base == "embedded";
    let (base_url, credentials, sim) = if embedded {
        match embedded::start(ctx.credentials.as_ref()).await {
            Ok(sim) => (sim.base_url(), sim.credentials(), Some(sim)),
            Err(e) => return all(rules, Status::Error, &format!("the embedded simulator did not start: {e}")),
        }
    } else {
        match ctx.credentials.clone().filter(Credentials::can_authenticate) {
            Some(c) => (base.trim_end_matches('/').to_string(), c, None),
            None => {
                return all(
                    rules,
                    Status::Skip,
                    &format!(
                        "not run: no sandbox credentials for {base}; set EXIROM_MERCHANT_KEY and EXIROM_MERCHANT_SECRET"
                    ),
                );
            }
        }
    };
    let public = sb.callback_url.clone();
    let listen = if public.is_some() {
        crate::secret::env_var("GOLIVE_CALLBACK_LISTEN").unwrap_or_else(|| TUNNEL_LISTEN.to_string())
    } else {
        "127.0.0.1:0".to_string()
    };
    let listener = match Listener::start(&listen, public.clone()).await {
        Ok(l) => l,
        Err(e) => return all(rules, Status::Error, &e),
    };
    let timeout = Duration::from_millis(sb.timeout_ms.max(1));
    let mut options = ApiOptions::new(&base_url, timeout);
    if let Some(ms) = crate::secret::env_var(MAX_WAIT_VAR).and_then(|v| v.parse().ok()) {
        options.max_rate_wait = Duration::from_millis(ms);
    }
    let api = match Api::new(options, credentials) {
        Ok(a) => a,
        Err(e) => return all(rules, Status::Error, &e),
    };
    let mut warnings = Vec::new();
    let callbacks_reachable = public.is_some() || is_loopback(&base_url);
    if !callbacks_reachable {
        warnings.push(format!(
            "the sandbox at {base_url} cannot call golive's loopback listener: callbacks are not checked; run a \
             tunnel to {TUNNEL_LISTEN} and pass its URL with --callback-url"
        ));
    }
    let cfg_mid = ctx.config.exirom.mid.clone();
    let cfg_account = ctx.config.exirom.account_id.clone();
    let settings = Settings {
        mid: cfg_mid.or_else(|| embedded.then(|| EMBEDDED_MID.to_string())),
        account_id: cfg_account.or_else(|| embedded.then(|| EMBEDDED_ACCOUNT_ID.to_string())),
        cards: sb.cards.clone(),
        currencies: sb.currencies.clone(),
        apm_types: sb.apm_types.clone(),
        callback_timeout: Duration::from_millis(sb.callback_timeout_ms),
        poll_timeout: Duration::from_millis(sb.callback_timeout_ms.clamp(2_000, 30_000)),
        callbacks_reachable,
    };
    let cx = FlowCtx {
        api,
        listener,
        settings,
        shared: Mutex::new(Shared::default()),
        ledger: sim.as_ref().map(embedded::Embedded::ledger),
    };
    let outcomes = run_flows(&cx, rules, &sb.flows).await;
    drop(cx);
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    ProbeRun { outcomes, warnings }
}

/// Authenticates, runs the enabled flows in order, then judges authentication.
async fn run_flows(cx: &FlowCtx, rules: &[&Rule], enabled: &[String]) -> Vec<Outcome> {
    let auth_rules: Vec<&&Rule> = rules.iter().filter(|r| r.implementation == "auth").collect();
    if let Err(e) = cx.api.authenticate().await {
        let status = if matches!(e, ApiError::Credentials { .. }) { Status::Fail } else { Status::Error };
        let calls = cx.api.stats().auth_calls;
        let mut out: Vec<Outcome> =
            auth_rules.iter().map(|r| Outcome::new(&r.id, status, e.to_string()).measure("authCalls", calls)).collect();
        out.extend(
            rules
                .iter()
                .filter(|r| r.implementation != "auth")
                .map(|r| Outcome::skip(&r.id, format!("not run: authentication failed (see sandbox-auth): {e}"))),
        );
        return out;
    }
    let mut out = Vec::new();
    for flow in FLOWS.iter().filter(|f| f.implementation != "auth") {
        for rule in rules.iter().filter(|r| r.implementation == flow.implementation) {
            if let Some(name) = flow.config_flow
                && !enabled.iter().any(|f| f == name)
            {
                out.push(Outcome::skip(&rule.id, format!("not run: `{name}` is not in [sandbox] flows")));
                continue;
            }
            let outcome = timed(cx, flow, rule).await;
            crate::engine::finished(&outcome);
            out.push(outcome);
        }
    }
    if let Some(auth) = FLOWS.iter().find(|f| f.implementation == "auth") {
        for rule in auth_rules {
            out.push((auth.run)(cx, rule).await);
        }
    }
    out
}

/// Runs one flow within its time budget and adds the ids and timings of its requests.
async fn timed(cx: &FlowCtx, flow: &Flow, rule: &Rule) -> Outcome {
    let s = &cx.settings;
    let items = (s.currencies.len() + s.apm_types.len()).max(2) as u32 + 2;
    let per_tx = cx.api.options().timeout * 2 + s.callback_timeout + s.poll_timeout;
    let budget = per_tx * items;
    let mark = cx.api.mark();
    let started = Instant::now();
    let mut o = match tokio::time::timeout(budget, (flow.run)(cx, rule)).await {
        Ok(o) => o,
        Err(_) => Outcome::error(&rule.id, format!("the flow did not finish within {} s", budget.as_secs())),
    };
    let exchanges = cx.api.since(mark);
    let uniq = |f: &dyn Fn(&api::Exchange) -> Vec<String>| {
        let mut v: Vec<String> = Vec::new();
        for x in exchanges.iter().flat_map(f) {
            if !v.contains(&x) {
                v.push(x);
            }
        }
        Value::from(v)
    };
    o = o
        .measure("ms", started.elapsed().as_millis() as u64)
        .measure("requests", exchanges.len())
        .measure("traceIds", uniq(&|e| e.trace_id.iter().cloned().collect()))
        .measure("requestIds", uniq(&|e| e.request_id.iter().cloned().collect()))
        .measure("transactionIds", uniq(&|e| e.transaction_id.iter().chain(&e.refund_id).cloned().collect()));
    o
}

fn all(rules: &[&Rule], status: Status, msg: &str) -> ProbeRun {
    rules.iter().map(|r| Outcome::new(&r.id, status, msg)).collect::<Vec<_>>().into()
}

/// Whether a URL's host is loopback (the embedded simulator, a local simulator).
fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).is_some_and(|h| {
        let h = h.trim_matches(['[', ']']);
        h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("http://127.0.0.1:8099/api"));
        assert!(is_loopback("http://localhost/api"));
        assert!(is_loopback("http://[::1]:80/api"));
        assert!(!is_loopback("https://sandbox.api.exirom.com/api"));
    }
}
