//! `sandbox-currencies`: a card payment with the approve test card succeeds in every currency of
//! `[sandbox] currencies`, the currencies the merchant means to sell in (Integration Checklist:
//! "All supported currencies tested"). Amounts follow each currency's minor unit (`10.00`, `1000`
//! for JPY), since Exirom rounds anything past two decimals (API.md §3).

use serde_json::{Value, json};

use super::{FlowCtx, FlowFuture, Verdicts, approved_payment};
use crate::checklist::Rule;
use crate::probe::Outcome;

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(currencies(cx, &rule.id))
}

async fn currencies(cx: &FlowCtx, rule: &str) -> Outcome {
    let mid = match cx.mid(rule) {
        Ok(m) => m,
        Err(o) => return o,
    };
    if cx.settings.currencies.is_empty() {
        return Outcome::skip(rule, "no currencies configured ([sandbox] currencies is empty)");
    }
    let mut v = Verdicts::new(rule);
    let mut ok = Vec::new();
    let mut per = serde_json::Map::new();
    for currency in &cx.settings.currencies {
        match approved_payment(cx, &mid, currency, &format!("{currency} payment"), &mut v).await {
            Some(p) => {
                per.insert(
                    currency.clone(),
                    json!({ "transactionId": p.transaction_id, "requestId": p.request_id, "amount": p.amount, "status": "SUCCEED" }),
                );
                if ok.is_empty() {
                    v.measure("transactionId", p.transaction_id.clone());
                    v.measure("requestId", p.request_id.clone());
                }
                ok.push(currency.clone());
            }
            None => {
                per.insert(currency.clone(), json!({ "status": "not succeeded" }));
            }
        }
    }
    v.measure("currencies", Value::Object(per));
    if ok.len() == cx.settings.currencies.len() {
        v.note(format!("a card payment succeeded in every configured currency: {}", ok.join(", ")));
    }
    v.finish()
}
