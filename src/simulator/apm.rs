//! APM payments (API.md §7): `POST /api/v1/payments/apm`, `status/{id}` (a bare status string, as
//! documented) and `info/{id}` (`ApmPaymentTxInfoDto`, = the callback body).
//!
//! * The method is `apmPayload.paymentMethod`; a top-level `apmType` is accepted too. It becomes
//!   the callback's `apmType` and query parameter.
//! * The request `checksum` is required and verified: `Base64(HMAC-SHA256(merchantSecret,
//!   accountId|amount|currency|requestId))` with `amount` exactly as sent (`"10.00"`, variant B),
//!   or in minor units (`1000`, legacy variant A).
//! * The answer is `CUSTOMER_VERIFICATION` with `apmResponseData.redirectUrl` pointing at the
//!   simulator's provider page (QR methods, `*_QR`, also get `actionType: "QR"`, `qrData` and a
//!   `qrDeepLink` to the same page). The page's form completes the payment (see
//!   [`challenge`](super::challenge)).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::callbacks;
use super::checksum;
use super::error::{ApiError, now_iso};
use super::fields::{Check, parse_object};
use super::idempotency;
use super::model::{ApmInfo, Kind, Merchant, Status, Tx, billing_subset, order_subset};
use super::money::Money;
use super::state::Sim;
use super::{check_merchant, status_response};

/// A 1×1 PNG, base64: `qrData` for QR methods (the page link is in `qrDeepLink`).
const QR_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// The validated fields APM payments and payouts share.
pub(crate) struct ApmRequest<'a> {
    /// `requestId`.
    pub(crate) request_id: &'a str,
    /// `accountId` (as text).
    pub(crate) account_id: String,
    /// `apmType`.
    pub(crate) apm_type: String,
    /// `apmPayload` (with `paymentMethod` filled in when only `apmType` was sent).
    pub(crate) payload: Value,
    /// Amount and currency.
    pub(crate) money: Money,
    /// `callbackUrl`.
    pub(crate) callback_url: Option<&'a str>,
    /// `successRedirectUrl`.
    pub(crate) success_url: Option<&'a str>,
    /// `failureRedirectUrl`.
    pub(crate) failure_url: Option<&'a str>,
    /// `metadata`.
    pub(crate) metadata: Value,
}

/// Validates an APM payment or payout body, including its request `checksum`.
pub(crate) fn parse<'a>(sim: &Sim, body: &'a Map<String, Value>) -> Result<ApmRequest<'a>, ApiError> {
    let mut c = Check::new(body);
    let request_id = c.req_str("requestId");
    let account_id = match c.get("accountId") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) if n.is_i64() => Some(n.to_string()),
        Some(_) => {
            c.fail("accountId", "must be a string");
            None
        }
        None => {
            c.fail("accountId", "is required");
            None
        }
    };
    let payload = c.opt_obj("apmPayload");
    let method = c.opt_str("apmPayload.paymentMethod");
    let top = c.opt_str("apmType");
    let apm_type = match (method, top) {
        (Some(m), Some(t)) if m != t => {
            c.fail("apmType", format!("differs from apmPayload.paymentMethod ({m})"));
            None
        }
        (Some(m), _) => Some(m),
        (None, Some(t)) => Some(t),
        (None, None) => {
            c.fail(if payload.is_some() { "apmPayload.paymentMethod" } else { "apmPayload" }, "is required");
            None
        }
    };
    c.opt_str("apmPayload.paymentType");
    let currency = c.currency("currency");
    let amount = c.amount("amount", currency);
    let callback_url = c.opt_url("callbackUrl");
    let success_url = c.opt_url("successRedirectUrl");
    let failure_url = c.opt_url("failureRedirectUrl");
    c.opt_obj("billingDetails");
    c.opt_obj("order");
    c.opt_obj("device");
    let metadata = c.opt_string_map("metadata");
    let given = c.req_str("checksum");
    if let (Some(given), Some(acc), Some((text, minor)), Some(cur), Some(rid)) =
        (given, &account_id, amount, currency, request_id)
    {
        let as_sent = checksum::request_message(acc, text, cur, rid);
        let minor_units = checksum::request_message(acc, &minor.to_string(), cur, rid);
        if !checksum::verify(sim.secret(), &as_sent, given) && !checksum::verify(sim.secret(), &minor_units, given) {
            c.fail(
                "checksum",
                format!(
                    "does not match Base64(HMAC-SHA256(merchantSecret, \"accountId|amount|currency|requestId\")) \
                     = HMAC of \"{as_sent}\""
                ),
            );
        }
    }
    c.finish()?;
    let (Some(request_id), Some(account_id), Some(apm_type), Some(currency), Some((_, minor))) =
        (request_id, account_id, apm_type, currency, amount)
    else {
        return Err(ApiError::bad_request("invalid request"));
    };
    check_merchant(sim, &Merchant::Account(account_id.clone()))?;
    let mut payload = payload.cloned().unwrap_or_default();
    payload.entry("paymentMethod").or_insert_with(|| json!(apm_type));
    Ok(ApmRequest {
        request_id,
        account_id,
        apm_type: apm_type.to_string(),
        payload: Value::Object(payload),
        money: Money { minor, currency: currency.to_string() },
        callback_url,
        success_url,
        failure_url,
        metadata,
    })
}

