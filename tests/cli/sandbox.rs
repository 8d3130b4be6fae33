//! `golive sandbox`: every flow against golive's simulator over real loopback HTTP, run as the
//! merchant runs it (`EXIROM_MERCHANT_KEY=… golive sandbox --base-url http://127.0.0.1:PORT/api
//! --mid M --account-id A`), including the failure cases: wrong credentials, dropped callbacks, a
//! token expired mid-run, a rate-limited sandbox. Assertions read the simulator's own request log
//! and transactions, not just golive's report.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use golive::secret::{Credentials, Secret};
use golive::simulator::{
    AuthResponse, Chaos, Kind, LogEntry, RequestRecord, RunningSimulator, SimConfig, Simulator, Status, StatusResponse,
};
use serde_json::Value;

use crate::common::golive;

const MID: &str = "GOLIVEFAKE-MID-1";
const ACCOUNT: &str = "4242";
/// Every run here must end well within this (the flows take well under a second on loopback).
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A simulator on its own runtime; fields drop in order, so the server stops before the runtime.
struct Sandbox {
    sim: Arc<RunningSimulator>,
    rt: tokio::runtime::Runtime,
}

impl Sandbox {
    fn start(cfg: SimConfig) -> Self {
        golive::install_crypto_provider();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let cfg = SimConfig { time_scale: 0.001, mid: Some(MID.into()), account_id: Some(ACCOUNT.into()), ..cfg };
        let sim = rt.block_on(Simulator::start(cfg, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))).unwrap();
        Self { sim: Arc::new(sim), rt }
    }

    fn credentials(&self) -> &Credentials {
        self.sim.credentials()
    }

    /// `golive sandbox` against this simulator with extra environment variables.
    fn run_env(&self, dir: &Path, env: &[(&str, &str)]) -> Run {
        self.run_with(dir, None, &[], env)
    }

    /// `golive sandbox` against this simulator with its credentials (or `creds`), in `dir`.
    fn run(&self, dir: &Path, creds: Option<&Credentials>, extra: &[&str]) -> Run {
        self.run_with(dir, creds, extra, &[])
    }

    fn run_with(&self, dir: &Path, creds: Option<&Credentials>, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let c = creds.unwrap_or_else(|| self.credentials());
        let report = dir.join("report.json");
        let started = Instant::now();
        let out = golive()
            .arg("sandbox")
            .arg(dir)
            .args(["--base-url", &self.sim.base_url(), "--mid", MID, "--account-id", ACCOUNT])
            .args(["--format", "json", "--output"])
            .arg(&report)
            .args(extra)
            .envs(env.iter().copied())
            .env("EXIROM_MERCHANT_KEY", c.key.expose())
            .env("EXIROM_MERCHANT_SECRET", c.secret.expose())
            .timeout(RUN_LIMIT)
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let text = std::fs::read_to_string(&report)
            .unwrap_or_else(|_| panic!("no report; stderr: {}", String::from_utf8_lossy(&out.stderr)));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Run { code: out.status.code(), report: serde_json::from_str(&text).unwrap(), elapsed, stderr }
    }

    fn requests(&self) -> Vec<RequestRecord> {
        self.sim
            .request_log()
            .into_iter()
            .filter_map(|e| match e {
                LogEntry::Request(r) => Some(r),
                LogEntry::Callback(_) => None,
            })
            .collect()
    }
}

struct Run {
    code: Option<i32>,
    report: Value,
    elapsed: Duration,
    stderr: String,
}

impl Run {
    fn result(&self, rule: &str) -> &Value {
        self.report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap_or_else(|| panic!("no result for {rule} in {}", self.report))
    }

    fn status(&self, rule: &str) -> &str {
        self.result(rule)["status"].as_str().unwrap()
    }

    fn message(&self, rule: &str) -> &str {
        self.result(rule)["message"].as_str().unwrap()
    }

