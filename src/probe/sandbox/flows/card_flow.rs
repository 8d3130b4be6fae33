//! `sandbox-card-flow`: the full card flow of the go-live checklist (initiate → 3DS → webhook →
//! status), plus a decline.
//!
//! A payment with the 3DS test card must answer `CUSTOMER_VERIFICATION` with a `challengeUrl`;
//! golive completes the challenge like a customer (see `challenge.rs`), then the payment must end
//! `SUCCEED`, its signed callback must arrive and verify, and status and info must agree with it.
//! A payment with the decline test card must end `FAILED` with a `declineCode`. The succeeded
//! payment is handed to the refund flow. See: API.md §4.3–§4.5, §10.3, §11, test-cards.toml.

use serde_json::Value;

use super::{
    FlowCtx, FlowFuture, Payment, Settlement, Tx, Verdicts, amount_for, card_payment, for_transaction, get_first,
    info_disagreements, request_id, settle, status_of,
};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::sandbox::challenge::{self, Ending};
use crate::probe::sandbox::wire::{mask_pans, shorten};

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(card(cx, &rule.id))
}

async fn card(cx: &FlowCtx, rule: &str) -> Outcome {
    let mid = match cx.mid(rule) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut v = Verdicts::new(rule);
    three_ds(cx, &mid, &mut v).await;
    decline(cx, &mid, &mut v).await;
    v.finish()
}

async fn three_ds(cx: &FlowCtx, mid: &str, v: &mut Verdicts) {
    let currency = cx.currency();
    let amount = amount_for(&currency);
    let rid = request_id();
    v.measure("requestId", rid.clone());
    let card = &cx.settings.cards.three_ds;
    let body = card_payment(cx, mid, card, true, &amount, &currency, &rid);
    let reply = match cx.api.post("/v1/payments/card", &body).await {
        Ok(r) => r,
        Err(e) => return v.error(format!("3DS payment: {e}")),
    };
    let Some(id) = reply.transaction_id() else {
        return v.error(format!("the 3DS payment answered no transactionId: {}", shorten(&reply.text)));
    };
    v.measure("transactionId", id.clone());
    let first = status_of(&reply.body).map(|s| s.status).unwrap_or_default();
    v.measure("initialStatus", first.clone());
    let mut path = vec![first.clone()];
    match first.as_str() {
        "CUSTOMER_VERIFICATION" => {
            let url = ["challengeUrl", "challengeUrlIframe"]
                .iter()
                .find_map(|k| reply.body.get(*k).and_then(Value::as_str).filter(|u| !u.is_empty()))
                .map(str::to_string);
            let Some(url) = url else {
                return v.fail(
                    "the 3DS payment is CUSTOMER_VERIFICATION without a challengeUrl (API.md §15.5: the documented \
                     cause is incomplete device data)",
                );
            };
            v.measure("challengeUrl", url.clone());
            match challenge::complete(&cx.api, &url, &cx.listener.success_url(), &cx.listener.failure_url()).await {
                Ok(Ending::Success { steps }) => {
                    v.measure("challenge", "completed");
                    v.measure("challengeSteps", steps);
                    path.push("challenge completed".into());
                }
                Ok(Ending::Failure { .. }) => {
                    v.measure("challenge", "failed");
                    return v.fail(format!(
                        "the 3DS challenge at {url} ended on the failure redirect URL although golive chose its passing option"
                    ));
                }
                Ok(Ending::Manual(why)) => {
                    v.measure("challenge", "manual");
                    return v.manual(format!("complete the 3DS challenge by hand: open {url} ({why})"));
                }
                Err(e) => return v.error(format!("3DS challenge: {e}")),
            }
        }
        "SUCCEED" => v.warn(format!(
            "the 3DS test card {} was approved without a challenge (frictionless); set [sandbox.cards] three_ds to a \
             card that this sandbox challenges",
            mask_pans(card)
        )),
        "FAILED" => {
            return v.fail(format!(
                "the 3DS test payment was declined at once (declineCode {})",
                status_of(&reply.body).and_then(|s| s.decline_code).map_or_else(|| "none".into(), |c| c.to_string())
            ));
        }
        _ => {}
    }
    let s = settle(cx, Tx::Card, &id, for_transaction(&id)).await;
    v.settlement("3DS payment", &id, &s);
    let Some(fin) = s.status() else {
        return v.error(format!("the 3DS payment {id} reached no final status (no callback, and polling gave none)"));
    };
    path.push(fin.status.clone());
    v.measure("finalStatus", fin.status.clone());
    if fin.status != "SUCCEED" {
        return v.fail(format!("the 3DS payment {id} ended {} instead of SUCCEED ({})", fin.status, path.join(" → ")));
    }
    agree(cx, v, &s, &id, &rid, &amount, &currency).await;
    if !v.broken() {
        v.note(format!("3DS payment {id}: {}; status and info agree", path.join(" → ")));
        cx.shared().card_payment = Some(Payment { transaction_id: id, request_id: rid, amount, currency });
    }
}

/// Callback, status and info must tell the same story.
async fn agree(cx: &FlowCtx, v: &mut Verdicts, s: &Settlement, id: &str, rid: &str, amount: &str, currency: &str) {
    let fin = s.status().map(|f| f.status).unwrap_or_default();
    if let (Some(cb), Some(polled)) = (&s.callback, &s.polled)
        && cb.status() != Some(polled.status.as_str())
    {
        v.fail(format!(
            "the callback says {} while the status endpoint says {}",
            cb.status().unwrap_or("?"),
            polled.status
        ));
    }
    match get_first(&cx.api, &Tx::Card.info_paths(id)).await {
        Ok(info) => {
            for d in info_disagreements(&info.body, id, rid, &fin, amount, currency) {
                v.fail(d);
            }
        }
        Err(e) => v.error(format!("info: {e}")),
    }
}

async fn decline(cx: &FlowCtx, mid: &str, v: &mut Verdicts) {
    let currency = cx.currency();
    let amount = amount_for(&currency);
    let rid = request_id();
    v.measure("declineRequestId", rid.clone());
    let body = card_payment(cx, mid, &cx.settings.cards.decline, false, &amount, &currency, &rid);
    let reply = match cx.api.post("/v1/payments/card", &body).await {
        Ok(r) => r,
        Err(e) => return v.error(format!("decline payment: {e}")),
    };
    let Some(id) = reply.transaction_id() else {
        return v.error(format!("the decline payment answered no transactionId: {}", shorten(&reply.text)));
    };
    v.measure("declineTransactionId", id.clone());
    let sync = status_of(&reply.body);
    let s = settle(cx, Tx::Card, &id, for_transaction(&id)).await;
    v.settlement("decline", &id, &s);
    let fin = s.status().or(sync.clone());
    let code = [sync.and_then(|x| x.decline_code), s.polled.as_ref().and_then(|p| p.decline_code)]
        .into_iter()
        .flatten()
        .next()
        .or_else(|| s.callback.as_ref()?.field("declineCode")?.parse().ok());
    match fin {
        Some(f) if f.status == "FAILED" => match code {
            Some(c) => {
                v.measure("declineCode", c);
                v.note(format!("decline card payment {id}: FAILED with declineCode {c}"));
            }
            None => v.fail(format!("the decline card payment {id} ended FAILED without a declineCode")),
        },
        Some(f) => v.fail(format!(
            "the decline test card {} ended {} instead of FAILED; set [sandbox.cards] decline to a card this sandbox declines",
            mask_pans(&cx.settings.cards.decline),
            f.status
        )),
        None => v.error(format!("the decline payment {id} reached no final status")),
    }
}
