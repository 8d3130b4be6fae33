//! `sandbox-apm-flow`: an APM payment for each `[sandbox] apm_types` entry completes with its
//! callback, whose query carries `paymentMethod=apm&apmType=<type>` (API.md §7, §10.1).
//!
//! Every request carries the HMAC `checksum` of `accountId|amount|currency|requestId` with the
//! amount exactly as sent (variant B); if the sandbox rejects it as a checksum problem, golive
//! retries once, as a new request, with the legacy minor-unit amount (variant A) and reports which
//! one the sandbox accepts. A `REDIRECTION` answer is completed like the 3DS challenge page.

use serde_json::{Value, json};

use super::{
    FlowCtx, FlowFuture, Tx, Verdicts, amount_for, billing, for_transaction, is_final, request_id, settle, status_of,
};
use crate::checklist::Rule;
use crate::probe::Outcome;
use crate::probe::sandbox::api::ApiError;
use crate::probe::sandbox::challenge::{self, Ending};
use crate::probe::sandbox::checksum;
use crate::probe::sandbox::wire::shorten;

/// Runs the flow.
pub fn run<'a>(cx: &'a FlowCtx, rule: &'a Rule) -> FlowFuture<'a> {
    Box::pin(apm(cx, &rule.id))
}

async fn apm(cx: &FlowCtx, rule: &str) -> Outcome {
    let account = match cx.account_id(rule) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let mut v = Verdicts::new(rule);
    if cx.settings.apm_types.is_empty() {
        return Outcome::skip(rule, "no APM types configured ([sandbox] apm_types is empty)");
    }
    let mut records = Vec::new();
    for apm_type in &cx.settings.apm_types {
        records.push(one(cx, &account, apm_type, &mut v).await);
    }
    if let Some(first) = records.first() {
        for key in ["transactionId", "requestId"] {
            if let Some(x) = first.get(key) {
                v.measure(key, x.clone());
            }
        }
    }
    v.measure("apm", Value::Array(records));
    v.finish()
}

/// The `paymentType` that goes with a `paymentMethod` (API.md §7.3).
fn payment_type(method: &str) -> &'static str {
    let m = method.to_ascii_uppercase();
    if m.contains("BANK_TRANSFER") || matches!(m.as_str(), "PIX" | "IDEAL" | "SEPA" | "EXTERNAL_HPP_EFT") {
        "BANK_TRANSFER"
    } else if m.contains("MOBILE_WALLET") {
        "MOBILE_WALLET"
    } else if m.contains("VOUCHER") {
        "VOUCHER"
    } else if m.contains("CARRIER_BILLING") {
        "CARRIER_BILLING"
    } else if m.contains("BNPL") {
        "BNPL"
    } else {
        "E_WALLET"
    }
}

fn currency_for(cx: &FlowCtx, apm_type: &str) -> String {
    // PIX is a Brazilian method; the APM Quick Start pays it in BRL.
    if apm_type.to_ascii_uppercase().starts_with("PIX") { "BRL".into() } else { cx.currency() }
}

