//! `decline-code-handling`: `declineCode` is read and acted on, and code 29 is handled on its own.
//!
//! Collected per code file of the integration (Exirom call sites, or a file reading
//! `declineCode`/`decline_code`/`DeclineCode`), outside comments and log calls:
//! * `read`: the field is read (`res.data.declineCode`, `body["declineCode"]`,
//!   `getDeclineCode()`, `$data['declineCode']`, a struct field `DeclineCode`);
//! * `branch`: code acts on it: a condition, `switch`/`match`/`case`/`when`, a lookup
//!   (`ACTIONS[declineCode]`, `.get(decline_code)`), a handler or classifier call
//!   (`handleDecline(code)`, `classify(declineCode)`), also through a variable it was copied to,
//!   or a table of at least three `case <code>` arms;
//! * `code29`: decline code 29 (merchant not active) singled out: `declineCode === 29`,
//!   `case 29`, `when 29`, `29: …` in a table, `MERCHANT_NOT_ACTIVE`.
//!
//! Judged: not read anywhere → warn at the payment calls and callback handlers; read but no branch,
//! or no code 29 → warn at the reads, saying which part is missing; otherwise pass.
//! See: API.md §13 (decline codes; 29 = merchant not active: contact support, never retry), §3
//! ("HTTP 200 does not mean success").

use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::{is_comment_line, log_calls};
use super::sites::has_ident;
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, places};

pub(super) const EVIDENCE: Evidence = Evidence {
    name: "decline-code-handling",
    keywords: &["declinecode", "decline_code", "merchant_not_active", "merchantnotactive"],
    collect,
    judge,
};

static FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)decline_?code").expect("a literal regex that is tested"));

static BRANCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)(?:if|elif|elsif|switch|case|match|when|unless|select)(?-u:\b)|\?\s*[^:?]+:|\.includes\s*\(|\.contains\s*\(",
        r"|(?-u:\b)in\s+[A-Za-z_(\[{]|\.has\s*\(|\[\s*[A-Za-z_$][\w.$>?-]*decline_?code\w*\s*\]|\.get\s*\(\s*[\w.$>-]*decline",
        r"|(?:handle|classif|categor|action|retry|strateg|map)\w*\s*\(\s*[\w.$>?-]*decline|retryable|should_?retry|is_?retry",
    ))
    .expect("a literal regex that is tested")
});

static CODE_29: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)decline_?code\W{0,24}(?:===?|==|(?-u:\b)is(?-u:\b)|(?-u:\b)eq(?-u:\b)|\.equals\s*\()\s*\(?\s*29(?-u:\b)",
        r"|(?-u:\b)code\s*(?:===?|==)\s*29(?-u:\b)|(?-u:\b)29\s*(?:===?|==)\s*[\w.$>-]*code",
        r"|(?-u:\b)(?:case|when)\s+(?:[0-9\s,|]*,\s*)?29(?-u:\b)|(?-u:\b)29\s*(?::|=>|->)\s*[\x22'\w{(:]",
        r"|(?:in|includes|contains)\s*\(?\s*[(\[{][^)\]}]*(?-u:\b)29(?-u:\b)|merchant[_ ]?not[_ ]?active",
    ))
    .expect("a literal regex that is tested")
});

static CASE_ARM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:case|when)\s+[0-9]{1,4}(?-u:\b)|^\s*[0-9]{1,4}\s*(?::|=>|->)\s*\S")
        .expect("a literal regex that is tested")
});

