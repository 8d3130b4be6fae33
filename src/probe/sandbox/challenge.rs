//! Completing a 3-D Secure challenge (or an APM redirect page) the way a customer's browser would:
//! fetch the page, submit its form with the values the page pre-fills and the "pass" choice, and
//! follow redirects until the success or failure redirect URL (API.md §4.4 steps 2–4).
//!
//! Where the page cannot be automated (no form, only a failing choice, a code only a person can
//! enter, JavaScript-only navigation) the caller reports `manual` with the challenge URL.

use std::collections::BTreeMap;

use reqwest::Method;
use reqwest::Url;

use super::api::{Api, ApiError};
use super::html::{self, Control, ControlKind, Form};

/// Most page loads and form submissions before giving up.
const MAX_STEPS: u32 = 10;

/// How a challenge ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Reached the success redirect URL.
    Success {
        /// Page loads and submissions made.
        steps: u32,
    },
    /// Reached the failure redirect URL.
    Failure {
        /// Page loads and submissions made.
        steps: u32,
    },
    /// A person has to complete it; why.
    Manual(String),
}

/// A form submission golive decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// `GET` or `POST`.
    pub method: Method,
    /// Absolute URL (with the query for `GET`).
    pub url: String,
    /// Form fields (`POST` only).
    pub fields: Vec<(String, String)>,
    /// What was chosen, for the report.
    pub choice: String,
}

