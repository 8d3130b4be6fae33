//! Callbacks as a merchant's endpoint sees them: documented query parameters, `X-Checksum` that
//! verifies for each checksum variant over the literal body text, retries after failures on the
//! documented schedule (scaled), and the chaos switches (duplicate, out-of-order, delay, drop).

use std::time::{Duration, Instant};

use golive::simulator::{Chaos, ChecksumVariant, LogEntry, SimConfig};
use serde_json::json;

use super::{Api, Receiver, apm_payment, card_payment, fast, literal, start, submit_page, verify_callback};

#[tokio::test(flavor = "multi_thread")]
async fn every_callback_verifies_for_every_checksum_variant() {
    for variant in ["a", "b", "c", "d"] {
        let sim = start(SimConfig { checksum_variant: variant.parse::<ChecksumVariant>().unwrap(), ..fast() }).await;
        let api = Api::for_sim(&sim).await;
        let secret = sim.credentials().secret.expose().clone();
        let rx = Receiver::start().await;
        // A callback URL that already has a query string gets `&paymentMethod=…`.
        let cb = rx.url("/hooks/exirom?shop=7");

        let (_, card) =
            api.post("/v1/payments/card", &card_payment("v-card", "4111111111111111", "10.50", "EUR", &cb)).await;
        let card_id = card["transactionId"].as_str().unwrap().to_string();
        let (_, jpy) =
            api.post("/v1/payments/card", &card_payment("v-jpy", "5500000000000004", "500", "JPY", &cb)).await;
        let (_, apm) =
            api.post("/v1/payments/apm", &apm_payment(&secret, "v-apm", "UPI_QR", "200.00", "INR", &cb)).await;
        submit_page(&api.http, apm["apmResponseData"]["redirectUrl"].as_str().unwrap(), None).await;
        let refund = json!({"requestId": "v-ref", "mid": "M-1001", "transactionId": card_id, "amount": "0.50",
                            "reason": "customer_request", "callbackUrl": cb});
        assert_eq!(api.post("/v1/refunds/card", &refund).await.0, 200);
        let payout = json!({"requestId": "v-po", "mid": "M-1001", "amount": "7.25", "currency": "GBP", "callbackUrl": cb,
                            "card": {"number": "4111111111111111", "expMonth": "08", "expYear": "2031"}});
        assert_eq!(api.post("/v1/payouts/card", &payout).await.0, 200);
        assert!(sim.wait_idle(Duration::from_secs(10)).await);

        let got = rx.all();
        // card SUCCEED ×2, APM CUSTOMER_VERIFICATION + SUCCEED, refund PROCESSING + SUCCEED, payout PROCESSING + SUCCEED
        assert_eq!(got.len(), 8, "{variant}: {got:#?}");
        for r in &got {
            verify_callback(&secret, variant, r).unwrap_or_else(|e| panic!("variant {variant}: {e}\n{}", r.raw));
            assert!(r.query.starts_with("shop=7&paymentMethod="), "{}", r.query);
        }
        let card_cb = got.iter().find(|r| r.tx() == card_id).unwrap();
        assert_eq!(card_cb.query, "shop=7&paymentMethod=card");
        assert_eq!(literal(&card_cb.raw, "orderAmount"), "10.5", "the signed text is the JSON number text");
        let msg = verify_callback(&secret, variant, card_cb).unwrap();
        let expected =
            if variant == "a" { format!("M-1001|1050|EUR|{card_id}") } else { format!("M-1001|10.5|EUR|{card_id}") };
        assert_eq!(msg, expected);
        let jpy_cb = got.iter().find(|r| r.tx() == jpy["transactionId"].as_str().unwrap()).unwrap();
        assert_eq!(literal(&jpy_cb.raw, "orderAmount"), "500.0");
        let apm_cbs: Vec<_> = got.iter().filter(|r| r.tx() == apm["transactionId"].as_str().unwrap()).collect();
        assert_eq!(apm_cbs.len(), 2);
        assert!(apm_cbs.iter().all(|r| r.query == "shop=7&paymentMethod=apm&apmType=UPI_QR"));
        assert_eq!(apm_cbs[0].status(), "CUSTOMER_VERIFICATION");
        assert_eq!(apm_cbs[1].status(), "SUCCEED");
        assert_eq!(apm_cbs[1].body.get("amount").is_some(), variant == "d", "variant d adds amount/currency");
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_receiver_gets_the_documented_retries() {
    // time_scale 0.001: retries after 120, 240, 480 ms.
    let sim = start(SimConfig { time_scale: 0.001, ..SimConfig::default() }).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::failing_first(3).await;
    let started = Instant::now();
    let (_, paid) = api
        .post("/v1/payments/card", &card_payment("retry-1", "4111111111111111", "10.00", "EUR", &rx.url("/cb")))
        .await;
    let id = paid["transactionId"].as_str().unwrap().to_string();
    let got = rx.wait_until("4 attempts", |g| g.len() == 4).await;
    let took = started.elapsed();
    assert_eq!(got.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 500, 200]);
    assert!(got.iter().all(|r| r.raw == got[0].raw && r.checksum == got[0].checksum), "the same callback each time");
    assert!(took >= Duration::from_millis(120 + 240 + 480), "retries wait 2, 4, 8 min × scale: took {took:?}");
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    assert_eq!(rx.all().len(), 4, "no attempt after a 200");
    let attempts: Vec<(u32, Option<u16>)> = sim
        .request_log()
        .into_iter()
        .filter_map(|e| match e {
            LogEntry::Callback(c) if c.transaction_id == id => Some((c.attempt, c.http_status)),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [(1, Some(500)), (2, Some(500)), (3, Some(500)), (4, Some(200))]);
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_stop_after_five_and_intermediate_statuses_are_not_retried() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::failing_first(1000).await;
    let (_, paid) = api
        .post("/v1/payments/card", &card_payment("dead-1", "4111111111111111", "10.00", "EUR", &rx.url("/cb")))
        .await;
    let (_, three) = api
        .post("/v1/payments/card", &card_payment("dead-2", "4000000000003220", "10.00", "EUR", &rx.url("/cb")))
        .await;
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    let got = rx.all();
    let count = |tx: &serde_json::Value| got.iter().filter(|r| r.tx() == tx.as_str().unwrap()).count();
    assert_eq!(count(&paid["transactionId"]), 6, "1 attempt + 5 retries, then dropped");
    assert_eq!(count(&three["transactionId"]), 1, "CUSTOMER_VERIFICATION is sent once, not retried");

    // A timeout counts as a failure too.
    let sim = start(SimConfig { callback_timeout: Duration::from_millis(100), ..fast() }).await;
    let api = Api::for_sim(&sim).await;
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", hang.local_addr().unwrap());
    let (_, paid) =
        api.post("/v1/payments/card", &card_payment("slow-1", "4111111111111111", "1.00", "EUR", &url)).await;
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    let errors: Vec<Option<String>> = sim
        .request_log()
        .into_iter()
        .filter_map(|e| match e {
            LogEntry::Callback(c) if Some(c.transaction_id.as_str()) == paid["transactionId"].as_str() => Some(c.error),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![Some("timeout".to_string()); 6]);
    drop(hang);
}

#[tokio::test(flavor = "multi_thread")]
async fn chaos_duplicates_and_stale_out_of_order_callbacks() {
    let chaos = Chaos { duplicate: true, out_of_order: true, ..Chaos::default() };
    let sim = start(SimConfig { chaos, ..fast() }).await;
    let api = Api::for_sim(&sim).await;
    let secret = sim.credentials().secret.expose().clone();
    let rx = Receiver::start().await;
    let (_, paid) = api
        .post("/v1/payments/card", &card_payment("chaos-1", "4111111111111111", "10.00", "EUR", &rx.url("/cb")))
        .await;
    let id = paid["transactionId"].as_str().unwrap();
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    let got = rx.all();
    let statuses: Vec<&str> = got.iter().map(super::Received::status).collect();
    assert_eq!(statuses, ["SUCCEED", "SUCCEED", "PENDING"], "duplicate, then a stale PENDING after the final status");
    assert_eq!(got[0].raw, got[1].raw);
    for r in &got {
        assert_eq!(r.tx(), id);
        verify_callback(&secret, "d", r).unwrap();
    }
    let chaos_log: Vec<Option<String>> = sim
        .request_log()
        .into_iter()
        .filter_map(|e| match e {
            LogEntry::Callback(c) => Some(c.chaos),
            LogEntry::Request(_) => None,
        })
        .collect();
    assert_eq!(chaos_log, [None, Some("duplicate".into()), Some("out_of_order".into())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn chaos_delay_and_drop() {
    let sim = start(SimConfig { chaos: Chaos { delay_ms: 300, ..Chaos::default() }, ..fast() }).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let started = Instant::now();
    let (_, paid) = api
        .post("/v1/payments/card", &card_payment("delay-1", "4111111111111111", "1.00", "EUR", &rx.url("/cb")))
        .await;
    rx.wait_for(paid["transactionId"].as_str().unwrap(), "SUCCEED").await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Switched at run time: callbacks are dropped, the status endpoint still answers.
    sim.set_chaos(Chaos { drop: true, ..Chaos::default() });
    let (_, paid) =
        api.post("/v1/payments/card", &card_payment("drop-1", "4111111111111111", "1.00", "EUR", &rx.url("/cb"))).await;
    let id = paid["transactionId"].as_str().unwrap();
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    assert!(rx.all().iter().all(|r| r.tx() != id));
    assert_eq!(api.get(&format!("/v1/payments/card/status/{id}")).await.1["transactionStatus"], "SUCCEED");
    let dropped = sim
        .request_log()
        .into_iter()
        .any(|e| matches!(e, LogEntry::Callback(c) if c.chaos.as_deref() == Some("dropped")));
    assert!(dropped);
}
