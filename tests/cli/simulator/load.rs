//! Load: N concurrent payment flows (approve, decline, 3DS through the challenge form), each with
//! an identical retry of its request, a status check and callbacks. Nothing may be lost and nothing
//! charged twice. Prints throughput and latency percentiles (`--nocapture` shows them):
//!
//! ```sh
//! cargo test --test cli simulator::load -- --nocapture                 # 200 flows
//! cargo test --release --test cli simulator::load -- --ignored --nocapture   # + 2000 flows
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use golive::simulator::Kind;
use serde_json::Value;

use super::{Api, Receiver, card_payment, fast, start, submit_page};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_flows_lose_no_callback_and_never_charge_twice() {
    run(200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "heavier load run; see the module docs for the command"]
async fn two_thousand_concurrent_flows() {
    run(2000).await;
}

#[allow(clippy::print_stderr)] // the measured numbers are this test's report
async fn run(n: usize) {
    let sim = start(fast()).await;
    let api = Arc::new(Api::for_sim(&sim).await);
    let rx = Receiver::start().await;
    let cb = rx.url("/cb");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (api, cb) = (api.clone(), cb.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (card, expect) = match i % 4 {
                0 => ("4000000000003220", "SUCCEED"),
                1 => ("4000000000000002", "FAILED"),
                _ => ("4111111111111111", "SUCCEED"),
            };
            let req = card_payment(&format!("load-{i}"), card, "12.34", "EUR", &cb);
            let t = Instant::now();
            let (s, first) = api.post("/v1/payments/card", &req).await;
            latencies.push(t.elapsed());
            assert_eq!(s, 200, "{first}");
            let t = Instant::now();
            let (_, retry) = api.post("/v1/payments/card", &req).await;
            latencies.push(t.elapsed());
            assert_eq!(retry, first, "an identical retry gets the same answer");
            let id = first["transactionId"].as_str().unwrap().to_string();
            if let Some(url) = first["challengeUrl"].as_str() {
                let t = Instant::now();
                let (code, _) = submit_page(&api.http, url, Some("pass")).await;
                latencies.push(t.elapsed());
                assert_eq!(code, 302);
            }
            let t = Instant::now();
            let (_, status) = api.get(&format!("/v1/payments/card/status/{id}")).await;
            latencies.push(t.elapsed());
            assert_eq!(status["transactionStatus"], expect);
            (id, expect, latencies)
        }));
    }
    let mut expected = HashMap::new();
    let mut latencies = Vec::new();
    for t in tasks {
        let (id, expect, l) = t.await.unwrap();
        expected.insert(id, expect);
        latencies.extend(l);
    }
    let api_done = started.elapsed();
    let got = rx
        .wait_until("every final callback", |g| {
            expected.iter().all(|(id, st)| g.iter().any(|r| r.tx() == id.as_str() && r.status() == *st))
        })
        .await;
    let all_done = started.elapsed();
    assert!(sim.wait_idle(Duration::from_secs(30)).await);

    // Exactly one final callback per transaction, and one transaction per requestId.
    let received = rx.all();
    let mut finals: HashMap<&str, usize> = HashMap::new();
    for r in &received {
        if r.status() != "CUSTOMER_VERIFICATION" {
            *finals.entry(r.body["transactionId"].as_str().unwrap()).or_default() += 1;
        }
    }
    assert_eq!(finals.len(), n);
    assert!(finals.values().all(|c| *c == 1), "a duplicate final callback");
    let txs = sim.transactions();
    assert_eq!(txs.iter().filter(|t| t.kind == Kind::CardPayment).count(), n, "no double charge");
    let mut rids: Vec<&str> = txs.iter().map(|t| t.request_id.as_str()).collect();
    rids.sort_unstable();
    rids.dedup();
    assert_eq!(rids.len(), n);
    assert!(got.iter().all(|r| r.body != Value::Null));

    latencies.sort_unstable();
    let pct = |permille: usize| latencies[(latencies.len() * permille).div_ceil(1000).saturating_sub(1)];
    eprintln!(
        "load: {n} concurrent flows, {} API/page requests + {} callbacks; all answered in {:.0} ms, \
         last final callback at {:.0} ms; {:.0} flows/s, {:.0} requests/s; request latency p50 {:.1} ms, \
         p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        rx.all().len(),
        api_done.as_secs_f64() * 1000.0,
        all_done.as_secs_f64() * 1000.0,
        n as f64 / all_done.as_secs_f64(),
        latencies.len() as f64 / api_done.as_secs_f64(),
        pct(500).as_secs_f64() * 1000.0,
        pct(990).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
    );
    sim.shutdown().await;
}