    fn statuses(&self) -> BTreeMap<String, String> {
        self.report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["rule"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
            .collect()
    }
}

const RULES: [&str; 7] = [
    "sandbox-auth",
    "sandbox-card-flow",
    "sandbox-refund-flow",
    "sandbox-payout-flow",
    "sandbox-apm-flow",
    "sandbox-currencies",
    "sandbox-idempotency",
];

fn all_pass(run: &Run) {
    for rule in RULES {
        assert_eq!(run.status(rule), "pass", "{rule}: {}", run.message(rule));
    }
    assert_eq!(run.code, Some(0));
}

fn write_config(dir: &Path, sandbox: &str) {
    std::fs::write(dir.join("golive.toml"), format!("[sandbox]\n{sandbox}\n")).unwrap();
}

fn is_api(r: &RequestRecord) -> bool {
    r.path.contains("/v1/")
}

#[test]
fn every_flow_passes_against_the_simulator_and_the_log_shows_how() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let run = sb.run(dir.path(), None, &[]);
    all_pass(&run);
    let secret = sb.credentials().secret.expose().clone();
    let log = sb.requests();

    // One auth per run, and the secret in that request only.
    let auths: Vec<_> = log.iter().filter(|r| r.path.ends_with("/v1/auth")).collect();
    assert_eq!(auths.len(), 1, "one auth per run");
    assert!(auths[0].merchant_secret && auths[0].secret_seen);
    let leaks: Vec<_> = log.iter().filter(|r| !r.path.ends_with("/v1/auth") && r.secret_seen).collect();
    assert!(leaks.is_empty(), "the secret was sent outside the auth call: {leaks:?}");
    assert!(log.iter().filter(|r| is_api(r) && !r.path.ends_with("/v1/auth")).all(|r| r.authorization));

    // Unique requestIds: every transaction-creating POST has its own, except the one idempotent resend.
    let mut per_rid: BTreeMap<String, usize> = BTreeMap::new();
    for r in log.iter().filter(|r| r.method == "POST" && is_api(r)) {
        if let Some(rid) = &r.request_id {
            assert!(rid.starts_with("golive-") && rid.len() == 43, "{rid}");
            *per_rid.entry(rid.clone()).or_default() += 1;
        }
    }
    let reused: Vec<_> = per_rid.iter().filter(|(_, n)| **n > 1).collect();
    let idem_rid = run.result("sandbox-idempotency")["measurements"]["requestId"].as_str().unwrap();
    assert_eq!(reused, [(&idem_rid.to_string(), &2)], "only the idempotency flow reuses a requestId");

    // The 3DS challenge was completed through the page, a refund and a payout were made.
    assert!(log.iter().any(|r| r.method == "GET" && r.path.starts_with("/sim/3ds/") && r.status == 200));
    assert!(log.iter().any(|r| r.method == "POST" && r.path.starts_with("/sim/3ds/") && r.status == 302));
    let txs = sb.sim.transactions();
    let three_ds = txs
        .iter()
        .find(|t| t.kind == Kind::CardPayment && t.status_history.contains(&Status::CustomerVerification))
        .expect("a 3DS payment");
    assert_eq!(three_ds.status_history.last(), Some(&Status::Refunded), "{:?}", three_ds.status_history);
    assert!(three_ds.status_history.contains(&Status::Succeed));
    let refund = txs.iter().find(|t| t.kind == Kind::Refund).expect("a refund");
    assert_eq!(
        (refund.status, refund.parent_transaction_id.as_deref()),
        (Status::Succeed, Some(three_ds.transaction_id.as_str()))
    );
    assert!(txs.iter().any(|t| t.kind == Kind::CardPayout && t.status == Status::Succeed), "a payout");
    assert!(
        txs.iter().any(|t| t.kind == Kind::ApmPayment
            && t.status == Status::Succeed
            && t.apm_type.as_deref() == Some("UPI_QR"))
    );
    assert!(txs.iter().any(|t| t.kind == Kind::CardPayment && t.status == Status::Failed && t.decline_code.is_some()));
    let currencies: Vec<&str> =
        txs.iter().filter(|t| t.kind == Kind::CardPayment).map(|t| t.currency.as_str()).collect();
    assert!(currencies.contains(&"EUR") && currencies.contains(&"USD"));
    assert_eq!(txs.iter().filter(|t| t.request_id == idem_rid).count(), 1, "no second charge");

    // Each rule reports the ids support asks for.
    for rule in &RULES[1..] {
        let m = &run.result(rule)["measurements"];
        assert!(m["transactionId"].is_string(), "{rule}: {m}");
        assert!(m["requestId"].as_str().is_some_and(|r| r.starts_with("golive-")), "{rule}: {m}");
        assert!(!m["traceIds"].as_array().unwrap().is_empty(), "{rule}: {m}");
        assert!(m["ms"].is_u64(), "{rule}: {m}");
    }
    let card = &run.result("sandbox-card-flow")["measurements"];
    assert_eq!(card["challenge"], "completed");
    assert!(run.message("sandbox-card-flow").contains("callback verified"), "{}", run.message("sandbox-card-flow"));
    assert!(secret.len() > 8 && !run.report.to_string().contains(&secret), "the secret is not in the report");
}

