//! `golive simulate` as a merchant runs it: the binary on a free port, and a client written from
//! the documented contract (API.md) doing auth → card approve/decline/3DS via the challenge form →
//! status/info → refund → payout → APM → other currencies → idempotent retry, verifying every
//! callback's checksum, within the default 40 requests/minute.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Api, Receiver, apm_payment, card_payment, client, submit_page, verify_callback};

/// The spawned binary; killed on drop so a failing test leaves no process behind.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `golive simulate` with `env` and reads its banner: (server, base URL, key, secret word).
fn spawn_with(args: &[&str], env: &[(&str, &str)]) -> (Server, String, String, String) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("golive"));
    cmd.args(["simulate", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("EXIROM_MERCHANT_KEY")
        .env_remove("EXIROM_MERCHANT_SECRET")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server { child };
    // Read the banner on a thread so a silent binary fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut base, mut key, mut secret) = (String::new(), String::new(), String::new());
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["base", "URL", url, ..] => base = (*url).to_string(),
            ["merchantKey", k, ..] => key = (*k).to_string(),
            ["merchantSecret", rest @ ..] => secret = rest.join(" "),
            ["Press", ..] => break,
            _ => {}
        }
    }
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/api"), "banner base URL: {base}");
    (server, base, key, secret)
}

/// Starts `golive simulate` with generated credentials and a log file.
fn spawn(log: &std::path::Path) -> (Server, String, String, String) {
    let (server, base, key, secret) = spawn_with(&["--time-scale", "0.001", "--log", log.to_str().unwrap()], &[]);
    let secret = secret.split_whitespace().next().unwrap().to_string();
    assert!(!key.is_empty() && secret.starts_with("golive-sim-secret-"), "generated credentials are printed");
    (server, base, key, secret)
}