/// Drives the pages from `start` until one of the redirect URLs is reached.
///
/// # Errors
/// Timeouts and network errors (after the client's retries).
pub async fn complete(api: &Api, start: &str, success: &str, failure: &str) -> Result<Ending, ApiError> {
    let mut next =
        Submission { method: Method::GET, url: start.to_string(), fields: Vec::new(), choice: String::new() };
    let mut cookies: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut submitted: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for step in 1..=MAX_STEPS {
        if reached(&next.url, success) {
            return Ok(Ending::Success { steps: step - 1 });
        }
        if reached(&next.url, failure) {
            return Ok(Ending::Failure { steps: step - 1 });
        }
        let host = Url::parse(&next.url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        let cookie =
            cookies.get(&host).map(|jar| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "));
        let form = (next.method == Method::POST).then_some(next.fields.as_slice());
        let reply = api.page(next.method.clone(), &next.url, form, cookie.as_deref().filter(|c| !c.is_empty())).await?;
        for c in &reply.cookies {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                cookies.entry(host.clone()).or_default().insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        let here = next.url.clone();
        if (300..400).contains(&reply.status) {
            let Some(location) = reply.location.as_deref() else {
                return Ok(Ending::Manual(format!("{here} redirected (HTTP {}) without a Location", reply.status)));
            };
            next = Submission {
                method: Method::GET,
                url: resolve(&here, location),
                fields: Vec::new(),
                choice: String::new(),
            };
            continue;
        }
        if !(200..300).contains(&reply.status) {
            return Ok(Ending::Manual(format!("{here} answered HTTP {}", reply.status)));
        }
        if !submitted.is_empty() {
            // A result page that sends the customer on by a link or script rather than a redirect.
            match (reply.text.contains(success), reply.text.contains(failure)) {
                (true, false) => return Ok(Ending::Success { steps: step }),
                (false, true) => return Ok(Ending::Failure { steps: step }),
                _ => {}
            }
        }
        if let Some(target) = html::meta_refresh(&reply.text) {
            next = Submission {
                method: Method::GET,
                url: resolve(&here, &target),
                fields: Vec::new(),
                choice: String::new(),
            };
            continue;
        }
        let sub = match plan(&here, &reply.text) {
            Ok(s) => s,
            Err(why) => return Ok(Ending::Manual(format!("{why} at {here}"))),
        };
        let key = (sub.url.clone(), sub.fields.clone());
        if submitted.contains(&key) {
            return Ok(Ending::Manual(format!(
                "{here} shows the same form again after it was submitted (it needs input only a person can give)"
            )));
        }
        submitted.push(key);
        tracing::debug!(url = %sub.url, choice = %sub.choice, "submitting the challenge form");
        next = sub;
    }
    Ok(Ending::Manual(format!("the redirect URL was not reached within {MAX_STEPS} page loads")))
}

/// Whether `url` is `target` (ignoring its query and fragment, or a deeper path).
pub fn reached(url: &str, target: &str) -> bool {
    let base = url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/');
    let target = target.split(['?', '#']).next().unwrap_or(target).trim_end_matches('/');
    !target.is_empty() && (base == target || base.starts_with(&format!("{target}/")))
}

fn resolve(base: &str, reference: &str) -> String {
    Url::parse(base).and_then(|b| b.join(reference)).map_or_else(|_| reference.to_string(), |u| u.to_string())
}

/// Words that mark the choice that passes the challenge, and the one that fails it.
const PASS_WORDS: &[&str] = &[
    "pass",
    "success",
    "succeed",
    "approve",
    "authenticat",
    "authoriz",
    "complete",
    "confirm",
    "verify",
    "submit",
    "continue",
    "accept",
    "allow",
    "proceed",
];
const FAIL_WORDS: &[&str] =
    &["fail", "declin", "reject", "cancel", "deny", "abort", "error", "refuse", "unsuccess", "not ", "no-", "wrong"];

/// How strongly a text says "pass" (positive) or "fail" (negative).
fn score(text: &str) -> i32 {
    let t = format!(" {} ", text.to_lowercase());
    let count = |words: &[&str]| i32::try_from(words.iter().filter(|w| t.contains(**w)).count()).unwrap_or(i32::MAX);
    count(PASS_WORDS) - 3 * count(FAIL_WORDS)
}

/// Decides which form to submit, with which submitter and values. `Err` says why the page is not
/// automatable.
pub fn plan(page_url: &str, page: &str) -> Result<Submission, String> {
    let forms = html::forms(page);
    if forms.is_empty() {
        return follow_link(page_url, page);
    }
    // Candidates: (score, form index, submitter index); a form without a submit control is
    // submitted as such (auto-submit pages carrying hidden 3DS fields).
    let mut best: Option<(i32, usize, Option<usize>)> = None;
    for (fi, f) in forms.iter().enumerate() {
        let form_score = score(&format!("{} {}", f.action.as_deref().unwrap_or_default(), f.label));
        let submits: Vec<usize> =
            f.controls.iter().enumerate().filter(|(_, c)| c.kind == ControlKind::Submit).map(|(i, _)| i).collect();
        let candidates: Vec<(i32, Option<usize>)> = if submits.is_empty() {
            vec![(form_score + choice_score(f), None)]
        } else {
            submits.iter().map(|&i| (form_score + score(&f.controls[i].label), Some(i))).collect()
        };
        for (s, si) in candidates {
            if best.is_none_or(|(b, _, _)| s > b) {
                best = Some((s, fi, si));
            }
        }
    }
    let Some((s, fi, si)) = best else { return Err("the page has no form".into()) };
    if s < 0 {
        return Err("the page offers only a failing choice".into());
    }
    let form = &forms[fi];
    if let Some(c) =
        form.controls.iter().find(|c| c.kind == ControlKind::Field && c.value.is_empty() && c.name.is_some())
    {
        let label = c.label.to_lowercase();
        if ["otp", "code", "password", "pin"].iter().any(|w| label.contains(w)) {
            return Err(format!(
                "the form asks for `{}`, which the page does not pre-fill",
                c.name.as_deref().unwrap_or("")
            ));
        }
    }
    let mut fields = values(form);
    let mut choice = form.action.clone().unwrap_or_default();
    if let Some(i) = si {
        let c = &form.controls[i];
        choice.clone_from(&c.label);
        if let Some(n) = &c.name {
            fields.push((n.clone(), c.value.clone()));
        }
    }
    let action = form.action.as_deref().filter(|a| !a.trim().is_empty()).unwrap_or(page_url);
    let mut url = resolve(page_url, action.trim());
    let method = if form.method == "POST" { Method::POST } else { Method::GET };
    if method == Method::GET {
        if let Ok(mut u) = Url::parse(&url) {
            u.set_query(None);
            if !fields.is_empty() {
                u.query_pairs_mut().extend_pairs(fields.iter());
            }
            url = u.to_string();
        }
        fields.clear();
    }
    Ok(Submission { method, url, fields, choice })
}

/// A page without a form may offer its choices as links ("Pass" / "Fail"): follow the one that
/// clearly passes.
fn follow_link(page_url: &str, page: &str) -> Result<Submission, String> {
    let best = html::links(page)
        .into_iter()
        .map(|(href, text)| (score(&format!("{href} {text}")), href, text))
        .filter(|(s, _, _)| *s > 0)
        .max_by_key(|(s, _, _)| *s);
    match best {
        Some((_, href, text)) => {
            Ok(Submission { method: Method::GET, url: resolve(page_url, &href), fields: Vec::new(), choice: text })
        }
        None => Err("the page has no form (it may need JavaScript or a person)".into()),
    }
}

/// A form's score from its radio and select choices (for forms without submit buttons).
fn choice_score(f: &Form) -> i32 {
    score(&f.text).max(0)
}

/// The values a browser submits, with each radio group and select set to its "pass" choice.
fn values(form: &Form) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut radios: BTreeMap<&str, Vec<&Control>> = BTreeMap::new();
    for c in &form.controls {
        let Some(name) = c.name.as_deref() else { continue };
        match &c.kind {
            ControlKind::Field => out.push((name.to_string(), c.value.clone())),
            ControlKind::Checkbox if c.checked => out.push((name.to_string(), c.value.clone())),
            ControlKind::Radio => radios.entry(name).or_default().push(c),
            ControlKind::Select(options) => {
                let pick = options
                    .iter()
                    .map(|(v, l, sel)| (score(&format!("{v} {l}")), *sel, v))
                    .max_by_key(|(s, sel, _)| (*s > 0, *s, *sel))
                    .map(|(_, _, v)| v.clone());
                if let Some(v) = pick {
                    out.push((name.to_string(), v));
                }
            }
            ControlKind::Checkbox | ControlKind::Submit => {}
        }
    }
    for (name, group) in radios {
        let pick = group.iter().max_by_key(|c| {
            let s = score(&c.label);
            (s > 0, s, c.checked)
        });
        if let Some(c) = pick {
            out.push((name.to_string(), c.value.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://acs.example/challenge/tx1";

    #[test]
    fn picks_the_pass_button_with_prefilled_values() {
        let html = r#"<form method="post" action="/challenge/tx1/submit">
            <input type="hidden" name="session" value="s-1">
            <button name="result" value="fail">Fail</button>
            <button name="result" value="pass">Pass</button></form>"#;
        let s = plan(PAGE, html).unwrap();
        assert_eq!(s.method, Method::POST);
        assert_eq!(s.url, "https://acs.example/challenge/tx1/submit");
        assert_eq!(s.fields, [("session".to_string(), "s-1".to_string()), ("result".to_string(), "pass".to_string())]);
    }

    #[test]
    fn picks_the_pass_form_among_two() {
        let html = "<form action='fail' method=post><input type=submit value='Decline'></form>\
                    <form action='approve' method=post><input type=hidden name=t value=1><input type=submit value='Submit'></form>";
        let s = plan(PAGE, html).unwrap();
        assert_eq!(s.url, "https://acs.example/challenge/approve");
        assert_eq!(s.fields, [("t".to_string(), "1".to_string())]);
    }

    #[test]
    fn radio_and_select_choose_pass_and_get_goes_in_the_query() {
        let html = r#"<form action="/done"><input type=radio name=outcome value=fail checked>
            <input type=radio name=outcome value=success><select name=s><option>deny</option><option>approve</option></select>
            <input type=submit></form>"#;
        let s = plan(PAGE, html).unwrap();
        assert_eq!(s.method, Method::GET);
        assert_eq!(s.url, "https://acs.example/done?s=approve&outcome=success");
    }

    #[test]
    fn auto_submit_form_without_buttons() {
        let html = r#"<body onload="document.forms[0].submit()"><form action="https://shop.example/return" method="POST">
            <input type="hidden" name="PaRes" value="eJzt"></form></body>"#;
        let s = plan(PAGE, html).unwrap();
        assert_eq!(s.fields, [("PaRes".to_string(), "eJzt".to_string())]);
    }

    #[test]
    fn links_stand_in_for_a_form() {
        let s = plan(PAGE, "<p>Mock ACS</p><a href='/acs/fail'>Fail</a> <a href='/acs/pass?t=1'>Pass</a>").unwrap();
        assert_eq!((s.method, s.url.as_str()), (Method::GET, "https://acs.example/acs/pass?t=1"));
        assert!(plan(PAGE, "<a href='/help'>Help</a>").is_err());
    }

    #[test]
    fn not_automatable_pages_say_why() {
        assert!(plan(PAGE, "<p>Open the app to approve</p><script>go()</script>").unwrap_err().contains("no form"));
        assert!(plan(PAGE, "<form><button>Cancel payment</button></form>").unwrap_err().contains("failing"));
        assert!(plan(PAGE, "<form><input name=otp><button>Submit</button></form>").unwrap_err().contains("otp"));
    }

    /// A mock ACS: the challenge page sets a cookie and posts to `/acs/submit`, which needs the
    /// cookie, then answers `303` to `/acs/done`, whose page links on to the merchant.
    async fn acs(done_page: &'static str) -> String {
        use axum::http::HeaderMap;
        use axum::response::{Html, IntoResponse, Redirect};
        use axum::routing::{get, post};
        crate::install_crypto_provider();
        let app = axum::Router::new()
            .route(
                "/acs/challenge",
                get(|| async {
                    (
                        [("set-cookie", "acs=1; Path=/; HttpOnly")],
                        Html(
                            "<form action=submit method=POST><input type=hidden name=tx value='t 1'>\
                             <button name=r value=cancel>Cancel</button><button name=r value=ok>Authenticate</button></form>",
                        ),
                    )
                }),
            )
            .route(
                "/acs/submit",
                post(|h: HeaderMap, body: String| async move {
                    let cookie = h.get("cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    if cookie == "acs=1" && body == "tx=t+1&r=ok" {
                        Redirect::to("/acs/done").into_response()
                    } else {
                        (axum::http::StatusCode::BAD_REQUEST, format!("{cookie} {body}")).into_response()
                    }
                }),
            )
            .route("/acs/done", get(move || async move { Html(done_page) }));
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(tcp, app).await });
        format!("http://{addr}/acs/challenge")
    }

    fn client() -> Api {
        use crate::secret::{Credentials, Secret};
        let creds = Credentials { key: Secret::new(String::new()), secret: Secret::new(String::new()) };
        let opts = super::super::api::ApiOptions::new("http://127.0.0.1:9/api", std::time::Duration::from_secs(5));
        Api::new(opts, creds).unwrap()
    }

    #[tokio::test]
    async fn completes_a_challenge_through_cookies_redirects_and_a_result_link() {
        let start = acs(r#"<p>Done.</p><a href="http://127.0.0.1:1/return/success?tx=1">Back to the shop</a>"#).await;
        let ending =
            complete(&client(), &start, "http://127.0.0.1:1/return/success", "http://127.0.0.1:1/return/failure")
                .await
                .unwrap();
        assert_eq!(ending, Ending::Success { steps: 3 });
    }

    #[tokio::test]
    async fn a_dead_end_page_is_manual() {
        let start = acs("<p>Open your banking app to approve.</p>").await;
        let ending =
            complete(&client(), &start, "http://127.0.0.1:1/return/success", "http://127.0.0.1:1/return/failure")
                .await
                .unwrap();
        assert!(
            matches!(&ending, Ending::Manual(why) if why.contains("no form") && why.contains("/acs/done")),
            "{ending:?}"
        );
    }

    #[test]
    fn reached_ignores_query() {
        assert!(reached("http://127.0.0.1:9/return/success?tx=1", "http://127.0.0.1:9/return/success"));
        assert!(!reached("http://127.0.0.1:9/return/successful", "http://127.0.0.1:9/return/success"));
        assert!(!reached("http://127.0.0.1:9/return/failure", "http://127.0.0.1:9/return/success"));
    }
}
