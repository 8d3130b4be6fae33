//! Payouts (API.md §9): card payouts (`POST /api/v1/payouts/card`) and APM payouts
//! (`POST /api/v1/payouts/apm`), with their `status/{id}` and `info/{id}`.
//!
//! Both answer `PROCESSING` at once and reach their final status after the settle delay (scaled by
//! `time_scale`), with a callback. A card payout to the decline test card fails with its decline
//! code (5); any other card that is not a test card fails with 2; test cards otherwise succeed (no
//! 3DS for payouts). The card payout's `currency` is missing from the API reference table but named
//! by the guide, so it is optional here and defaults to [`DEFAULT_PAYOUT_CURRENCY`]. APM payouts
//! need the request `checksum` like APM payments and always succeed. APM payout status is a bare
//! string (documented); card payout status an object.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::apm;
use super::callbacks;
use super::error::{ApiError, now_iso};
use super::fields::{Check, parse_object};
use super::idempotency;
use super::model::{CardInfo, CardOutcome, Kind, Merchant, Status, Tx, billing_subset};
use super::money::Money;
use super::state::{SETTLE, Sim};
use super::{check_merchant, status_response};

/// Currency of a card payout that names none.
pub(crate) const DEFAULT_PAYOUT_CURRENCY: &str = "USD";

/// `POST /api/v1/payouts/card`.
pub(crate) async fn create_card(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let request_id = c.req_str("requestId");
    let mid = c.req_str("mid");
    let currency = if c.get("currency").is_some() { c.currency("currency") } else { Some(DEFAULT_PAYOUT_CURRENCY) };
    let amount = c.amount("amount", currency);
    let card = c.card("card", false);
    c.opt_obj("billingDetails");
    c.opt_str("userEmail");
    let callback_url = c.opt_url("callbackUrl");
    let metadata = c.opt_string_map("metadata");
    c.finish()?;
    let (Some(request_id), Some(mid), Some(currency), Some((_, minor)), Some((pan, holder))) =
        (request_id, mid, currency, amount, card)
    else {
        return Err(ApiError::bad_request("invalid request"));
    };
    check_merchant(&sim, &Merchant::Mid(mid.to_string()))?;
    let fp = idempotency::fingerprint("POST /v1/payouts/card", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, mid, request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let id = store.next_tx_id();
    let tx = Tx {
        id: id.clone(),
        kind: Kind::CardPayout,
        request_id: request_id.to_string(),
        merchant: Merchant::Mid(mid.to_string()),
        status: Status::Processing,
        history: vec![Status::Processing],
        decline_code: None,
        decline_sub_reason: None,
        money: Money { minor, currency: currency.to_string() },
        refunded_minor: 0,
        callback_url: callback_url.map(str::to_string),
        success_url: None,
        failure_url: None,
        card: Some(CardInfo::from_pan(pan, holder.map(str::to_string))),
        apm: None,
        billing: billing_subset(body.get("billingDetails")),
        order: Value::Null,
        metadata,
        parent: None,
        reason: None,
        challenge_id: None,
        created_at: now_iso(),
        lane: callbacks::Lane::new(),
    };
    let resp = json!({
        "transactionId": id,
        "requestId": request_id,
        "transactionStatus": Status::Processing.as_str(),
        "declineCode": null,
    });
    callbacks::on_status_change(&sim, &tx);
    store.insert(tx);
    idempotency::remember(&mut store, mid, request_id, fp, resp.clone());
    drop(store);
    sim.after(sim.scaled(SETTLE), move |sim| settle(sim, &id));
    Ok(Json(resp).into_response())
}

/// `POST /api/v1/payouts/apm`.
pub(crate) async fn create_apm(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let r = apm::parse(&sim, &body)?;
    let fp = idempotency::fingerprint("POST /v1/payouts/apm", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, &r.account_id, r.request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let id = store.next_tx_id();
    let mut tx = apm::new_tx(id.clone(), Kind::ApmPayout, Status::Processing, &r, &body);
    let response_data = json!({
        "paymentMethod": r.apm_type,
        "paymentType": r.payload.get("paymentType").cloned().unwrap_or(Value::Null),
        "actionType": "NONE",
        "redirectUrl": null,
        "iframeUrl": null,
        "qrData": null,
        "qrDeepLink": null,
        "providerTransactionId": format!("sim-{id}"),
        "extra": {},
    });
    if let Some(a) = tx.apm.as_mut() {
        a.response_data = response_data.clone();
    }
    let resp = json!({
        "requestId": r.request_id,
        "transactionId": id,
        "transactionStatus": Status::Processing.as_str(),
        "apmResponseData": response_data,
    });
    callbacks::on_status_change(&sim, &tx);
    store.insert(tx);
    idempotency::remember(&mut store, &r.account_id, r.request_id, fp, resp.clone());
    drop(store);
    sim.after(sim.scaled(SETTLE), move |sim| settle(sim, &id));
    Ok(Json(resp).into_response())
}

/// The payout reaches its final status.
fn settle(sim: &Sim, id: &str) {
    let mut store = sim.store();
    let Some(tx) = store.txs.get_mut(id) else { return };
    if tx.status != Status::Processing {
        return;
    }
    match tx.card.as_ref().map(|c| c.outcome) {
        Some(CardOutcome::Decline(code)) => tx.set_status(Status::Failed, Some(code)),
        _ => tx.set_status(Status::Succeed, None),
    }
    callbacks::on_status_change(sim, tx);
}

/// `GET /api/v1/payouts/card/status/{id}`.
pub(crate) async fn card_status(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::CardPayout]).ok_or_else(|| not_found(&id))?;
    Ok(status_response(&sim, tx, false))
}

/// `GET /api/v1/payouts/card/info/{id}`.
pub(crate) async fn card_info(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::CardPayout]).ok_or_else(|| not_found(&id))?;
    Ok(Json(Value::Object(tx.info(sim.cfg().checksum_variant))).into_response())
}

/// `GET /api/v1/payouts/apm/status/{id}`: a bare JSON string (API.md §9.2).
pub(crate) async fn apm_status(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::ApmPayout]).ok_or_else(|| not_found(&id))?;
    Ok(status_response(&sim, tx, true))
}

/// `GET /api/v1/payouts/apm/info/{id}`.
pub(crate) async fn apm_info(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::ApmPayout]).ok_or_else(|| not_found(&id))?;
    Ok(Json(Value::Object(tx.info(sim.cfg().checksum_variant))).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no payout with transactionId {id}"))
}
