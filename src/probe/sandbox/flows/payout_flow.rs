//! `sandbox-payout-flow`: a card payout (credit push) succeeds with its callback.
//!
//! `POST /v1/payouts/card` answers `PROCESSING` at once; the final `SUCCEED` comes by callback and
//! on the status endpoint (API.md §9.1). The request carries `currency` (the guide says it is
//! submitted, the API reference table omits it) and the legacy `userEmail`. The rule is skipped
//! when `[sandbox] flows` leaves payouts out.

use serde_json::json;

use super::{FlowCtx, FlowFuture, Tx, Verdicts, amount_for, for_transaction, is_final, request_id, settle, status_of};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::sandbox::wire::shorten;

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(payout(cx, &rule.id))
}

async fn payout(cx: &FlowCtx, rule: &str) -> Outcome {
    let mid = match cx.mid(rule) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut v = Verdicts::new(rule);
    let currency = cx.currency();
    let amount = amount_for(&currency);
    let rid = request_id();
    v.measure("requestId", rid.clone());
    let year = (time::OffsetDateTime::now_utc().year() + 3).to_string();
    let body = json!({
        "requestId": rid,
        "mid": mid,
        "amount": amount,
        "currency": currency,
        "card": {
            "number": cx.settings.cards.approve,
            "expMonth": "12",
            "expYear": year,
            "cardHolderName": "Golive Tester",
        },
        "billingDetails": { "firstName": "Golive", "lastName": "Tester", "email": "golive-test@example.com", "country": "IE" },
        "userEmail": "golive-test@example.com",
        "callbackUrl": cx.listener.callback_url(),
        "metadata": { "source": "golive" },
    });
    let reply = match cx.api.post("/v1/payouts/card", &body).await {
        Ok(r) => r,
        Err(e) => {
            v.error(format!("payout: {e}"));
            return v.finish();
        }
    };
    let Some(id) = reply.transaction_id() else {
        v.error(format!("the payout answered no transactionId: {}", shorten(&reply.text)));
        return v.finish();
    };
    v.measure("transactionId", id.clone());
    let first = status_of(&reply.body).map(|s| s.status).unwrap_or_default();
    v.measure("initialStatus", first.clone());
    let s = settle(cx, Tx::Payout, &id, for_transaction(&id)).await;
    v.settlement("payout", &id, &s);
    match s.status() {
        Some(st) if st.status == "SUCCEED" => {
            v.measure("finalStatus", "SUCCEED");
            v.note(format!("card payout {id} ({amount} {currency}): {first} → SUCCEED"));
        }
        Some(st) if is_final(&st.status) => {
            let code = st.decline_code.map(|c| format!(" (declineCode {c})")).unwrap_or_default();
            v.fail(format!("the card payout {id} ended {}{code}", st.status));
        }
        Some(st) => v.error(format!("the card payout {id} is still {} after polling", st.status)),
        None => v.error(format!("the card payout {id} reached no final status")),
    }
    v.finish()
}