#[test]
fn credentials_from_the_environment_are_honoured_and_the_secret_is_not_printed() {
    let (_server, base, key, secret_line) = spawn_with(
        &[],
        &[("EXIROM_MERCHANT_KEY", "GOLIVEFAKE-env-key"), ("EXIROM_MERCHANT_SECRET", "GOLIVEFAKE-env-secret")],
    );
    assert_eq!(key, "GOLIVEFAKE-env-key");
    assert!(!secret_line.contains("GOLIVEFAKE-env-secret"), "{secret_line}");
    assert!(secret_line.contains("EXIROM_MERCHANT_SECRET"), "{secret_line}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let api = Api::login(&base, "GOLIVEFAKE-env-key", "GOLIVEFAKE-env-secret").await;
        assert_eq!(api.get("/v1/payments/card/status/1").await.0, 404);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contract_client_completes_every_flow_against_golive_simulate() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("simulate.jsonl");
    let (mut server, base, key, secret) = spawn(&log);
    let api = Api::login(&base, &key, &secret).await;
    let rx = Receiver::start().await;
    let cb = rx.url("/exirom/callback");
    let verified = |r: &super::Received| verify_callback(&secret, "d", r).unwrap_or_else(|e| panic!("{e}: {}", r.raw));

    // Card approve.
    let approve = card_payment("c-approve", "4111111111111111", "10.00", "EUR", &cb);
    let (s, ok) = api.post("/v1/payments/card", &approve).await;
    assert_eq!((s, ok["transactionStatus"].as_str()), (200, Some("SUCCEED")), "{ok}");
    let ok_id = ok["transactionId"].as_str().unwrap().to_string();
    verified(&rx.wait_for(&ok_id, "SUCCEED").await);

    // Card decline: HTTP 200, FAILED, integer declineCode.
    let (s, no) =
        api.post("/v1/payments/card", &card_payment("c-decline", "4000000000000002", "10.00", "EUR", &cb)).await;
    assert_eq!((s, no["transactionStatus"].as_str()), (200, Some("FAILED")));
    assert!(no["declineCode"].is_u64());
    let no_id = no["transactionId"].as_str().unwrap();
    assert_eq!(verified(&rx.wait_for(no_id, "FAILED").await).split('|').next(), Some("M-1001"));

    // 3-D Secure: follow challengeUrl, submit the form with its pre-filled values, land on the
    // success redirect; the final status arrives by callback and status/info agree.
    let (s, three) =
        api.post("/v1/payments/card", &card_payment("c-3ds", "4000000000003220", "42.00", "EUR", &cb)).await;
    assert_eq!((s, three["transactionStatus"].as_str()), (200, Some("CUSTOMER_VERIFICATION")));
    let three_id = three["transactionId"].as_str().unwrap().to_string();
    let (code, location) = submit_page(&client(), three["challengeUrl"].as_str().unwrap(), None).await;
    assert_eq!((code, location.as_str()), (302, "https://shop.example/pay/ok"));
    verified(&rx.wait_for(&three_id, "SUCCEED").await);
    let (_, status) = api.get(&format!("/v1/payments/card/status/{three_id}")).await;
    let status = status.as_str().map_or_else(|| status["transactionStatus"].clone(), |s| json!(s));
    let (_, info) = api.get(&format!("/v1/payments/card/info/{three_id}")).await;
    assert_eq!((status, info["transactionStatus"].clone()), (json!("SUCCEED"), json!("SUCCEED")));
    assert_eq!(info["orderAmount"], json!(42.0));

    // Full refund of the approved payment.
    let refund = json!({"requestId": "r-1", "mid": "M-1001", "transactionId": ok_id.parse::<u64>().unwrap(),
                        "amount": "10.00", "reason": "customer_request", "callbackUrl": cb});
    let (s, r) = api.post("/v1/refunds/card", &refund).await;
    assert_eq!(s, 200, "{r}");
    verified(&rx.wait_for(&ok_id, "REFUNDED").await);
    let refund_cb = rx
        .wait_until("refund SUCCEED", |g| {
            g.iter().any(|x| x.body["refundId"] == r["refundId"] && x.status() == "SUCCEED")
        })
        .await;
    refund_cb.iter().filter(|x| x.body.get("refundId").is_some()).for_each(|x| {
        verified(x);
    });

    // Card payout.
    let payout = json!({"requestId": "p-1", "mid": "M-1001", "amount": "15.00", "currency": "EUR", "callbackUrl": cb,
                        "card": {"number": "5500000000000004", "expMonth": "08", "expYear": "2031", "cardHolderName": "Ada"}});
    let (s, p) = api.post("/v1/payouts/card", &payout).await;
    assert_eq!((s, p["transactionStatus"].as_str()), (200, Some("PROCESSING")));
    verified(&rx.wait_for(p["transactionId"].as_str().unwrap(), "SUCCEED").await);

    // APM with a request checksum and the redirect flow.
    let (s, a) = api.post("/v1/payments/apm", &apm_payment(&secret, "a-1", "UPI_QR", "250.00", "INR", &cb)).await;
    assert_eq!(s, 200, "{a}");
    let a_id = a["transactionId"].as_str().unwrap().to_string();
    let (code, _) = submit_page(&client(), a["apmResponseData"]["redirectUrl"].as_str().unwrap(), None).await;
    assert_eq!(code, 302);
    let a_cb = rx.wait_for(&a_id, "SUCCEED").await;
    assert_eq!(a_cb.query, "paymentMethod=apm&apmType=UPI_QR");
    verified(&a_cb);

    // Other currencies, each with a verified callback.
    for (cur, amount, text) in
        [("USD", "19.99", "19.99"), ("GBP", "5.5", "5.5"), ("JPY", "1500", "1500.0"), ("BRL", "7.10", "7.1")]
    {
        let (s, pay) = api
            .post("/v1/payments/card", &card_payment(&format!("c-{cur}"), "4111111111111111", amount, cur, &cb))
            .await;
        assert_eq!((s, pay["transactionStatus"].as_str()), (200, Some("SUCCEED")), "{cur}: {pay}");
        let got = rx.wait_for(pay["transactionId"].as_str().unwrap(), "SUCCEED").await;
        assert_eq!(verified(&got), format!("M-1001|{text}|{cur}|{}", pay["transactionId"].as_str().unwrap()));
    }

    // Idempotent retry: the same request returns the same transaction, and nothing new is charged.
    let transactions = || async {
        let all: Vec<Value> =
            client().get(base.replace("/api", "/_simulator/transactions")).send().await.unwrap().json().await.unwrap();
        all
    };
    let before = transactions().await.len();
    let (s, again) = api.post("/v1/payments/card", &approve).await;
    assert_eq!((s, again["transactionId"].as_str()), (200, Some(ok_id.as_str())));
    assert_eq!(transactions().await.len(), before);
    let charges = transactions().await.iter().filter(|t| t["requestId"] == "c-approve").count();
    assert_eq!(charges, 1);

    // The log: one auth, the secret only ever in the auth call, and every callback attempt.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&secret));
    let entries: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let requests: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "request").collect();
    assert_eq!(requests.iter().filter(|e| e["path"] == "/api/v1/auth").count(), 1);
    assert!(requests.iter().all(|e| e["secretSeen"] == json!(e["path"] == "/api/v1/auth")));
    assert!(requests.iter().any(|e| e["path"].as_str().unwrap().starts_with("/sim/3ds/") && e["method"] == "POST"));
    let accepted = entries.iter().filter(|e| e["kind"] == "callback" && e["httpStatus"] == 200).count();
    assert_eq!(accepted, rx.all().len());

    // SIGTERM stops it gracefully (exit 0).
    #[cfg(unix)]
    {
        let pid = server.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(Instant::now() < until, "golive simulate did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    crate::common::golive().args(["simulate", "--checksum-variant", "z"]).assert().code(2);
    crate::common::golive().args(["simulate", "--time-scale", "-1"]).assert().code(2);
    crate::common::golive()
        .args(["simulate", "--listen", "127.0.0.1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--listen"));
}
