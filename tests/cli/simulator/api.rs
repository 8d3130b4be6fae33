//! Every API endpoint of the simulator over loopback HTTP: auth and 401, card outcomes, 3DS through
//! the challenge page, status/info, tokenize/charge, refunds and their refusals, payouts, APM
//! payments with request checksums, idempotency, validation errors, paths, 429 and the log.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use golive::secret::{Credentials, Secret};
use golive::simulator::{AuthResponse, Kind, LogEntry, SimConfig, Status};
use serde_json::{Value, json};

use super::{Api, Receiver, apm_payment, card_payment, client, fast, hmac_b64, start, submit_page};

const APPROVE: &str = "4111111111111111";
const APPROVE_MC: &str = "5500000000000004";
const THREE_DS: &str = "4000000000003220";
const DECLINE: &str = "4000000000000002";

fn assert_trace(body: &Value) {
    let t = body["traceId"].as_str().unwrap_or_default();
    assert_eq!(t.len(), 32, "error body without traceId: {body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_issues_a_30_day_jwt_and_refuses_wrong_credentials() {
    let sim = start(fast()).await;
    let http = client();
    let url = format!("{}/v1/auth", sim.base_url());
    let (key, secret) = (sim.credentials().key.expose().clone(), sim.credentials().secret.expose().clone());

    let r = http.post(&url).json(&json!({"merchantKey": key, "merchantSecret": secret})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["merchantKey"], json!(key));
    let token = body["token"].as_str().unwrap();
    let claims = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().cast_signed();
    let days = (claims["exp"].as_i64().unwrap() - now) as f64 / 86_400.0;
    assert!((29.9..=30.0).contains(&days), "exp is {days} days ahead");
    assert!(!token.contains(&secret));

    // The `apiKey` spelling of the Status Quick Start is accepted for the key.
    let r = http.post(&url).json(&json!({"apiKey": key, "merchantSecret": secret})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let r = http.post(&url).json(&json!({"merchantKey": key, "merchantSecret": "wrong"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_trace(&body);
    assert!(body["message"].as_str().unwrap().contains("invalid merchantKey or merchantSecret"));

    let r = http.post(&url).json(&json!({"merchantKey": key})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "merchantSecret");
    assert_trace(&body);

    let r = http.post(&url).body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_trace(&r.json().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_can_answer_a_bare_string_with_fixed_credentials() {
    let creds =
        Credentials { key: Secret::new("GOLIVEFAKE-key".into()), secret: Secret::new("GOLIVEFAKE-secret".into()) };
    let sim = start(SimConfig { credentials: creds, auth_response: AuthResponse::BareString, ..fast() }).await;
    let r = client()
        .post(format!("{}/v1/auth", sim.base_url()))
        .json(&json!({"merchantKey": "GOLIVEFAKE-key", "merchantSecret": "GOLIVEFAKE-secret"}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(body.as_str().unwrap().starts_with("eyJ"), "{body}");
    // The helper copes with both documented shapes.
    let api = Api::for_sim(&sim).await;
    assert_eq!(api.get("/v1/payments/card/status/1").await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_bad_and_expired_tokens_get_401_with_a_trace_id() {
    let sim = start(fast()).await;
    let http = client();
    let url = format!("{}/v1/payments/card/status/1", sim.base_url());

    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let trace_header = r.headers().get("x-trace-id").unwrap().to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["traceId"], json!(trace_header));

    let r = http.get(&url).bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.c2ln").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_trace(&r.json().await.unwrap());

    let api = Api::for_sim(&sim).await;
    assert_eq!(api.get("/v1/payments/card/status/1").await.0, 404, "a valid token passes");
    let r = http.post(format!("{}/_simulator/expire-tokens", sim.root_url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = api.get("/v1/payments/card/status/1").await;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("expired"));
    let again = Api::for_sim(&sim).await;
    assert_eq!(again.get("/v1/payments/card/status/1").await.0, 404, "a new token works");
    sim.expire_tokens();
    assert_eq!(again.get("/v1/payments/card/status/1").await.0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn test_cards_approve_and_decline_and_status_info_agree() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let cb = rx.url("/cb");

    for (i, card) in [APPROVE, APPROVE_MC].into_iter().enumerate() {
        let (s, body) =
            api.post("/v1/payments/card", &card_payment(&format!("ok-{i}"), card, "10.00", "EUR", &cb)).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["transactionStatus"], "SUCCEED");
        assert_eq!(body["declineCode"], Value::Null);
        let id = body["transactionId"].as_str().unwrap();
        assert!(id.len() >= 15 && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
        let (s, status) = api.get(&format!("/v1/payments/card/status/{id}")).await;
        assert_eq!((s, &status["transactionStatus"]), (200, &json!("SUCCEED")));
        assert_eq!(status["transactionId"], json!(id));
    }

    let (s, body) = api.post("/v1/payments/card", &card_payment("no-1", DECLINE, "10.00", "EUR", &cb)).await;
    assert_eq!(s, 200, "a decline is HTTP 200");
    assert_eq!(body["transactionStatus"], "FAILED");
    assert_eq!(body["declineCode"], 5);
    let id = body["transactionId"].as_str().unwrap().to_string();
    let (_, status) = api.get(&format!("/v1/payments/card/status/{id}")).await;
    assert_eq!(status, json!({"transactionId": id, "transactionStatus": "FAILED", "declineCode": 5}));
    let (_, info) = api.get(&format!("/v1/payments/card/info/{id}")).await;
    for field in [
        "transactionId",
        "requestId",
        "mid",
        "transactionStatus",
        "declineCode",
        "cardMask",
        "cardHolder",
        "orderCurrency",
        "processedCurrency",
        "orderAmount",
        "processedAmount",
        "conversionRate",
        "callbackUrl",
        "billingDetails",
        "order",
        "createdAt",
    ] {
        assert!(info.get(field).is_some(), "info lacks {field}: {info}");
    }
    assert_eq!(info["cardMask"], "400000******0002");
    assert_eq!(info["orderAmount"], json!(10.0));
    assert_eq!(info["declineCode"], 5);
    assert_eq!(
        info["billingDetails"],
        json!({"firstName": "Ada", "lastName": "Lovelace", "country": "IE", "email": "ada@example.com"})
    );
    assert!(!info.to_string().contains("4000000000000002"), "never the full PAN");
    let cb_body = rx.wait_for(&id, "FAILED").await;
    assert_eq!(cb_body.body, info, "the callback body is the info body");

    // Any other Luhn-valid card is declined by the issuer (code 2).
    let (_, body) = api.post("/v1/payments/card", &card_payment("no-2", "4242424242424242", "1.00", "USD", &cb)).await;
    assert_eq!((body["transactionStatus"].as_str(), body["declineCode"].as_u64()), (Some("FAILED"), Some(2)));

    let (s, body) = api.get("/v1/payments/card/status/123").await;
    assert_eq!(s, 404);
    assert_trace(&body);
    assert_eq!(sim.transactions().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn three_ds_passes_and_fails_through_the_challenge_form() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;

    for (n, button, expect, location, code) in [
        (1, None, "SUCCEED", "https://shop.example/pay/ok", Value::Null),
        (2, Some("pass"), "SUCCEED", "https://shop.example/pay/ok", Value::Null),
        (3, Some("fail"), "FAILED", "https://shop.example/pay/failed", json!(3)),
    ] {
        let (s, body) = api
            .post("/v1/payments/card", &card_payment(&format!("3ds-{n}"), THREE_DS, "25.50", "EUR", &rx.url("/cb")))
            .await;
        assert_eq!(s, 200);
        assert_eq!(body["transactionStatus"], "CUSTOMER_VERIFICATION");
        let id = body["transactionId"].as_str().unwrap().to_string();
        let url = body["challengeUrl"].as_str().unwrap().to_string();
        assert!(body["challengeUrlIframe"].as_str().unwrap().starts_with(&url));
        assert_eq!(
            api.get(&format!("/v1/payments/card/status/{id}")).await.1["transactionStatus"],
            "CUSTOMER_VERIFICATION"
        );

        let (status, loc) = submit_page(&api.http, &url, button).await;
        assert_eq!((status, loc.as_str()), (302, location), "challenge {n}");
        let (_, st) = api.get(&format!("/v1/payments/card/status/{id}")).await;
        assert_eq!(st["transactionStatus"], expect);
        assert_eq!(st.get("declineCode").cloned().unwrap_or(Value::Null), code);
        let cv = rx.wait_for(&id, "CUSTOMER_VERIFICATION").await;
        let fin = rx.wait_for(&id, expect).await;
        let got = rx.all();
        let pos = |r: &super::Received| got.iter().position(|g| g.raw == r.raw).unwrap();
        assert!(pos(&cv) < pos(&fin), "callbacks arrive in status order");

        // The page now only reports the result, and a resubmission changes nothing.
        let page = api.http.get(&url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("already") && !page.contains("<form"), "{page}");
        let (status, _) = submit_page_raw(&api.http, &url).await;
        assert_eq!(status, 302);
        assert_eq!(sim.transaction(&id).unwrap().status_history.len(), 2);
    }

    // A wrong OTP with no button fails.
    let (_, body) =
        api.post("/v1/payments/card", &card_payment("3ds-otp", THREE_DS, "5.00", "EUR", &rx.url("/cb"))).await;
    let url = body["challengeUrl"].as_str().unwrap();
    let r = api.http.post(url).form(&[("otp", "000000")]).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(sim.transaction(body["transactionId"].as_str().unwrap()).unwrap().status, Status::Failed);

    let r = api.http.get(format!("{}/sim/3ds/nope", sim.root_url())).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

async fn submit_page_raw(http: &reqwest::Client, url: &str) -> (u16, String) {
    let r = http.post(url).form(&[("result", "fail")]).send().await.unwrap();
    (r.status().as_u16(), r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_requests_get_every_field_error_and_a_trace_id() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let mut bad = card_payment("bad-1", "4111111111111112", "10.00", "EUR", "not a url");
    bad["amount"] = json!(10.0);
    bad["card"]["expMonth"] = json!("8");
    bad.as_object_mut().unwrap().remove("device");
    let (s, body) = api.post("/v1/payments/card", &bad).await;
    assert_eq!(s, 400);
    assert_trace(&body);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["amount", "card.number", "card.expMonth", "callbackUrl", "device"], "{body}");

    let mut euro = card_payment("bad-2", APPROVE, "10.00", "euro", "https://x.example/cb");
    let (s, body) = api.post("/v1/payments/card", &euro).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (400, Some("currency")));
    euro["currency"] = json!("XTS");
    let (s, body) = api.post("/v1/payments/card", &euro).await;
    assert_eq!(s, 422, "unsupported currency is a business rule (API.md §14)");
    assert_trace(&body);

    let r = api
        .http
        .post(format!("{}/v1/payments/card", api.base))
        .bearer_auth(&api.token)
        .body("[1]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(sim.transactions().len(), 0, "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn tokenize_then_charge_the_token() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let tokenize = |rid: &str, card: &str| {
        json!({"requestId": rid, "merchantId": 1001,
               "card": {"number": card, "expMonth": "08", "expYear": "2031", "cvv": "123", "cardHolderName": "Ada"},
               "billingDetails": {"firstName": "Ada", "lastName": "Lovelace", "country": "IE", "email": "ada@example.com"}})
    };
    let (s, tok) = api.post("/v1/payments/card/tokenize", &tokenize("tok-1", APPROVE_MC)).await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["cardMask"], "550000******0004");
    assert_eq!(tok["cardBrand"], "MASTERCARD");
    let token = tok["token"].as_str().unwrap();
    assert_eq!(tok["cardToken"], json!(token));

    let charge = |rid: &str, token: &str| {
        json!({"requestId": rid, "mid": "M-1001", "cardToken": token, "amount": "12.00", "currency": "GBP",
               "callbackUrl": rx.url("/cb"), "order": {"orderId": rid}})
    };
    let (s, paid) = api.post("/v1/payments/card/charge", &charge("ch-1", token)).await;
    assert_eq!((s, paid["transactionStatus"].as_str()), (200, Some("SUCCEED")), "{paid}");
    let id = paid["transactionId"].as_str().unwrap();
    let cb = rx.wait_for(id, "SUCCEED").await;
    assert_eq!(cb.body["billingDetails"]["firstName"], "Ada", "billing comes from the token");

    let (_, tok3) = api.post("/v1/payments/card/tokenize", &tokenize("tok-2", THREE_DS)).await;
    let mut legacy = charge("ch-2", "");
    legacy.as_object_mut().unwrap().remove("cardToken");
    legacy["token"] = tok3["token"].clone();
    let (_, paid) = api.post("/v1/payments/card/charge", &legacy).await;
    assert_eq!(paid["transactionStatus"], "CUSTOMER_VERIFICATION", "the legacy `token` field works and 3DS may apply");

    let (s, body) = api.post("/v1/payments/card/charge", &charge("ch-3", "tok_unknown")).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (400, Some("cardToken")));
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_partial_and_full_never_above_the_captured_amount() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let (_, paid) =
        api.post("/v1/payments/card", &card_payment("pay-r", APPROVE, "10.00", "EUR", &rx.url("/cb"))).await;
    let id = paid["transactionId"].as_str().unwrap().to_string();
    let refund = |rid: &str, amount: Option<&str>| {
        let mut r = json!({"requestId": rid, "mid": "M-1001", "transactionId": id.parse::<u64>().unwrap(),
                           "reason": "customer_request", "callbackUrl": rx.url("/refunds")});
        if let Some(a) = amount {
            r["amount"] = json!(a);
        }
        r
    };

    let (s, r1) = api.post("/v1/refunds/card", &refund("ref-1", Some("4.00"))).await;
    assert_eq!(s, 200, "{r1}");
    assert_eq!(r1["transactionStatus"], "PROCESSING");
    assert_eq!(r1["transactionId"], json!(id));
    let refund_id = r1["refundId"].as_str().unwrap().to_string();
    assert_eq!(r1["refundTransactionId"], json!(refund_id));

    let (s, body) = api.post("/v1/refunds/card", &refund("ref-2", Some("6.01"))).await;
    assert_eq!(s, 422, "above the remaining 6.00: {body}");
    assert_trace(&body);
    assert!(body["message"].as_str().unwrap().contains("exceeds"));

    // Omitting the amount refunds the rest (Refund Flow page); the legacy path works too.
    let (s, r2) = api.post("/v1/payments/refund", &refund("ref-3", None)).await;
    assert_eq!(s, 200, "{r2}");
    assert_eq!(r2["amount"], json!(6.0));
    let full = rx.wait_for(&id, "REFUNDED").await;
    assert_eq!(full.query, "paymentMethod=card");
    let cb = rx
        .wait_until("refund callbacks", |g| {
            g.iter().filter(|r| r.body.get("refundId").is_some() && r.status() == "SUCCEED").count() == 2
        })
        .await;
    assert!(cb.iter().any(|r| r.body["refundId"] == json!(refund_id) && r.body["totalAmount"] == json!(4.0)));

    let (_, st) = api.get(&format!("/v1/refunds/card/status/{refund_id}")).await;
    assert_eq!(st, json!({"refundId": refund_id, "transactionId": id, "transactionStatus": "SUCCEED"}));
    let (_, info) = api.get(&format!("/v1/payments/refund/info/{refund_id}")).await;
    assert_eq!((info["totalAmount"].as_f64(), info["reason"].as_str()), (Some(4.0), Some("customer_request")));
    let (_, pay) = api.get(&format!("/v1/payments/card/status/{id}")).await;
    assert_eq!(pay["transactionStatus"], "REFUNDED");

    let (s, body) = api.post("/v1/refunds/card", &refund("ref-4", Some("1.00"))).await;
    assert_eq!(s, 422, "a refunded payment cannot be refunded again: {body}");

    let (_, failed) =
        api.post("/v1/payments/card", &card_payment("pay-f", DECLINE, "10.00", "EUR", &rx.url("/cb"))).await;
    let mut r = refund("ref-5", Some("1.00"));
    r["transactionId"] = failed["transactionId"].clone();
    let (s, body) = api.post("/v1/refunds/card", &r).await;
    assert_eq!(s, 422, "a FAILED payment cannot be refunded");
    assert!(body["message"].as_str().unwrap().contains("FAILED"));

    r["transactionId"] = json!("999");
    assert_eq!(api.post("/v1/refunds/card", &r).await.0, 404);
    let mut no_reason = refund("ref-6", Some("1.00"));
    no_reason.as_object_mut().unwrap().remove("reason");
    assert_eq!(api.post("/v1/refunds/card", &no_reason).await.1["errors"][0]["field"], "reason");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_refunds_cannot_over_refund() {
    let sim = start(fast()).await;
    let api = std::sync::Arc::new(Api::for_sim(&sim).await);
    let (_, paid) =
        api.post("/v1/payments/card", &card_payment("pay-c", APPROVE, "10.00", "USD", "http://127.0.0.1:9/cb")).await;
    let id = paid["transactionId"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let api = api.clone();
        let body = json!({"requestId": format!("cr-{i}"), "mid": "M-1001", "transactionId": id, "amount": "2.00", "reason": "duplicate"});
        tasks.push(tokio::spawn(async move { api.post("/v1/refunds/card", &body).await.0 }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 422).count(), 7, "{codes:?}");
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    assert_eq!(sim.transaction(&id).unwrap().status, Status::Refunded);
}

#[tokio::test(flavor = "multi_thread")]
async fn card_and_apm_payouts_settle_with_callbacks() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let payout = |rid: &str, card: &str| {
        json!({"requestId": rid, "mid": "M-1001", "amount": "50.00", "currency": "EUR",
               "card": {"number": card, "expMonth": "08", "expYear": "2031", "cardHolderName": "Ada Lovelace"},
               "billingDetails": {"firstName": "Ada", "lastName": "Lovelace"}, "callbackUrl": rx.url("/payouts")})
    };
    let (s, p) = api.post("/v1/payouts/card", &payout("po-1", APPROVE)).await;
    assert_eq!((s, p["transactionStatus"].as_str()), (200, Some("PROCESSING")), "{p}");
    let id = p["transactionId"].as_str().unwrap().to_string();
    let cb = rx.wait_for(&id, "SUCCEED").await;
    assert_eq!((cb.body["totalAmount"].as_f64(), cb.body["cardMask"].as_str()), (Some(50.0), Some("411111******1111")));
    assert_eq!(api.get(&format!("/v1/payouts/card/status/{id}")).await.1["transactionStatus"], "SUCCEED");
    assert_eq!(api.get(&format!("/v1/payouts/card/info/{id}")).await.1["cardHolder"], "Ada Lovelace");

    let (_, p) = api.post("/v1/payouts/card", &payout("po-2", DECLINE)).await;
    let id2 = p["transactionId"].as_str().unwrap().to_string();
    let cb = rx.wait_for(&id2, "FAILED").await;
    assert_eq!(cb.body["declineCode"], 5);

    let secret = sim.credentials().secret.expose().clone();
    let mut apm = apm_payment(&secret, "apo-1", "PAYPAL", "20.00", "EUR", &rx.url("/apm-payouts"));
    apm["apmPayload"]["email"] = json!("ada@example.com");
    let (s, p) = api.post("/v1/payouts/apm", &apm).await;
    assert_eq!((s, p["transactionStatus"].as_str()), (200, Some("PROCESSING")), "{p}");
    let id3 = p["transactionId"].as_str().unwrap().to_string();
    let cb = rx.wait_for(&id3, "SUCCEED").await;
    assert_eq!(cb.query, "paymentMethod=apm&apmType=PAYPAL");
    assert_eq!(
        api.get(&format!("/v1/payouts/apm/status/{id3}")).await.1,
        json!("SUCCEED"),
        "a bare string (API.md §9.2)"
    );
    assert_eq!(api.get(&format!("/v1/payouts/apm/info/{id3}")).await.1["accountId"], json!(1001));

    apm["requestId"] = json!("apo-2");
    assert_eq!(api.post("/v1/payouts/apm", &apm).await.0, 400, "the checksum still names apo-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn apm_payments_verify_the_request_checksum_and_redirect() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let secret = sim.credentials().secret.expose().clone();

    let (s, body) =
        api.post("/v1/payments/apm", &apm_payment(&secret, "apm-1", "PIX", "100.00", "BRL", &rx.url("/apm"))).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["transactionStatus"], "CUSTOMER_VERIFICATION");
    assert_eq!(body["requestId"], "apm-1");
    let data = &body["apmResponseData"];
    assert_eq!((data["actionType"].as_str(), data["paymentMethod"].as_str()), (Some("REDIRECTION"), Some("PIX")));
    let id = body["transactionId"].as_str().unwrap().to_string();
    assert_eq!(api.get(&format!("/v1/payments/apm/status/{id}")).await.1, json!("CUSTOMER_VERIFICATION"));
    let (status, loc) = submit_page(&api.http, data["redirectUrl"].as_str().unwrap(), None).await;
    assert_eq!((status, loc.as_str()), (302, "https://shop.example/apm/ok"));
    let cb = rx.wait_for(&id, "SUCCEED").await;
    assert_eq!(cb.query, "paymentMethod=apm&apmType=PIX");
    assert_eq!((cb.body["apmType"].as_str(), cb.body["accountId"].as_i64()), (Some("PIX"), Some(1001)));
    let (_, info) = api.get(&format!("/v1/payments/apm/info/{id}")).await;
    assert_eq!(info["orderAmount"], json!(100.0));
    assert_eq!(info["apmRequestPayload"]["paymentMethod"], "PIX");

    // QR methods answer with QR data; the customer "scans" by opening the same page; declining fails.
    let (_, qr) =
        api.post("/v1/payments/apm", &apm_payment(&secret, "apm-qr", "UPI_QR", "10.00", "INR", &rx.url("/apm"))).await;
    assert_eq!(qr["apmResponseData"]["actionType"], "QR");
    assert!(qr["apmResponseData"]["qrData"].as_str().unwrap().starts_with("iVBOR"));
    let (status, loc) =
        submit_page(&api.http, qr["apmResponseData"]["qrDeepLink"].as_str().unwrap(), Some("fail")).await;
    assert_eq!((status, loc.as_str()), (302, "https://shop.example/apm/failed"));
    let qr_id = qr["transactionId"].as_str().unwrap();
    let cb = rx.wait_for(qr_id, "FAILED").await;
    assert_eq!(
        (cb.body["declineCode"].as_u64(), cb.body["declineSubReason"].as_str()),
        (Some(11), Some("CUSTOMER_DECLINED"))
    );

    // A wrong checksum is refused with a field error; legacy minor units (variant A) are accepted.
    let mut bad = apm_payment(&secret, "apm-2", "PIX", "100.00", "BRL", &rx.url("/apm"));
    bad["checksum"] = json!(hmac_b64("not-the-secret", "1001|100.00|BRL|apm-2"));
    let (s, body) = api.post("/v1/payments/apm", &bad).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (400, Some("checksum")), "{body}");
    assert_trace(&body);
    bad["checksum"] = json!(hmac_b64(&secret, "1001|10000|BRL|apm-2"));
    assert_eq!(api.post("/v1/payments/apm", &bad).await.0, 200);
    let mut number = apm_payment(&secret, "apm-3", "PIX", "100.00", "BRL", &rx.url("/apm"));
    number["checksum"] = json!(hmac_b64(&secret, "1001|100.0|BRL|apm-3"));
    assert_eq!(api.post("/v1/payments/apm", &number).await.0, 400, "only the amount as sent or minor units");
    let mut missing = apm_payment(&secret, "apm-4", "PIX", "1.00", "BRL", &rx.url("/apm"));
    missing.as_object_mut().unwrap().remove("checksum");
    assert_eq!(api.post("/v1/payments/apm", &missing).await.1["errors"][0]["field"], "checksum");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_request_id_never_charges_twice() {
    let sim = start(fast()).await;
    let api = std::sync::Arc::new(Api::for_sim(&sim).await);
    let rx = Receiver::start().await;
    let req = card_payment("idem-1", APPROVE, "10.00", "EUR", &rx.url("/cb"));
    let (_, first) = api.post("/v1/payments/card", &req).await;
    let (s, second) = api.post("/v1/payments/card", &req).await;
    assert_eq!((s, &second), (200, &first), "same response");

    // Ten concurrent retries of a new request create one transaction.
    let req2 = card_payment("idem-2", THREE_DS, "10.00", "EUR", &rx.url("/cb"));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (api, req2) = (api.clone(), req2.clone());
        tasks.push(tokio::spawn(async move { api.post("/v1/payments/card", &req2).await.1 }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap()["transactionId"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");

    let mut other = req.clone();
    other["amount"] = json!("99.00");
    let (s, body) = api.post("/v1/payments/card", &other).await;
    assert_eq!(s, 409, "a different request under a used requestId: {body}");
    assert_trace(&body);
    let mut other_mid = req.clone();
    other_mid["mid"] = json!("M-2002");
    let (s, body) = api.post("/v1/payments/card", &other_mid).await;
    assert_eq!(s, 200);
    assert_ne!(body["transactionId"], first["transactionId"], "the key is requestId + mid");

    let payments = sim.transactions().into_iter().filter(|t| t.kind == Kind::CardPayment).count();
    assert_eq!(payments, 3);
    assert!(sim.wait_idle(Duration::from_secs(10)).await);
    let approvals =
        rx.all().into_iter().filter(|r| r.body["requestId"] == "idem-1" && r.body["mid"] == "M-1001").count();
    assert_eq!(approvals, 1, "one callback for one charge");
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = start(SimConfig { rate_limit_per_min: 5, ..fast() }).await;
    let api = Api::for_sim(&sim).await; // 1 request
    for _ in 0..4 {
        assert_eq!(api.get("/v1/payments/card/status/1").await.0, 404);
    }
    let r =
        api.http.get(format!("{}/v1/payments/card/status/1", api.base)).bearer_auth(&api.token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let body: Value = r.json().await.unwrap();
    assert_trace(&body);
    assert_eq!(body["error"], "RATE_LIMIT_EXCEEDED");
    let r = api.http.get(format!("{}/_simulator/transactions", sim.root_url())).send().await.unwrap();
    assert_eq!(r.status(), 200, "inspection is not limited");
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_with_and_without_the_api_prefix_and_json_404s() {
    let sim = start(fast()).await;
    let api = Api::for_sim(&sim).await;
    let root = sim.root_url();
    let req = card_payment("path-1", APPROVE, "1.00", "EUR", "https://shop.example/cb");
    for base in [format!("{root}/api"), root.clone(), format!("{root}/api/api")] {
        let r =
            api.http.post(format!("{base}/v1/payments/card")).bearer_auth(&api.token).json(&req).send().await.unwrap();
        assert_eq!(r.status(), 200, "{base}");
    }
    let r = api.http.get(format!("{root}/api/v2/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_trace(&r.json().await.unwrap());
    let r = api.http.delete(format!("{root}/api/v1/payments/card")).bearer_auth(&api.token).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_trace(&r.json().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn pinned_mid_gets_403() {
    let sim = start(SimConfig { mid: Some("M-1001".into()), ..fast() }).await;
    let api = Api::for_sim(&sim).await;
    let mut req = card_payment("mid-1", APPROVE, "1.00", "EUR", "https://shop.example/cb");
    assert_eq!(api.post("/v1/payments/card", &req).await.0, 200);
    req["mid"] = json!("M-9");
    let (s, body) = api.post("/v1/payments/card", &req).await;
    assert_eq!(s, 403);
    assert_trace(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_records_requests_and_callbacks_but_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.jsonl");
    let sim = start(SimConfig { log_file: Some(file.clone()), ..fast() }).await;
    let api = Api::for_sim(&sim).await;
    let rx = Receiver::start().await;
    let (_, paid) = api.post("/v1/payments/card", &card_payment("log-1", APPROVE, "3.00", "EUR", &rx.url("/cb"))).await;
    rx.wait_for(paid["transactionId"].as_str().unwrap(), "SUCCEED").await;
    assert!(sim.wait_idle(Duration::from_secs(10)).await);

    let secret = sim.credentials().secret.expose().clone();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&secret), "the secret value is never logged");
    let lines: Vec<LogEntry> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines, sim.request_log(), "the file and memory hold the same entries");
    let requests: Vec<_> = lines
        .iter()
        .filter_map(|e| match e {
            LogEntry::Request(r) => Some(r),
            LogEntry::Callback(_) => None,
        })
        .collect();
    assert_eq!(requests[0].path, "/api/v1/auth");
    assert!(requests[0].merchant_secret && requests[0].secret_seen && !requests[0].authorization);
    assert_eq!(requests[1].request_id.as_deref(), Some("log-1"));
    assert_eq!(requests[1].transaction_id.as_ref(), paid["transactionId"].as_str().map(str::to_string).as_ref());
    assert!(requests[1].authorization && !requests[1].merchant_secret && !requests[1].secret_seen);
    assert_eq!(requests[1].trace_id.as_ref().map(String::len), Some(32));
    let callbacks: Vec<_> = lines
        .iter()
        .filter_map(|e| match e {
            LogEntry::Callback(c) => Some(c),
            LogEntry::Request(_) => None,
        })
        .collect();
    assert_eq!(callbacks.len(), 1);
    assert_eq!((callbacks[0].attempt, callbacks[0].http_status), (1, Some(200)));
    assert!(callbacks[0].url.ends_with("/cb?paymentMethod=card"));

    // A client that leaks the secret into a later call shows up in the log.
    api.http
        .get(format!("{}/v1/payments/card/status/1?s={secret}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    let last = sim.request_log().into_iter().rev().find_map(|e| match e {
        LogEntry::Request(r) => Some(r),
        LogEntry::Callback(_) => None,
    });
    assert!(last.unwrap().secret_seen);
    let over_http: Vec<LogEntry> =
        api.http.get(format!("{}/_simulator/log", sim.root_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(over_http.len(), sim.request_log().len());
}
