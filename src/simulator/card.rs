//! Card payments (API.md §4, §5): `POST /api/v1/payments/card`, its status and info, tokenize and
//! charge a token. Outcomes come from the test card (§15.1): approve, decline with a decline code,
//! or a 3-D Secure challenge answered `CUSTOMER_VERIFICATION` with a `challengeUrl` served by
//! [`challenge`](super::challenge).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::callbacks;
use super::error::{ApiError, now_iso};
use super::fields::{Check, parse_object};
use super::idempotency;
use super::model::{CardInfo, CardOutcome, Kind, Merchant, Status, Tx, billing_subset, order_subset};
use super::money::Money;
use super::state::{CardToken, Sim, Store};
use super::{check_merchant, status_response};

/// Default token lifetime (current docs: 90 days; API.md §5.1).
const TOKEN_DAYS: i64 = 90;

/// A validated payment request, from a sale or a token charge.
struct NewPayment<'a> {
    request_id: &'a str,
    mid: &'a str,
    money: Money,
    card: CardInfo,
    callback_url: Option<&'a str>,
    success_url: Option<&'a str>,
    failure_url: Option<&'a str>,
    billing: Value,
    order: Value,
    metadata: Value,
}

/// `POST /api/v1/payments/card`.
pub(crate) async fn create(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let request_id = c.req_str("requestId");
    let mid = c.req_str("mid");
    let currency = c.currency("currency");
    let amount = c.amount("amount", currency);
    let card = c.card("card", true);
    if c.get("card").is_some_and(Value::is_object) {
        c.req_bool("card.requestThreeDSecure");
    }
    c.opt_alpha2("lang");
    let urls = redirect_urls(&mut c);
    let billing = c.req_obj("billingDetails").map(|_| billing_checks(&mut c));
    c.req_obj("order");
    c.req_obj("device");
    c.opt_bool("kycVerified");
    c.opt_int("previousPaymentCount");
    let metadata = c.opt_string_map("metadata");
    c.finish()?;
    let (Some(request_id), Some(mid), Some(currency), Some((_, minor)), Some((pan, holder)), Some(())) =
        (request_id, mid, currency, amount, card, billing)
    else {
        return Err(ApiError::bad_request("invalid request"));
    };
    check_merchant(&sim, &Merchant::Mid(mid.to_string()))?;
    let payment = NewPayment {
        request_id,
        mid,
        money: Money { minor, currency: currency.to_string() },
        card: CardInfo::from_pan(pan, holder.map(str::to_string)),
        callback_url: urls.0,
        success_url: urls.1,
        failure_url: urls.2,
        billing: billing_subset(body.get("billingDetails")),
        order: order_subset(body.get("order")),
        metadata,
    };
    let fp = idempotency::fingerprint("POST /v1/payments/card", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, mid, request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let resp = start(&sim, &mut store, payment);
    idempotency::remember(&mut store, mid, request_id, fp, resp.clone());
    Ok(Json(resp).into_response())
}

/// `POST /api/v1/payments/card/charge`: charge a token (`cardToken`, or `token` in the legacy
/// table). The token's billing details are used unless the request gives its own.
pub(crate) async fn charge(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let request_id = c.req_str("requestId");
    let mid = c.req_str("mid");
    let token = c.opt_str("cardToken").or_else(|| c.opt_str("token"));
    if token.is_none() {
        c.fail("cardToken", "is required");
    }
    let currency = c.currency("currency");
    let amount = c.amount("amount", currency);
    let urls = redirect_urls(&mut c);
    let own_billing = c.opt_obj("billingDetails").map(|_| billing_checks(&mut c));
    c.opt_obj("order");
    c.opt_obj("device");
    let metadata = c.opt_string_map("metadata");
    let stored = token.and_then(|t| sim.store().tokens.get(t).cloned());
    let today = time::OffsetDateTime::now_utc().date();
    match &stored {
        None if token.is_some() => c.fail("cardToken", "unknown or expired card token"),
        Some(t) if t.expires < today => c.fail("cardToken", "unknown or expired card token"),
        Some(t) if own_billing.is_none() && t.billing.is_none() => {
            c.fail("billingDetails", "is required: neither the request nor the token has billing details");
        }
        _ => {}
    }
    c.finish()?;
    let (Some(request_id), Some(mid), Some(currency), Some((_, minor)), Some(stored)) =
        (request_id, mid, currency, amount, stored)
    else {
        return Err(ApiError::bad_request("invalid request"));
    };
    check_merchant(&sim, &Merchant::Mid(mid.to_string()))?;
    let billing = if own_billing.is_some() { body.get("billingDetails") } else { stored.billing.as_ref() };
    let payment = NewPayment {
        request_id,
        mid,
        money: Money { minor, currency: currency.to_string() },
        billing: billing_subset(billing),
        card: stored.card,
        callback_url: urls.0,
        success_url: urls.1,
        failure_url: urls.2,
        order: order_subset(body.get("order")),
        metadata,
    };
    let fp = idempotency::fingerprint("POST /v1/payments/card/charge", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, mid, request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let resp = start(&sim, &mut store, payment);
    idempotency::remember(&mut store, mid, request_id, fp, resp.clone());
    Ok(Json(resp).into_response())
}

/// `POST /api/v1/payments/card/tokenize`: vaults a card (no 3DS, no callback). The merchant is
/// `merchantId` (current API reference, Integer) or `mid`.
pub(crate) async fn tokenize(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let request_id = c.req_str("requestId");
    let merchant = match c.get("merchantId") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            c.fail("merchantId", "must be an integer");
            None
        }
        None => c.opt_str("mid").map(str::to_string),
    };
    if merchant.is_none() && c.get("merchantId").is_none() {
        c.fail("merchantId", "is required");
    }
    let card = c.card("card", true);
    c.opt_bool("card.requestThreeDSecure");
    let billing = c.opt_obj("billingDetails").map(|_| billing_checks(&mut c));
    c.opt_string_map("metadata");
    let today = time::OffsetDateTime::now_utc().date();
    let default_expiry = today + time::Duration::days(TOKEN_DAYS);
    let mut expires = default_expiry;
    if let Some(d) = c.opt_str("expirationDate") {
        match time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) if d < today => c.fail("expirationDate", "must not be in the past"),
            Ok(d) => expires = d.min(default_expiry),
            Err(_) => c.fail("expirationDate", "must be a date YYYY-MM-DD"),
        }
    }
    c.finish()?;
    let (Some(request_id), Some(merchant), Some((pan, holder))) = (request_id, merchant, card) else {
        return Err(ApiError::bad_request("invalid request"));
    };
    let info = CardInfo::from_pan(pan, holder.map(str::to_string));
    let fp = idempotency::fingerprint("POST /v1/payments/card/tokenize", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, &merchant, request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let token = format!("tok_{}", uuid::Uuid::new_v4().simple());
    let resp = json!({
        "token": token,
        "cardToken": token,
        "cardMask": info.mask,
        "cardBrand": info.brand(),
        "cardType": "CREDIT",
        "issuingBank": "GOLIVE SIMULATED BANK",
        "cardCountry": "US",
        "expirationDate": expires.to_string(),
    });
    let billing = billing.and_then(|()| body.get("billingDetails").cloned());
    store.tokens.insert(token, CardToken { card: info, billing, expires });
    idempotency::remember(&mut store, &merchant, request_id, fp, resp.clone());
    Ok(Json(resp).into_response())
}