#[test]
fn tolerates_every_documented_response_shape() {
    for (auth, status) in [
        (AuthResponse::BareString, StatusResponse::BareString),
        (AuthResponse::Object, StatusResponse::Object),
        (AuthResponse::BareString, StatusResponse::Documented),
    ] {
        let sb = Sandbox::start(SimConfig { auth_response: auth, status_response: status, ..SimConfig::default() });
        let dir = tempfile::tempdir().unwrap();
        let run = sb.run(dir.path(), None, &["-vv"]);
        all_pass(&run);
        // Debug logs name every request, and never the token or the secret.
        assert!(run.stderr.contains("sandbox request"), "{}", run.stderr);
        assert!(!run.stderr.contains("eyJ") && !run.stderr.contains(sb.credentials().secret.expose().as_str()));
        let shape = &run.result("sandbox-auth")["measurements"]["responseShape"];
        assert_eq!(shape, if auth == AuthResponse::BareString { "string" } else { "object" });
    }
}

#[test]
fn legacy_base_path_without_api_is_found() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let root = sb.sim.root_url();
    // The legacy pages write `${host}/v1/...`: give the host without `/api` and golive finds the API.
    let out = golive()
        .arg("sandbox")
        .arg(dir.path())
        .args(["--base-url", &root, "--mid", MID, "--account-id", ACCOUNT, "--format", "json"])
        .env("EXIROM_MERCHANT_KEY", sb.credentials().key.expose())
        .env("EXIROM_MERCHANT_SECRET", sb.credentials().secret.expose())
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    let auth = report["results"].as_array().unwrap().iter().find(|r| r["rule"] == "sandbox-auth").unwrap();
    assert_eq!(auth["status"], "pass");
    assert_eq!(auth["measurements"]["authCalls"], 1);
}

#[test]
fn wrong_credentials_fail_auth_and_say_it_may_be_another_environment() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let wrong = Credentials {
        key: Secret::new("GOLIVEFAKE-production-key".into()),
        secret: Secret::new("GOLIVEFAKE-production-secret".into()),
    };
    let run = sb.run(dir.path(), Some(&wrong), &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.status("sandbox-auth"), "fail");
    let msg = run.message("sandbox-auth");
    assert!(msg.contains("HTTP 401") && msg.contains("another environment"), "{msg}");
    for rule in &RULES[1..] {
        assert_eq!(run.status(rule), "skip", "{rule}");
        assert!(run.message(rule).contains("authentication failed"));
    }
    let log = sb.requests();
    assert_eq!(log.len(), 1, "nothing but the one auth attempt: {log:?}");
    assert_eq!(log[0].status, 401);
}

#[test]
fn dropped_callbacks_fall_back_to_polling_and_report_the_missed_webhook() {
    let sb = Sandbox::start(SimConfig { chaos: Chaos { drop: true, ..Chaos::default() }, ..SimConfig::default() });
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "callback_timeout_ms = 200");
    let run = sb.run(dir.path(), None, &[]);
    assert_eq!(run.code, Some(0), "a missed webhook is a warning, the flows themselves worked");
    for rule in &RULES[1..6] {
        assert_eq!(run.status(rule), "warn", "{rule}: {}", run.message(rule));
        let msg = run.message(rule);
        assert!(msg.contains("webhook missed") && msg.contains("fell back to polling"), "{rule}: {msg}");
        let findings = run.result(rule)["findings"].as_array().unwrap();
        assert!(findings.iter().any(|f| f["snippet"].as_str().unwrap().contains("webhook missed")), "{rule}");
    }
    assert_eq!(run.status("sandbox-auth"), "pass");
    assert_eq!(run.status("sandbox-idempotency"), "pass", "it waits for no callback");
    assert!(run.message("sandbox-card-flow").contains("CUSTOMER_VERIFICATION → challenge completed → SUCCEED"));
    let polls = sb.requests().iter().filter(|r| r.path.contains("/status/")).count();
    assert!(polls >= 6, "the flows polled instead ({polls} status requests)");
}

