//! The customer-facing pages: the mock 3-D Secure challenge (`challengeUrl`, `/sim/3ds/{id}`) and
//! the APM provider page (`apmResponseData.redirectUrl`, `/sim/apm/{id}`). The docs do not say how
//! the sandbox's mock challenge works (API.md §4.4, §15.1), so this one is built to be both usable
//! in a browser and automatable:
//!
//! * `GET` shows a small HTML form: hidden `challengeId`, an `otp` field pre-filled with
//!   [`PASSING_OTP`], and two submit buttons `result=pass` / `result=fail`.
//! * `POST` (form-encoded) decides: `result=pass|fail` when sent, else the OTP (the pre-filled one
//!   passes, any other fails). So a client that submits the form with its pre-filled values passes.
//! * The transaction gets its final status (`SUCCEED`, or `FAILED` with decline code 3 for 3DS /
//!   11 for APM), the callback is sent, and the answer is `302 Found` to `successRedirectUrl` or
//!   `failureRedirectUrl` (an HTML result page when the request gave none). Submitting again only
//!   repeats the redirect.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::callbacks;
use super::model::{DECLINE_PROCESSOR_DENIED, DECLINE_THREE_DS, Kind, Status, Tx};
use super::state::Sim;

/// The one-time password the page pre-fills; it passes the challenge.
pub(crate) const PASSING_OTP: &str = "123456";

/// `GET /sim/3ds/{id}` and `GET /sim/apm/{id}`.
pub(crate) async fn page(
    State(sim): State<Sim>,
    Path(cid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let store = sim.store();
    let Some(tx) = store.challenges.get(&cid).and_then(|id| store.txs.get(id)) else {
        return not_found();
    };
    let iframe = q.contains_key("iframe");
    let (title, intro) = if tx.kind == Kind::CardPayment {
        ("3-D Secure verification", "Your bank asks you to confirm this card payment.")
    } else {
        ("Confirm payment", "Confirm this payment with your payment provider.")
    };
    let section = if tx.kind == Kind::CardPayment { "3ds" } else { "apm" };
    let details = format!(
        "<dl><dt>Merchant</dt><dd>{}</dd><dt>Amount</dt><dd>{} {}</dd><dt>Transaction</dt><dd>{}</dd>{}</dl>",
        escape(tx.merchant.id()),
        escape(&tx.money.decimal()),
        escape(&tx.money.currency),
        escape(&tx.id),
        tx.card
            .as_ref()
            .map(|c| format!("<dt>Card</dt><dd>{}</dd>", escape(&c.mask)))
            .or_else(|| tx.apm.as_ref().map(|a| format!("<dt>Method</dt><dd>{}</dd>", escape(&a.apm_type))))
            .unwrap_or_default(),
    );
    let body = if tx.status == Status::CustomerVerification {
        format!(
            r#"<p>{intro}</p>{details}
<form method="post" action="{action}">
  <input type="hidden" name="challengeId" value="{cid}">
  <label for="otp">One-time password</label>
  <input id="otp" name="otp" value="{PASSING_OTP}" autocomplete="one-time-code">
  <p class="hint">The pre-filled code passes; any other code fails.</p>
  <button type="submit" name="result" value="pass">Pass</button>
  <button type="submit" name="result" value="fail" class="fail">Fail</button>
</form>"#,
            cid = escape(&cid),
            action = escape(&sim.page_url(section, &cid)),
        )
    } else {
        format!("{details}<p>This payment is already <strong>{}</strong>.</p>", tx.status.as_str())
    };
    html(StatusCode::OK, title, &body, iframe)
}

/// `POST /sim/3ds/{id}` and `POST /sim/apm/{id}`.
pub(crate) async fn submit(
    State(sim): State<Sim>,
    Path(cid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut store = sim.store();
    let Some(id) = store.challenges.get(&cid).cloned() else {
        return not_found();
    };
    let Some(tx) = store.txs.get_mut(&id) else {
        return not_found();
    };
    if tx.status == Status::CustomerVerification {
        let pass = match form.get("result").map(String::as_str) {
            Some("pass") => true,
            Some("fail") => false,
            _ => form.get("otp").is_some_and(|o| o.trim() == PASSING_OTP),
        };
        if pass {
            tx.set_status(Status::Succeed, None);
        } else if tx.kind == Kind::CardPayment {
            tx.set_status(Status::Failed, Some(DECLINE_THREE_DS));
        } else {
            tx.decline_sub_reason = Some("CUSTOMER_DECLINED".to_string());
            tx.set_status(Status::Failed, Some(DECLINE_PROCESSOR_DENIED));
        }
        callbacks::on_status_change(&sim, tx);
    }
    finish(tx)
}

/// Redirects to the URL for the final status, or shows the result.
fn finish(tx: &Tx) -> Response {
    let target = if tx.status == Status::Succeed { &tx.success_url } else { &tx.failure_url };
    match target {
        Some(url) => (StatusCode::FOUND, [(header::LOCATION, url.clone())]).into_response(),
        None => html(
            StatusCode::OK,
            "Payment result",
            &format!(
                "<p>Transaction {} is <strong>{}</strong>. You can close this window.</p>",
                escape(&tx.id),
                tx.status.as_str()
            ),
            false,
        ),
    }
}

fn not_found() -> Response {
    html(StatusCode::NOT_FOUND, "Not found", "<p>No payment is waiting for this page.</p>", false)
}

fn html(status: StatusCode, title: &str, body: &str, iframe: bool) -> Response {
    let header =
        if iframe { String::new() } else { "<header>golive simulator &middot; Exirom sandbox</header>".into() };
    let page = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}}
header{{font-size:.8rem;color:#777;margin-bottom:1rem}}
dl{{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}} dt{{color:#777}} dd{{margin:0}}
input{{font-size:1.2rem;padding:.3rem;width:10rem;display:block;margin:.3rem 0}}
button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem;border:0;border-radius:.3rem;background:#1a7f37;color:#fff}}
button.fail{{background:#b42318}} .hint{{font-size:.8rem;color:#777}}
</style></head>
<body>{header}<h1>{title}</h1>
{body}
</body></html>
"#
    );
    (status, Html(page)).into_response()
}

/// HTML-escapes text from requests.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