static COPY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:const|let|var|val|final|int|Integer|\$)?\s*\$?([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z?<>]+\s*)?:?=[^=]").expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    if !scope.is_code() {
        return;
    }
    let view = scope.view;
    if !FIELD.is_match(view.text) && !view.has_keyword("merchant_not_active") && !view.has_keyword("merchantnotactive")
    {
        return;
    }
    let lang = scope.lang();
    let logs: Vec<std::ops::Range<usize>> = log_calls(view).into_iter().map(|c| c.args).collect();
    let in_code =
        |offset: usize| !is_comment_line(view.line_at(offset), lang) && !logs.iter().any(|r| r.contains(&offset));
    let mut seen: Vec<usize> = Vec::new();
    let mut copies: Vec<String> = Vec::new();
    for m in FIELD.find_iter(view.text) {
        let n = view.line_of(m.start());
        if seen.contains(&n) || !in_code(m.start()) {
            continue;
        }
        seen.push(n);
        let line = view.line(n);
        out.push(scope.fact("read", m.start()));
        if BRANCH.is_match(line) {
            out.push(scope.fact("branch", m.start()));
        } else if let Some(c) = COPY.captures(line).and_then(|c| c.get(1))
            && (!FIELD.is_match(c.as_str()) || c.as_str().len() < 20)
        {
            copies.push(c.as_str().to_string());
        }
    }
    if seen.is_empty() && !view.has_keyword("merchant_not_active") && !view.has_keyword("merchantnotactive") {
        return;
    }
    let mut arms = Vec::new();
    for n in 0..view.line_count() {
        let line = view.line(n);
        let offset = view.line_range(n).start + (line.len() - line.trim_start().len());
        if !in_code(offset) {
            continue;
        }
        if !seen.contains(&n) && copies.iter().any(|c| has_ident(line, c)) && BRANCH.is_match(line) {
            out.push(scope.fact("branch", offset));
        }
        if CASE_ARM.is_match(line) {
            arms.push(offset);
        }
        if let Some(m) = CODE_29.find(line) {
            out.push(scope.fact("code29", view.line_range(n).start + m.start()));
        }
    }
    if arms.len() >= 3 {
        out.push(scope.fact("branch", arms[0]));
    }
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let sites = repo.code_sites(&[SiteKind::Payment, SiteKind::Poll, SiteKind::Callback]);
    let reads = repo.located("read", "reads declineCode");
    if sites.is_empty() && reads.is_empty() {
        return Judgement::Skip(
            "no payment requests, status polls or callback handlers in the repository, so no decline codes to handle"
                .into(),
        );
    }
    if reads.is_empty() {
        return Judgement::missing(
            format!(
                "declineCode is never read from payment results or callbacks ({}): a FAILED payment arrives with HTTP 200, and its declineCode says whether to retry, ask the customer or alert (code 29: merchant not active)",
                places(&sites)
            ),
            sites,
        );
    }
    let branches = repo.located("branch", "acts on the decline code");
    let code29 = repo.located("code29", "decline code 29");
    let mut missing = Vec::new();
    if branches.is_empty() {
        missing.push(
            "declineCode is read but never acted on (map codes to retry with backoff, ask the customer, or alert)",
        );
    }
    if code29.is_empty() {
        missing
            .push("decline code 29 (merchant not active) is not handled on its own (alert and stop; never retry it)");
    }
    if missing.is_empty() {
        let mut at: Vec<Located> = branches;
        at.extend(code29);
        return Judgement::found("declineCode is acted on and code 29 is handled distinctly", at);
    }
    Judgement::missing(format!("{} (declineCode read at {})", missing.join("; "), places(&reads)), reads)
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    const PAY: (&str, &str) = ("src/pay.ts", "export const pay = (b) => http.post('/v1/payments/card', b);\n");

    #[test]
    fn handling_in_every_language_passes() {
        for (path, src) in [
            (
                "src/declines.ts",
                "export function onResult(r: Result) {\n  if (r.declineCode === 29) return alertOps(r);\n  return ACTIONS[r.declineCode] ?? 'ask-customer';\n}\n",
            ),
            (
                "app/declines.py",
                "def on_result(r):\n    code = r[\"declineCode\"]\n    if code == 29:\n        page_oncall(r)\n    elif code in RETRYABLE:\n        retry_later(r)\n",
            ),
            (
                "src/Declines.java",
                "void onResult(Result r) {\n    switch (r.getDeclineCode()) {\n        case 29 -> alerts.critical(r);\n        case 5, 51 -> askCustomer(r);\n        default -> retry(r);\n    }\n}\n",
            ),
            (
                "declines.go",
                "func onResult(r Result) {\n\tswitch r.DeclineCode {\n\tcase 29:\n\t\talertOps(r)\n\tdefault:\n\t\tretry(r)\n\t}\n}\n",
            ),
            (
                "app/declines.rb",
                "def on_result(r)\n  case r[\"declineCode\"]\n  when 29 then Alerts.page(r)\n  else retry(r)\n  end\nend\n",
            ),
            (
                "lib/Declines.php",
                "function onResult(array $r) {\n    if ($r['declineCode'] === 29) { alertOps($r); return; }\n    return DECLINE_ACTIONS[$r['declineCode']] ?? 'ask';\n}\n",
            ),
            (
                "Declines.cs",
                "void OnResult(Result r)\n{\n    if (r.DeclineCode == DeclineCodes.MerchantNotActive) { _alerts.Page(r); return; }\n    if (Retryable.Contains(r.DeclineCode)) Retry(r);\n}\n",
            ),
        ] {
            let (status, msg, _) = run("decline-code-handling", &[PAY, (path, src)]);
            assert_eq!(status, Status::Pass, "{path}: {msg}");
        }
    }

    #[test]
    fn never_read_warns_at_the_calls() {
        let (status, msg, f) = run("decline-code-handling", &[PAY]);
        assert_eq!(status, Status::Fail);
        assert!(msg.contains("never read"), "{msg}");
        assert_eq!(f[0].path, "src/pay.ts");
    }

    #[test]
    fn only_stored_or_logged_warns() {
        let cb = "router.post('/callback', (req, res) => {\n  const { transactionId, transactionStatus, declineCode } = req.body;\n  logger.info('callback', { declineCode });\n  orders.update(transactionId, { status: transactionStatus, declineCode });\n});\n";
        let (status, msg, _) = run("decline-code-handling", &[PAY, ("src/callback.ts", cb)]);
        assert_eq!(status, Status::Fail);
        assert!(msg.contains("never acted on") && msg.contains("code 29"), "{msg}");
    }

    #[test]
    fn missing_29_warns() {
        let src = "def on_result(r):\n    if r[\"declineCode\"] in RETRYABLE:\n        retry_later(r)\n";
        let (status, msg, _) = run("decline-code-handling", &[PAY, ("app/declines.py", src)]);
        assert_eq!(status, Status::Fail);
        assert!(!msg.contains("never acted on") && msg.contains("code 29"), "{msg}");
    }
}