#[test]
fn token_expired_mid_run_is_renewed_by_exactly_one_reauth() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    // Expire every token as soon as the first card payment is created: the next call gets a 401.
    let sim = Arc::clone(&sb.sim);
    let done = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&done);
    let watcher = sb.rt.spawn(async move {
        let deadline = Instant::now() + RUN_LIMIT;
        while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
            let created = sim.request_log().iter().any(|e| {
                matches!(e, LogEntry::Request(r) if r.method == "POST" && r.path.ends_with("/payments/card") && r.status == 200)
            });
            if created {
                sim.expire_tokens();
                return true;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    });
    let run = sb.run(dir.path(), None, &[]);
    done.store(true, Ordering::Relaxed);
    assert!(sb.rt.block_on(watcher).unwrap(), "the tokens were expired mid-run");
    all_pass(&run);
    let m = &run.result("sandbox-auth")["measurements"];
    assert_eq!(
        (m["authCalls"].as_u64(), m["reauths"].as_u64(), m["unauthorized"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert!(run.message("sandbox-auth").contains("re-authenticating once"));
    let log = sb.requests();
    assert_eq!(log.iter().filter(|r| r.path.ends_with("/v1/auth")).count(), 2);
    let unauthorized: Vec<_> = log.iter().filter(|r| r.status == 401).collect();
    assert_eq!(unauthorized.len(), 1, "exactly one 401, then the retry succeeded: {unauthorized:?}");
    let i = log.iter().position(|r| r.status == 401).unwrap();
    assert!(log[i + 1].path.ends_with("/v1/auth") && log[i + 1].status == 200);
    assert_eq!((log[i + 2].method.as_str(), log[i + 2].path.as_str()), (log[i].method.as_str(), log[i].path.as_str()));
    assert_eq!(log[i + 2].request_id, log[i].request_id, "the retry resends the same requestId");
    assert!(log[i + 2].status < 300);
}

#[test]
fn rate_limited_sandbox_errors_clearly_within_bounds() {
    // 8 requests per minute: far below the 40 golive keeps to, with a Retry-After of nearly a
    // minute, more than the 2 s this test lets one request wait (the default is a minute).
    let sb = Sandbox::start(SimConfig { rate_limit_per_min: 8, ..SimConfig::default() });
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "callback_timeout_ms = 500");
    let run = sb.run_env(dir.path(), &[("GOLIVE_SANDBOX_MAX_WAIT_MS", "2000")]);
    assert!(run.elapsed < Duration::from_secs(30), "bounded: {:?}", run.elapsed);
    assert_eq!(run.code, Some(1));
    let statuses = run.statuses();
    let limited: Vec<_> = RULES
        .iter()
        .filter(|r| {
            run.message(r).contains("rate limited (HTTP 429, Retry-After") && run.message(r).contains("2000 ms")
        })
        .collect();
    assert!(!limited.is_empty(), "{statuses:?}");
    for rule in limited {
        assert_eq!(run.status(rule), "error", "{rule}");
    }
    let m = &run.result("sandbox-auth")["measurements"];
    assert!(m["rateLimited"].as_u64().unwrap() >= 1, "{m}");
    assert_eq!(m["authCalls"], 1);
    let log = sb.requests();
    assert!(log.iter().any(|r| r.status == 429));
}

#[test]
fn flows_left_out_of_the_config_are_skipped() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "flows = [\"card\", \"refund\"]\ncurrencies = [\"GBP\"]");
    let run = sb.run(dir.path(), None, &[]);
    assert_eq!(run.code, Some(0));
    for (rule, want) in [
        ("sandbox-auth", "pass"),
        ("sandbox-card-flow", "pass"),
        ("sandbox-refund-flow", "pass"),
        ("sandbox-payout-flow", "skip"),
        ("sandbox-apm-flow", "skip"),
        ("sandbox-currencies", "skip"),
        ("sandbox-idempotency", "skip"),
    ] {
        assert_eq!(run.status(rule), want, "{rule}: {}", run.message(rule));
    }
    assert!(run.message("sandbox-payout-flow").contains("`payout` is not in [sandbox] flows"));
    assert!(!sb.requests().iter().any(|r| r.path.contains("/payouts/")), "no payout was made");
    assert!(sb.sim.transactions().iter().all(|t| t.currency == "GBP"), "the first configured currency is used");
}