async fn one(cx: &FlowCtx, account: &str, apm_type: &str, v: &mut Verdicts) -> Value {
    let currency = currency_for(cx, apm_type);
    let amount = amount_for(&currency);
    let mut record = json!({ "apmType": apm_type, "currency": currency });
    let what = format!("{apm_type} payment");
    let mut rid = request_id();
    let referer = [("referer", format!("http://{}/", cx.listener.local_addr()))];
    let mut variant = "B (amount as sent)";
    let mut reply = cx
        .api
        .post_first(&["/v1/payments/apm"], &body(cx, account, apm_type, &amount, &currency, &rid, false), &referer)
        .await;
    if let Err(ApiError::Http { status: 400 | 401 | 403 | 422, detail, .. }) = &reply
        && ["checksum", "signature", "hmac"].iter().any(|w| detail.to_ascii_lowercase().contains(w))
    {
        tracing::debug!(%apm_type, "checksum refused; retrying with minor units (variant A)");
        rid = request_id();
        variant = "A (minor units)";
        reply = cx
            .api
            .post_first(&["/v1/payments/apm"], &body(cx, account, apm_type, &amount, &currency, &rid, true), &referer)
            .await;
    }
    record["requestId"] = json!(rid);
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            v.error(format!("{what}: {e}"));
            return record;
        }
    };
    record["requestChecksum"] = json!(variant);
    let Some(id) = reply.transaction_id() else {
        v.error(format!("{what} answered no transactionId: {}", shorten(&reply.text)));
        return record;
    };
    record["transactionId"] = json!(id);
    let first = status_of(&reply.body).map(|s| s.status).unwrap_or_default();
    let data = reply.body.get("apmResponseData").cloned().unwrap_or(Value::Null);
    let action = data.get("actionType").and_then(Value::as_str).unwrap_or("NONE").to_string();
    record["initialStatus"] = json!(first);
    record["actionType"] = json!(action);
    let redirect = ["redirectUrl", "iframeUrl"].iter().find_map(|k| data.get(*k)?.as_str().filter(|u| !u.is_empty()));
    if first == "FAILED" {
        v.fail(format!("{what} {id} was declined at once"));
        return record;
    }
    if let Some(url) = redirect.filter(|_| !is_final(&first)) {
        match challenge::complete(&cx.api, url, &cx.listener.success_url(), &cx.listener.failure_url()).await {
            Ok(Ending::Success { steps }) => record["redirect"] = json!(format!("completed in {steps} steps")),
            Ok(Ending::Failure { .. }) => {
                v.fail(format!("{what} {id}: the payment page at {url} ended on the failure redirect URL"));
                return record;
            }
            Ok(Ending::Manual(why)) => {
                record["redirect"] = json!("manual");
                v.manual(format!("complete the {apm_type} payment page by hand: open {url} ({why})"));
                return record;
            }
            Err(e) => {
                v.error(format!("{what} page: {e}"));
                return record;
            }
        }
    }
    let s = settle(cx, Tx::Apm, &id, for_transaction(&id)).await;
    v.settlement(&what, &id, &s);
    if let Some(cb) = &s.callback {
        let q_method = cb.query.get("paymentMethod").map(String::as_str);
        let q_type = cb.query.get("apmType").map(String::as_str);
        record["callbackQuery"] = json!(cb.query);
        match q_type {
            Some(t) if t == apm_type && q_method == Some("apm") => {}
            Some(t) if t != apm_type => v.fail(format!("{what} {id}: the callback's apmType is {t}, not {apm_type}")),
            _ => {
                v.warn(format!(
                    "{what} {id}: the callback URL lacks the documented `?paymentMethod=apm&apmType={apm_type}` query"
                ));
                v.finding(&id, "callback query lacks paymentMethod=apm&apmType");
            }
        }
    }
    match s.status() {
        Some(st) if st.status == "SUCCEED" => {
            record["finalStatus"] = json!("SUCCEED");
            v.note(format!("{what} {id} ({amount} {currency}, {action}): SUCCEED"));
        }
        Some(st) if is_final(&st.status) => {
            record["finalStatus"] = json!(st.status);
            v.fail(format!("{what} {id} ended {}", st.status));
        }
        Some(st) if action == "QR" && redirect.is_none() => v.manual(format!(
            "{what} {id} is still {}: a QR payment completes when a customer scans the code with the provider's test \
             app",
            st.status
        )),
        Some(st) => v.error(format!("{what} {id} is still {} after polling", st.status)),
        None => v.error(format!("{what} {id} reached no final status")),
    }
    record
}

fn body(cx: &FlowCtx, account: &str, apm_type: &str, amount: &str, currency: &str, rid: &str, minor: bool) -> Value {
    let key = cx.api.signing_key();
    let sum = if minor {
        checksum::apm_request_minor(key, account, amount, currency, rid)
    } else {
        checksum::apm_request(key, account, amount, currency, rid)
    };
    let mut payload = json!({ "paymentMethod": apm_type, "paymentType": payment_type(apm_type) });
    if apm_type.eq_ignore_ascii_case("PIX") {
        payload["documentId"] = json!("12345678901");
    }
    json!({
        "requestId": rid,
        "accountId": account,
        "apmPayload": payload,
        "amount": amount,
        "currency": currency,
        "callbackUrl": cx.listener.callback_url(),
        "successRedirectUrl": cx.listener.success_url(),
        "failureRedirectUrl": cx.listener.failure_url(),
        "billingDetails": billing(),
        "device": { "ip": "203.0.113.10" },
        "order": { "orderId": rid, "title": "golive sandbox check" },
        "metadata": { "source": "golive" },
        "checksum": sum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_types() {
        assert_eq!(payment_type("PIX"), "BANK_TRANSFER");
        assert_eq!(payment_type("UPI_QR"), "E_WALLET");
        assert_eq!(payment_type("SMART_MOBILE_WALLET"), "MOBILE_WALLET");
        assert_eq!(payment_type("SMART_BANK_TRANSFER"), "BANK_TRANSFER");
    }
}