/// A new APM transaction from a parsed request.
pub(crate) fn new_tx(id: String, kind: Kind, status: Status, r: &ApmRequest<'_>, body: &Map<String, Value>) -> Tx {
    Tx {
        id,
        kind,
        request_id: r.request_id.to_string(),
        merchant: Merchant::Account(r.account_id.clone()),
        status,
        history: vec![status],
        decline_code: None,
        decline_sub_reason: None,
        money: r.money.clone(),
        refunded_minor: 0,
        callback_url: r.callback_url.map(str::to_string),
        success_url: r.success_url.map(str::to_string),
        failure_url: r.failure_url.map(str::to_string),
        card: None,
        apm: Some(ApmInfo {
            apm_type: r.apm_type.clone(),
            request_payload: r.payload.clone(),
            response_data: Value::Null,
        }),
        billing: billing_subset(body.get("billingDetails")),
        order: order_subset(body.get("order")),
        metadata: r.metadata.clone(),
        parent: None,
        reason: None,
        challenge_id: None,
        created_at: now_iso(),
        lane: callbacks::Lane::new(),
    }
}

/// `POST /api/v1/payments/apm`.
pub(crate) async fn create(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let r = parse(&sim, &body)?;
    let fp = idempotency::fingerprint("POST /v1/payments/apm", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, &r.account_id, r.request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let id = store.next_tx_id();
    let cid = uuid::Uuid::new_v4().simple().to_string();
    let page = sim.page_url("apm", &cid);
    let qr = r.apm_type.ends_with("_QR");
    let payment_type = r.payload.get("paymentType").cloned().unwrap_or(Value::Null);
    let response_data = json!({
        "paymentMethod": r.apm_type,
        "paymentType": payment_type,
        "actionType": if qr { "QR" } else { "REDIRECTION" },
        "redirectUrl": page,
        "iframeUrl": null,
        "qrData": if qr { json!(QR_PNG) } else { Value::Null },
        "qrDeepLink": if qr { json!(page) } else { Value::Null },
        "providerTransactionId": format!("sim-{id}"),
        "extra": {},
    });
    let mut tx = new_tx(id.clone(), Kind::ApmPayment, Status::CustomerVerification, &r, &body);
    tx.challenge_id = Some(cid.clone());
    if let Some(a) = tx.apm.as_mut() {
        a.response_data = response_data.clone();
    }
    let resp = json!({
        "requestId": r.request_id,
        "transactionId": id,
        "transactionStatus": Status::CustomerVerification.as_str(),
        "apmResponseData": response_data,
    });
    store.challenges.insert(cid, id);
    callbacks::on_status_change(&sim, &tx);
    store.insert(tx);
    idempotency::remember(&mut store, &r.account_id, r.request_id, fp, resp.clone());
    Ok(Json(resp).into_response())
}

/// `GET /api/v1/payments/apm/status/{id}`: a bare JSON string (API.md §7.1).
pub(crate) async fn status(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::ApmPayment]).ok_or_else(|| not_found(&id))?;
    Ok(status_response(&sim, tx, true))
}

/// `GET /api/v1/payments/apm/info/{id}`.
pub(crate) async fn info(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::ApmPayment]).ok_or_else(|| not_found(&id))?;
    Ok(Json(Value::Object(tx.info(sim.cfg().checksum_variant))).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no APM payment with transactionId {id}"))
}