#[test]
fn callback_url_sends_callbacks_through_the_tunnel_address() {
    let sb = Sandbox::start(SimConfig::default());
    let dir = tempfile::tempdir().unwrap();
    // The "tunnel" is the identity here: its public URL is the listener's own address.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("http://127.0.0.1:{port}/tunnel/exirom");
    let out = golive()
        .arg("sandbox")
        .arg(dir.path())
        .args(["--base-url", &sb.sim.base_url(), "--mid", MID, "--account-id", ACCOUNT, "--format", "json"])
        .args(["--callback-url", &public])
        .env("GOLIVE_CALLBACK_LISTEN", format!("127.0.0.1:{port}"))
        .env("EXIROM_MERCHANT_KEY", sb.credentials().key.expose())
        .env("EXIROM_MERCHANT_SECRET", sb.credentials().secret.expose())
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    all_pass(&Run { code: out.status.code(), report, elapsed: Duration::ZERO, stderr: String::new() });
    let urls: Vec<String> = sb
        .sim
        .request_log()
        .into_iter()
        .filter_map(|e| match e {
            LogEntry::Callback(c) => Some(c.url),
            LogEntry::Request(_) => None,
        })
        .collect();
    assert!(!urls.is_empty());
    assert!(urls.iter().all(|u| u.starts_with(&format!("{public}?paymentMethod="))), "{urls:?}");
}

#[test]
fn embedded_passes_every_flow_in_a_few_seconds() {
    let started = Instant::now();
    let out =
        golive().args(["sandbox", "--base-url", "embedded", "--format", "json"]).timeout(RUN_LIMIT).output().unwrap();
    let elapsed = started.elapsed();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| r["status"] == "pass"), "{report}");
    assert_eq!(report["context"]["sandbox_base_url"], "embedded");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

/// What a merchant sees: the human report of an embedded run (ids redacted, they change per run).
#[test]
fn embedded_human_report() {
    let out = golive().args(["sandbox", "--base-url", "embedded"]).timeout(RUN_LIMIT).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = crate::common::redact(&String::from_utf8_lossy(&out.stdout), None);
    let ids = regex::Regex::new(r"golive-[0-9a-f-]{36}|\b\d{12,}\b").unwrap();
    let text = ids.replace_all(&text, "[ID]");
    // The request count can grow by a status poll when the machine is slow.
    insta::assert_snapshot!(
        regex::Regex::new(r"for \d+ API requests").unwrap().replace_all(&text, "for [N] API requests")
    );
}

#[test]
fn without_credentials_every_rule_is_skipped_with_the_reason() {
    let out = golive().args(["sandbox", "--format", "json"]).timeout(RUN_LIMIT).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["status"], "skip");
        assert!(r["message"].as_str().unwrap().contains("EXIROM_MERCHANT_KEY"), "{r}");
    }
}

#[test]
fn check_skips_sandbox_rules_when_nothing_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let out = golive().arg("check").arg(dir.path()).args(["--format", "json"]).timeout(RUN_LIMIT).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sandbox: Vec<_> = report["results"].as_array().unwrap().iter().filter(|r| r["probe"] == "sandbox").collect();
    assert_eq!(sandbox.len(), 7);
    assert!(sandbox.iter().all(|r| r["status"] == "skip" && r["message"].as_str().unwrap().contains("embedded")));
}

#[test]
fn bad_base_url_is_a_usage_error() {
    golive().args(["sandbox", "--base-url", "ftp://sandbox.example"]).assert().code(2);
    golive().args(["sandbox", "--base-url", "embedded", "--callback-url", "not a url"]).assert().code(2);
}

/// A second, deliberately different sandbox written from API.md alone, so the flows are not tuned
/// to golive's own simulator: bare-string token and statuses, non-numeric ids, refunds only on the
/// legacy path answering `refundTransactionId`, a 3DS page of links instead of a form, an APM page
/// with radio buttons and a script redirect, APM request checksums in minor units only (variant A),
/// and callbacks whose signed amount text differs from the body's (`10` signed, `10.0` sent).
mod other_sandbox {
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::{Html, IntoResponse, Redirect, Response};
    use base64::Engine as _;
    use hmac::{KeyInit as _, Mac as _};
    use serde_json::{Value, json};

    pub(super) const KEY: &str = "GOLIVEFAKE-other-key";
    pub(super) const SECRET: &str = "GOLIVEFAKE-other-secret";
    const TOKEN: &str = "other-token";

