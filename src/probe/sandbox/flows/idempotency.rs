//! `sandbox-idempotency`: sending the same card payment twice with the same `requestId` returns
//! the same transaction, never a second charge (API.md §15.3: the key is `requestId` + `mid`).
//!
//! golive sends the identical request twice, exactly as a client retrying after a timeout would.
//! Against a real sandbox the evidence is the two answers (same `transactionId`) and the info
//! endpoint (it carries that `requestId`); in an embedded run golive also counts the simulator's
//! transactions with that `requestId`. A 409 on the resend (one page's reading) is reported as a
//! finding, since a retry must return the original result.

use serde_json::Value;

use super::{FlowCtx, FlowFuture, Tx, Verdicts, amount_for, card_payment, get_first, request_id};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::sandbox::api::ApiError;
use crate::probe::sandbox::wire::shorten;

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(idempotency(cx, &rule.id))
}

async fn idempotency(cx: &FlowCtx, rule: &str) -> Outcome {
    let mid = match cx.mid(rule) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut v = Verdicts::new(rule);
    let currency = cx.currency();
    let amount = amount_for(&currency);
    let rid = request_id();
    v.measure("requestId", rid.clone());
    let body = card_payment(cx, &mid, &cx.settings.cards.approve, false, &amount, &currency, &rid);
    let first = match cx.api.post("/v1/payments/card", &body).await {
        Ok(r) => r,
        Err(e) => {
            v.error(format!("first request: {e}"));
            return v.finish();
        }
    };
    let Some(id) = first.transaction_id() else {
        v.error(format!("the first request answered no transactionId: {}", shorten(&first.text)));
        return v.finish();
    };
    v.measure("transactionId", id.clone());
    let second = match cx.api.post("/v1/payments/card", &body).await {
        Ok(r) => r,
        Err(ApiError::Http { status: 409, trace, detail, .. }) => {
            v.fail(format!(
                "resending the identical request with requestId {rid} answered 409 Conflict{trace} ({detail}); a retry \
                 must return the original transaction"
            ));
            return v.finish();
        }
        Err(e) => {
            v.error(format!("resend: {e}"));
            return v.finish();
        }
    };
    match second.transaction_id() {
        Some(again) if again == id => v.note(format!("resending requestId {rid} returned the same transaction {id}")),
        Some(other) => {
            v.fail(format!(
                "resending requestId {rid} created a second transaction {other} (first {id}): a double charge"
            ));
            v.measure("secondTransactionId", other);
        }
        None => v.fail(format!("the resend of requestId {rid} answered no transactionId: {}", shorten(&second.text))),
    }
    match get_first(&cx.api, &Tx::Card.info_paths(&id)).await {
        Ok(info) => match info.body.get("requestId").and_then(Value::as_str) {
            Some(r) if r != rid => v.fail(format!("info of {id} names requestId {r}, not {rid}")),
            _ => {}
        },
        Err(e) => v.error(format!("info: {e}")),
    }
    if let Some(ledger) = &cx.ledger {
        let n = ledger().iter().filter(|(r, _)| *r == rid).count();
        v.measure("transactionsWithRequestId", n);
        if n == 1 {
            v.note("the simulator holds exactly one transaction for it");
        } else {
            v.fail(format!("the simulator holds {n} transactions with requestId {rid}"));
        }
    }
    v.finish()
}
