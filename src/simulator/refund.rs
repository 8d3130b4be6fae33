//! Card refunds (API.md §8), under both documented paths: `POST /api/v1/refunds/card` (current)
//! and `POST /v1/payments/refund` (legacy), with their `status/{id}` and `info/{id}`.
//!
//! * Only a `SUCCEED` payment can be refunded (else 422); partial refunds add up to at most the
//!   captured amount (else 422). The amount is reserved when the refund is accepted, under the
//!   store lock, so concurrent refunds cannot over-refund.
//! * `amount` may be omitted for a full refund of what remains (Refund Flow page).
//! * The answer is `PROCESSING` with `refundId` (= `refundTransactionId`, both spellings); after
//!   the settle delay the refund is `SUCCEED` with its callback, and a payment refunded in full
//!   becomes `REFUNDED` with a callback of its own.
//! * Refund bodies carry `transactionId` = the payment and `refundId` = the refund.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::callbacks;
use super::error::{ApiError, now_iso};
use super::fields::{Check, parse_object};
use super::idempotency;
use super::model::{Kind, Merchant, Status, Tx};
use super::money::{self, Money};
use super::state::{SETTLE, Sim};
use super::{check_merchant, status_response};

/// `POST /api/v1/refunds/card`.
pub(crate) async fn create(State(sim): State<Sim>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    let mut c = Check::new(&body);
    let request_id = c.req_str("requestId");
    let mid = c.req_str("mid");
    // Integer in the current API reference; a string elsewhere (API.md §3).
    let payment_id = match c.get("transactionId") {
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(_) => {
            c.fail("transactionId", "must be the payment's transactionId");
            None
        }
        None => {
            c.fail("transactionId", "is required");
            None
        }
    };
    let amount_text = match c.get("amount") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            c.fail("amount", "must be a JSON string in major units, e.g. \"10.00\"");
            None
        }
    };
    let reason = c.req_str("reason");
    let callback_url = c.opt_url("callbackUrl");
    let metadata = c.opt_string_map("metadata");
    c.finish()?;
    let (Some(request_id), Some(mid), Some(payment_id), Some(reason)) = (request_id, mid, payment_id, reason) else {
        return Err(ApiError::bad_request("invalid request"));
    };
    check_merchant(&sim, &Merchant::Mid(mid.to_string()))?;
    let fp = idempotency::fingerprint("POST /v1/refunds/card", &body);
    let mut store = sim.store();
    if let Some(resp) = idempotency::replay(&store, mid, request_id, &fp)? {
        return Ok(Json(resp).into_response());
    }
    let payment = store
        .find(&payment_id, &[Kind::CardPayment])
        .ok_or_else(|| ApiError::not_found(format!("no card payment with transactionId {payment_id}")))?;
    if payment.merchant.id() != mid {
        return Err(ApiError::forbidden(format!("transaction {payment_id} belongs to another mid")));
    }
    if payment.status != Status::Succeed {
        return Err(ApiError::unprocessable(format!(
            "only SUCCEED payments can be refunded; transaction {payment_id} is {}",
            payment.status.as_str()
        )));
    }
    let currency = payment.money.currency.clone();
    let exp = money::exponent(&currency);
    let remaining = payment.money.minor - payment.refunded_minor;
    let minor = match amount_text {
        None => remaining,
        Some(t) => money::parse_amount(t, &currency).map_err(|m| ApiError::unprocessable_field("amount", m))?,
    };
    if minor > remaining {
        return Err(ApiError::unprocessable_field(
            "amount",
            format!(
                "{} {currency} exceeds the refundable amount {} {currency} (captured {}, already refunded {})",
                money::decimal(minor, exp),
                money::decimal(remaining, exp),
                money::decimal(payment.money.minor, exp),
                money::decimal(payment.refunded_minor, exp),
            ),
        ));
    }
    if minor <= 0 {
        return Err(ApiError::unprocessable(format!("transaction {payment_id} is already refunded in full")));
    }
    let refund_id = store.next_tx_id();
    let refund = Tx {
        id: refund_id.clone(),
        kind: Kind::Refund,
        request_id: request_id.to_string(),
        merchant: Merchant::Mid(mid.to_string()),
        status: Status::Processing,
        history: vec![Status::Processing],
        decline_code: None,
        decline_sub_reason: None,
        money: Money { minor, currency },
        refunded_minor: 0,
        callback_url: callback_url.map(str::to_string),
        success_url: None,
        failure_url: None,
        card: None,
        apm: None,
        billing: Value::Null,
        order: Value::Null,
        metadata,
        parent: Some(payment_id.clone()),
        reason: Some(reason.to_string()),
        challenge_id: None,
        created_at: now_iso(),
        lane: callbacks::Lane::new(),
    };
    if let Some(p) = store.txs.get_mut(&payment_id) {
        p.refunded_minor += minor;
    }
    let resp = json!({
        "refundId": refund_id,
        "refundTransactionId": refund_id,
        "transactionId": payment_id,
        "requestId": request_id,
        "transactionStatus": Status::Processing.as_str(),
        "declineCode": null,
        "amount": refund.money.major(),
        "currency": refund.money.currency,
    });
    callbacks::on_status_change(&sim, &refund);
    store.insert(refund);
    idempotency::remember(&mut store, mid, request_id, fp, resp.clone());
    drop(store);
    sim.after(sim.scaled(SETTLE), move |sim| settle(sim, &refund_id));
    Ok(Json(resp).into_response())
}

/// The refund succeeds; a payment refunded in full becomes `REFUNDED`.
fn settle(sim: &Sim, refund_id: &str) {
    let mut store = sim.store();
    let Some(refund) = store.txs.get_mut(refund_id) else { return };
    if refund.status != Status::Processing {
        return;
    }
    refund.set_status(Status::Succeed, None);
    callbacks::on_status_change(sim, refund);
    let Some(payment_id) = refund.parent.clone() else { return };
    if let Some(p) = store.txs.get_mut(&payment_id)
        && p.status == Status::Succeed
        && p.refunded_minor >= p.money.minor
    {
        p.set_status(Status::Refunded, None);
        callbacks::on_status_change(sim, p);
    }
}

/// `GET /api/v1/refunds/card/status/{refundId}`.
pub(crate) async fn status(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::Refund]).ok_or_else(|| not_found(&id))?;
    Ok(status_response(&sim, tx, false))
}

/// `GET /api/v1/refunds/card/info/{refundId}`.
pub(crate) async fn info(State(sim): State<Sim>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = sim.store();
    let tx = store.find(&id, &[Kind::Refund]).ok_or_else(|| not_found(&id))?;
    Ok(Json(Value::Object(tx.info(sim.cfg().checksum_variant))).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no refund with refundId {id}"))
}