    #[derive(Default)]
    pub(super) struct State {
        base: String,
        n: u64,
        txs: HashMap<String, Value>,
        idem: HashMap<String, String>,
        /// (method, path, requestId, secret seen in the request)
        pub(super) log: Vec<(String, String, Option<String>, bool)>,
    }

    type Shared = Arc<Mutex<State>>;

    pub(super) async fn start() -> (String, Shared) {
        let st: Shared = Arc::new(Mutex::new(State::default()));
        let s = Arc::clone(&st);
        let app = axum::Router::new().fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
            let st = Arc::clone(&s);
            async move { handle(&st, &m, &u, &h, &b) }
        });
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = tcp.local_addr().unwrap();
        st.lock().unwrap().base = format!("http://{addr}");
        tokio::spawn(async move { axum::serve(tcp, app).await });
        (format!("http://{addr}/api"), st)
    }

    fn sign(msg: &str) -> String {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        m.update(msg.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    }

    fn json_response(status: StatusCode, v: &Value) -> Response {
        (status, [("content-type", "application/json")], v.to_string()).into_response()
    }

    /// Posts the callback of `tx` (status already set) the way this sandbox signs it.
    fn callback(tx: &Value) {
        let Some(url) = tx["callbackUrl"].as_str() else { return };
        let id = tx["transactionId"].as_str().unwrap().to_string();
        let status = tx["transactionStatus"].as_str().unwrap();
        let kind = tx["kind"].as_str().unwrap();
        let (query, body, signed) = match kind {
            "apm" => {
                let t = tx["apmType"].as_str().unwrap();
                let body = format!(
                    r#"{{"transactionId":"{id}","accountId":{},"transactionStatus":"{status}","declineCode":null,"orderAmount":10.0,"orderCurrency":"EUR","apmType":"{t}"}}"#,
                    tx["accountId"].as_str().unwrap()
                );
                (
                    format!("paymentMethod=apm&apmType={t}"),
                    body,
                    format!("{}|10|EUR|{id}", tx["accountId"].as_str().unwrap()),
                )
            }
            "refund" => {
                let body = format!(
                    r#"{{"transactionId":"{id}","refundId":"{id}","mid":"{}","transactionStatus":"{status}","totalAmount":10.00}}"#,
                    tx["mid"].as_str().unwrap()
                );
                ("paymentMethod=card".into(), body, format!("{}|10.00|{id}", tx["mid"].as_str().unwrap()))
            }
            "payout" => {
                let body = format!(
                    r#"{{"transactionId":"{id}","transactionStatus":"{status}","declineCode":null,"cardMask":"411111******1111","totalAmount":10.0,"currency":"EUR","mid":"{}"}}"#,
                    tx["mid"].as_str().unwrap()
                );
                ("paymentMethod=card".into(), body, format!("{}|1000|EUR|{id}", tx["mid"].as_str().unwrap()))
            }
            _ => {
                let (amount, currency) = (tx["amount"].as_str().unwrap(), tx["currency"].as_str().unwrap());
                let number: f64 = amount.parse().unwrap();
                let body = format!(
                    r#"{{"transactionId":"{id}","requestId":"{}","mid":"{}","transactionStatus":"{status}","declineCode":{},"orderCurrency":"{currency}","orderAmount":{number:.1},"processedAmount":{number:.1},"conversionRate":1.0}}"#,
                    tx["requestId"].as_str().unwrap(),
                    tx["mid"].as_str().unwrap(),
                    tx["declineCode"]
                );
                // JavaScript's template interpolation of 10.0 gives "10" (API.md §11.2 item 4).
                ("paymentMethod=card".into(), body, format!("{}|{number}|{currency}|{id}", tx["mid"].as_str().unwrap()))
            }
        };
        let target = format!("{url}?{query}");
        let checksum = sign(&signed);
        tokio::spawn(async move {
            let c = reqwest::Client::new();
            let _ = c
                .post(target)
                .header("content-type", "application/json")
                .header("x-checksum", checksum)
                .body(body)
                .send()
                .await;
        });
    }

    fn set_status(st: &mut State, id: &str, status: &str) -> Value {
        let tx = st.txs.get_mut(id).unwrap();
        tx["transactionStatus"] = json!(status);
        tx.clone()
    }

    #[allow(clippy::too_many_lines)]
    fn handle(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, raw: &Bytes) -> Response {
        let text = String::from_utf8_lossy(raw).into_owned();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let path = uri.path().to_string();
        let mut st = shared.lock().unwrap();
        let secret_seen = text.contains(SECRET) || uri.to_string().contains(SECRET);
        st.log.push((method.to_string(), path.clone(), body["requestId"].as_str().map(str::to_string), secret_seen));
        let base = st.base.clone();
        // Customer pages.
        if let Some(id) = path.strip_prefix("/acs/") {
            let id = id.to_string();
            let tx = st.txs.get(&id).cloned().unwrap();
            return match uri.query() {
                None => Html(format!(
                    "<h1>Mock ACS</h1><p>Choose the outcome.</p><a href='/acs/{id}?r=deny'>Deny</a> | \
                     <a href='/acs/{id}?r=approve'>Approve</a>"
                ))
                .into_response(),
                Some(q) => {
                    let ok = q == "r=approve";
                    let tx2 = set_status(&mut st, &id, if ok { "SUCCEED" } else { "FAILED" });
                    callback(&tx2);
                    let to = if ok { tx["successRedirectUrl"].as_str() } else { tx["failureRedirectUrl"].as_str() };
                    Redirect::to(to.unwrap()).into_response()
                }
            };
        }
        if let Some(id) = path.strip_prefix("/pay/") {
            let id = id.to_string();
            if method == Method::GET {
                return Html(format!(
                    "<form method=post action='/pay/{id}'><label><input type=radio name=outcome value=failure checked> \
                     failure</label><label><input type=radio name=outcome value=success> success</label>\
                     <input type=submit value=Continue></form>"
                ))
                .into_response();
            }
            let ok = text == "outcome=success";
            let tx = set_status(&mut st, &id, if ok { "SUCCEED" } else { "FAILED" });
            callback(&tx);
            let to = tx["successRedirectUrl"].as_str().unwrap().to_string();
            return Html(format!("<p>Thank you.</p><script>window.location.href = \"{to}\";</script>")).into_response();
        }
        if path == "/api/v1/auth" {
            return if body["merchantKey"] == KEY && body["merchantSecret"] == SECRET {
                json_response(StatusCode::OK, &json!(TOKEN))
            } else {
                json_response(StatusCode::UNAUTHORIZED, &json!({"message": "bad credentials", "traceId": "tr-auth"}))
            };
        }
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
            return json_response(StatusCode::UNAUTHORIZED, &json!({"message": "token"}));
        }
        let trace = format!("tr-{}", st.log.len());
        let create = |st: &mut State, kind: &str, prefix: &str| -> (String, bool) {
            let key = format!("{kind}:{}", body["requestId"].as_str().unwrap_or_default());
            if let Some(id) = st.idem.get(&key) {
                return (id.clone(), false);
            }
            st.n += 1;
            let id = format!("{prefix}_{}", st.n);
            st.idem.insert(key, id.clone());
            let mut tx = body.clone();
            tx["transactionId"] = json!(id);
            tx["kind"] = json!(kind);
            st.txs.insert(id.clone(), tx);
            (id, true)
        };
        match (method.as_str(), path.as_str()) {
            ("POST", "/api/v1/payments/card") => {
                let (id, new) = create(&mut st, "card", "txn");
                if new {
                    let (status, code) = match body["card"]["number"].as_str() {
                        Some("4000000000003220") => ("CUSTOMER_VERIFICATION", Value::Null),
                        Some("4000000000000002") => ("FAILED", json!(51)),
                        _ => ("SUCCEED", Value::Null),
                    };
                    st.txs.get_mut(&id).unwrap()["declineCode"] = code;
                    let tx = set_status(&mut st, &id, status);
                    if status != "CUSTOMER_VERIFICATION" {
                        callback(&tx);
                    }
                }
                let tx = &st.txs[&id];
                let mut r = json!({"transactionId": id, "transactionStatus": tx["transactionStatus"], "declineCode": tx["declineCode"], "traceId": trace});
                if tx["transactionStatus"] == "CUSTOMER_VERIFICATION" {
                    r["challengeUrl"] = json!(format!("{base}/acs/{id}"));
                    r["challengeUrlIframe"] = Value::Null;
                }
                json_response(StatusCode::OK, &r)
            }
            ("POST", "/api/v1/payments/refund") => {
                let parent = body["transactionId"].to_string().trim_matches('"').to_string();
                if st.txs.get(&parent).is_none_or(|t| t["transactionStatus"] != "SUCCEED") {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"message": "not refundable", "traceId": trace}),
                    );
                }
                let (id, _) = create(&mut st, "refund", "rf");
                let tx = set_status(&mut st, &id, "SUCCEED");
                set_status(&mut st, &parent, "REFUNDED");
                callback(&tx);
                json_response(
                    StatusCode::OK,
                    &json!({"refundTransactionId": id, "transactionStatus": "PROCESSING", "traceId": trace}),
                )
            }
            ("POST", "/api/v1/payouts/card") => {
                let (id, _) = create(&mut st, "payout", "po");
                let tx = set_status(&mut st, &id, "SUCCEED");
                callback(&tx);
                json_response(
                    StatusCode::OK,
                    &json!({"transactionId": id, "transactionStatus": "PROCESSING", "traceId": trace}),
                )
            }
            ("POST", "/api/v1/payments/apm") => {
                let want = sign(&format!(
                    "{}|1000|{}|{}",
                    body["accountId"].as_str().unwrap_or_default(),
                    body["currency"].as_str().unwrap_or_default(),
                    body["requestId"].as_str().unwrap_or_default()
                ));
                if body["checksum"].as_str() != Some(want.as_str()) {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"message": "invalid checksum", "traceId": trace}),
                    );
                }
                let (id, _) = create(&mut st, "apm", "apm");
                let t = body["apmPayload"]["paymentMethod"].clone();
                st.txs.get_mut(&id).unwrap()["apmType"] = t;
                set_status(&mut st, &id, "PENDING");
                json_response(
                    StatusCode::OK,
                    &json!({"requestId": body["requestId"], "transactionId": id, "transactionStatus": "PENDING", "traceId": trace,
                        "apmResponseData": {"actionType": "REDIRECTION", "redirectUrl": format!("{base}/pay/{id}")}}),
                )
            }
            ("GET", p) => {
                let id = p.rsplit('/').next().unwrap_or_default();
                let Some(tx) = st.txs.get(id) else {
                    return json_response(StatusCode::NOT_FOUND, &json!({"message": "unknown", "traceId": trace}));
                };
                if p.contains("/status/") {
                    json_response(StatusCode::OK, &tx["transactionStatus"])
                } else {
                    let amount: f64 = tx["amount"].as_str().unwrap_or("0").parse().unwrap_or(0.0);
                    json_response(
                        StatusCode::OK,
                        &json!({"transactionId": id, "requestId": tx["requestId"], "mid": tx["mid"], "transactionStatus": tx["transactionStatus"],
                            "declineCode": tx["declineCode"], "orderAmount": amount, "orderCurrency": tx["currency"], "traceId": trace}),
                    )
                }
            }
            _ => json_response(StatusCode::NOT_FOUND, &json!({"message": "no such endpoint", "traceId": trace})),
        }
    }
}

