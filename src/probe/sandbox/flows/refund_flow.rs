//! `sandbox-refund-flow`: a succeeded card payment is refunded and the refund reaches its final
//! state with its callback.
//!
//! It refunds the card flow's 3DS payment when that flow ran and succeeded, else a fresh payment
//! with the approve test card. The create path is `/v1/refunds/card`, with the legacy
//! `/v1/payments/refund` tried on a 404; the answer may name the refund `refundId` or
//! `refundTransactionId` (API.md §8 discrepancies). Whether the original payment then reports
//! `REFUNDED` is undocumented, so it is measured, not required.

use std::time::Duration;

use serde_json::{Value, json};

use super::{FlowCtx, FlowFuture, Tx, Verdicts, approved_payment, get_first, is_final, request_id, settle, status_of};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::sandbox::callbacks::Callback;
use crate::probe::sandbox::checksum::Kind;
use crate::probe::sandbox::wire::{id_field, shorten};

/// How long to wait for the refund's own callback once the payment's REFUNDED one has arrived.
const OWN_CALLBACK_GRACE: Duration = Duration::from_millis(500);

/// Whether a callback is the refund's own (by `refundId`, `refundTransactionId` or `transactionId`).
fn is_refunds_own(c: &Callback, refund_id: &str) -> bool {
    ["refundId", "refundTransactionId", "transactionId"].iter().any(|k| c.field(k) == Some(refund_id))
}

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(refund(cx, &rule.id))
}

async fn refund(cx: &FlowCtx, rule: &str) -> Outcome {
    let mid = match cx.mid(rule) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut v = Verdicts::new(rule);
    let shared = cx.shared().card_payment.clone();
    let payment = match shared {
        Some(p) => p,
        None => match approved_payment(cx, &mid, &cx.currency(), "payment to refund", &mut v).await {
            Some(p) => p,
            None => return v.finish(),
        },
    };
    let original = payment.transaction_id.clone();
    v.measure("transactionId", original.clone());
    let rid = request_id();
    v.measure("requestId", rid.clone());
    // The API reference types transactionId as an integer in this request (API.md §3).
    let tx_value = original.parse::<u64>().map_or_else(|_| Value::String(original.clone()), |n| json!(n));
    let body = json!({
        "requestId": rid,
        "mid": mid,
        "transactionId": tx_value,
        "amount": payment.amount,
        "reason": "customer_request",
        "callbackUrl": cx.listener.callback_url(),
        "metadata": { "source": "golive" },
    });
    let reply = match cx.api.post_first(&["/v1/refunds/card", "/v1/payments/refund"], &body, &[]).await {
        Ok(r) => r,
        Err(e) => {
            v.error(format!("refund of {original}: {e}"));
            return v.finish();
        }
    };
    let refund_id = id_field(&reply.body, "refundId")
        .or_else(|| id_field(&reply.body, "refundTransactionId"))
        .or_else(|| reply.transaction_id().filter(|t| *t != original));
    let Some(refund_id) = refund_id else {
        v.error(format!("the refund answered no refundId: {}", shorten(&reply.text)));
        return v.finish();
    };
    v.measure("refundId", refund_id.clone());
    let first = status_of(&reply.body).map(|s| s.status).unwrap_or_default();
    v.measure("initialStatus", first.clone());
    if first == "FAILED" {
        let code = status_of(&reply.body).and_then(|s| s.decline_code);
        v.fail(format!("the refund {refund_id} of payment {original} was refused (FAILED, declineCode {code:?})"));
        return v.finish();
    }
    let (rfd, orig) = (refund_id.clone(), original.clone());
    let matches = move |c: &Callback| {
        is_refunds_own(c, &rfd) || (c.field("transactionId") == Some(orig.as_str()) && c.status() == Some("REFUNDED"))
    };
    let mut s = settle(cx, Tx::Refund, &refund_id, matches).await;
    // The payment's own REFUNDED callback may come first; the refund's callback is the one to verify
    // when the sandbox sends both (which one it sends is undocumented, API.md §8).
    if let Some(cb) = s.callback.as_ref().filter(|c| !is_refunds_own(c, &refund_id)) {
        let own = cx
            .listener
            .wait_for(OWN_CALLBACK_GRACE, |c| is_refunds_own(c, &refund_id) && c.status().is_some_and(is_final))
            .await;
        let (chosen, kind, which) = match own {
            Some(own) => (own, Kind::Other, "refund"),
            None => (cb.clone(), Kind::Card, "payment REFUNDED"),
        };
        s.checksum = Some(chosen.verify(cx.api.signing_key(), kind));
        s.callback = Some(chosen);
        v.measure("refundCallback", which);
    } else if s.callback.is_some() {
        v.measure("refundCallback", "refund");
    }
    v.settlement("refund", &refund_id, &s);
    match s.status() {
        Some(st) if st.status == "SUCCEED" || st.status == "REFUNDED" => {
            v.measure("finalStatus", st.status.clone());
            v.note(format!(
                "refund {refund_id} of payment {original} ({} {}): {}",
                payment.amount, payment.currency, st.status
            ));
        }
        Some(st) if is_final(&st.status) => {
            v.fail(format!("the refund {refund_id} of payment {original} ended {}", st.status));
        }
        Some(st) => v.error(format!("the refund {refund_id} is still {} after polling", st.status)),
        None => v.error(format!("the refund {refund_id} reached no final status")),
    }
    if let Ok(r) = get_first(&cx.api, &Tx::Card.status_paths(&original)).await
        && let Some(st) = status_of(&r.body)
    {
        v.measure("paymentStatusAfterRefund", st.status);
    }
    v.finish()
}