/// `GET /api/v1/payments/card/status/{id}`: `{transactionId, transactionStatus, declineCode}`.
pub(crate) async fn status(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::CardPayment]).ok_or_else(|| not_found(&id))?;
    Ok(status_response(&sim, tx, false))
}

/// `GET /api/v1/payments/card/info/{id}`: the callback body (API.md §4.5).
pub(crate) async fn info(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::CardPayment]).ok_or_else(|| not_found(&id))?;
    Ok(Json(Value::Object(tx.info(sim.cfg().checksum_variant))).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no card payment with transactionId {id}"))
}

/// `callbackUrl`, `successRedirectUrl`, `failureRedirectUrl` (optional per the API reference).
fn redirect_urls<'a>(c: &mut Check<'a>) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
    (c.opt_url("callbackUrl"), c.opt_url("successRedirectUrl"), c.opt_url("failureRedirectUrl"))
}

/// Checks the documented formats inside `billingDetails`.
fn billing_checks(c: &mut Check<'_>) {
    c.opt_alpha2("billingDetails.country");
    if let Some(e) = c.opt_str("billingDetails.email")
        && !e.contains('@')
    {
        c.fail("billingDetails.email", "must be an email address");
    }
    if let Some(d) = c.opt_str("billingDetails.dateOfBirth")
        && time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_err()
    {
        c.fail("billingDetails.dateOfBirth", "must be a date YYYY-MM-DD");
    }
}

/// Creates the payment, its first callback and the response.
fn start(sim: &Sim, store: &mut Store, p: NewPayment<'_>) -> Value {
    let id = store.next_tx_id();
    let (status, decline, challenge) = match p.card.outcome {
        CardOutcome::Approve => (Status::Succeed, None, None),
        CardOutcome::Decline(code) => (Status::Failed, Some(code), None),
        CardOutcome::ThreeDs => (Status::CustomerVerification, None, Some(uuid::Uuid::new_v4().simple().to_string())),
    };
    let mut resp = Map::new();
    resp.insert("transactionId".into(), json!(id));
    resp.insert("requestId".into(), json!(p.request_id));
    resp.insert("transactionStatus".into(), json!(status.as_str()));
    resp.insert("declineCode".into(), json!(decline));
    if let Some(cid) = &challenge {
        let url = sim.page_url("3ds", cid);
        resp.insert("challengeUrlIframe".into(), json!(format!("{url}?iframe=1")));
        resp.insert("challengeUrl".into(), json!(url));
        store.challenges.insert(cid.clone(), id.clone());
    }
    let tx = Tx {
        id,
        kind: Kind::CardPayment,
        request_id: p.request_id.to_string(),
        merchant: Merchant::Mid(p.mid.to_string()),
        status,
        history: vec![status],
        decline_code: decline,
        decline_sub_reason: None,
        money: p.money,
        refunded_minor: 0,
        callback_url: p.callback_url.map(str::to_string),
        success_url: p.success_url.map(str::to_string),
        failure_url: p.failure_url.map(str::to_string),
        card: Some(p.card),
        apm: None,
        billing: p.billing,
        order: p.order,
        metadata: p.metadata,
        parent: None,
        reason: None,
        challenge_id: challenge,
        created_at: now_iso(),
        lane: callbacks::Lane::new(),
    };
    callbacks::on_status_change(sim, &tx);
    store.insert(tx);
    Value::Object(resp)
}