#[test]
fn every_flow_passes_against_an_independently_shaped_sandbox() {
    golive::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (base, state) = rt.block_on(other_sandbox::start());
    let dir = tempfile::tempdir().unwrap();
    let out = golive()
        .arg("sandbox")
        .arg(dir.path())
        .args(["--base-url", &base, "--mid", "M-OTHER", "--account-id", "77", "--format", "json"])
        .env("EXIROM_MERCHANT_KEY", other_sandbox::KEY)
        .env("EXIROM_MERCHANT_SECRET", other_sandbox::SECRET)
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = Run { code: out.status.code(), report, elapsed: Duration::ZERO, stderr: String::new() };
    all_pass(&run);
    assert_eq!(run.result("sandbox-auth")["measurements"]["responseShape"], "string");
    assert!(run.result("sandbox-refund-flow")["measurements"]["refundId"].as_str().unwrap().starts_with("rf_"));
    let apm = &run.result("sandbox-apm-flow")["measurements"]["apm"][0];
    assert_eq!(apm["requestChecksum"], "A (minor units)", "{apm}");
    let log = state.lock().unwrap().log.clone();
    assert_eq!(log.iter().filter(|(_, p, _, _)| p == "/api/v1/auth").count(), 1);
    assert!(log.iter().all(|(_, p, _, secret)| !secret || p == "/api/v1/auth"), "secret only in auth");
    assert!(log.iter().any(|(m, p, _, _)| m == "GET" && p.starts_with("/acs/")), "challenge page followed");
    assert!(log.iter().any(|(m, p, _, _)| m == "POST" && p == "/api/v1/payments/refund"), "legacy refund path");
}
