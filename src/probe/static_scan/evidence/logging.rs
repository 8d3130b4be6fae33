//! `payment-logging`: payment API calls and callbacks log `requestId`, `transactionId`,
//! `traceId`, the HTTP status, `transactionStatus` and `declineCode`.
//!
//! Per code file of the integration (payment, poll, auth or callback sites, or an `exirom` path),
//! the collector reads every logging call ([`log_calls`]: `logger.*`, `log.*`, `console.*`,
//! `Log::*`, `slog`, `fmt.Print*`, …) and every log-context binding (`MDC.put`, `logger.child`,
//! `.bind(`, `WithFields`, `.With(`, `withContext`) and notes which of the six fields its
//! arguments carry, by name (`requestId`/`request_id`, `transactionId`/`txId`, `traceId`,
//! `res.status`/`status_code`/`StatusCode`/`getStatusCode()`/`http_code`,
//! `transactionStatus`, `declineCode`), in code or in the message text (`"status=%s"` does not
//! count as the HTTP status; `res.status` does).
//!
//! Judged over the whole integration: every field logged somewhere → pass, pointing at one log
//! line per field; otherwise warn naming the fields never logged, at the payment calls and
//! callback handlers. Card numbers in logs are `pan-in-log`'s concern.
//! See: Going to Production ("What to Log"); API.md §15.10, §14 (traceId for support).

use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::{is_comment_line, log_calls, matching_paren};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, places};

pub(super) const EVIDENCE: Evidence = Evidence { name: "payment-logging", keywords: &[], collect, judge };

/// The fields, in the guide's order, with the pattern that finds each in log arguments.
const FIELDS: [&str; 6] = ["requestId", "transactionId", "traceId", "HTTP status", "transactionStatus", "declineCode"];

static PATTERNS: LazyLock<[Regex; 6]> = LazyLock::new(|| {
    [
        r"(?i)request_?id",
        r"(?i)transaction_?id|(?-u:\b)txn?_?id(?-u:\b)",
        r"(?i)trace_?id|x-trace-id",
        concat!(
            r"(?i)status_?code|http_?status|http_?code|(?-u:\b)(?:res|resp|response|r|result|reply|err|error|e|ex|exc)\s*(?:\.|\?\.|->)\s*",
            r"(?:response\s*(?:\.|\?\.)\s*)?(?:status|code)(?-u:\b)|getStatus(?:Code)?\s*\(|\.status\s*\(\s*\)|CURLINFO_HTTP_CODE",
            r"|\$status(?-u:\b)|[\x22']status[\x22']\s*[:=,]\s*\w+\.status",
        ),
        r"(?i)transaction_?status",
        r"(?i)decline_?code",
    ]
    .map(|p| Regex::new(p).expect("a literal regex that is tested"))
});

static BINDING: LazyLock<Regex> = LazyLock::new(|| {
    // Log-context bindings, and structured-logging calls the shared log-call finder does not know
    // (.NET `ILogger.LogInformation`, Serilog `Log.Information`).
    Regex::new(r"(?:\.|(?-u:\b))Log(?:Information|Warning|Error|Debug|Trace|Critical)\s*\(|(?-u:\b)Log\.(?:Information|Warning|Error|Debug|Fatal|Verbose)\s*\(|MDC\.put\s*\(|\.child\s*\(|\.bind\s*\(|WithFields\s*\(|\.With\s*\(|withContext\s*\(|contextualize\s*\(|LoggerAdapter\s*\(|\.with_fields\s*\(|BeginScope\s*\(")
        .expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let relevant = scope.has(&[SiteKind::Payment, SiteKind::Poll, SiteKind::Callback, SiteKind::Auth])
        || scope.view.path.to_ascii_lowercase().contains("exirom");
    if !scope.is_code() || !relevant {
        return;
    }
    let view = scope.view;
    let lang = scope.lang();
    let mut args: Vec<(usize, std::ops::Range<usize>)> =
        log_calls(view).into_iter().map(|c| (c.callee.start, c.args)).collect();
    for m in BINDING.find_iter(view.text) {
        if is_comment_line(view.line_at(m.start()), lang) {
            continue;
        }
        if let Some(end) = matching_paren(view.text, m.end() - 1, lang, 4_000) {
            args.push((m.start(), m.end()..end - 1));
        }
    }
    args.sort_by_key(|(s, _)| *s);
    let mut seen = [false; 6];
    for (start, range) in args {
        let text = &view.text[range];
        for (i, re) in PATTERNS.iter().enumerate() {
            if !seen[i] && re.is_match(text) {
                seen[i] = true;
                let mut f = scope.fact("logged", start);
                f.value = Some(FIELDS[i].to_string());
                out.push(f);
            }
        }
    }
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let sites = repo.code_sites(&[SiteKind::Payment, SiteKind::Poll, SiteKind::Callback]);
    if sites.is_empty() {
        return Judgement::Skip(
            "no payment requests, status polls or callback handlers in the repository, so nothing to log".into(),
        );
    }
    // One place per field (the first log line naming it); a line naming several says so once.
    let mut at: Vec<Located> = Vec::new();
    let mut missing = Vec::new();
    for field in FIELDS {
        match repo.facts("logged").find(|(_, f)| f.value.as_deref() == Some(field)) {
            Some((file, f)) => match at.iter_mut().find(|l| l.path == file.path && l.mark.line == f.mark.line) {
                Some(l) => {
                    l.note.push_str(", ");
                    l.note.push_str(field);
                }
                None => at.push(Located::new(&file.path, &f.mark, format!("logs {field}"))),
            },
            None => missing.push(field),
        }
    }
    if missing.is_empty() {
        return Judgement::found("payment calls and callbacks log all six fields", at);
    }
    let logged: Vec<&str> = FIELDS.iter().copied().filter(|f| !missing.contains(f)).collect();
    Judgement::missing(
        format!(
            "payment calls and callbacks never log {}{} (calls and handlers at {}): log every Exirom call's requestId, transactionId, traceId, HTTP status, transactionStatus and declineCode, never the card number",
            missing.join(", "),
            if logged.is_empty() { String::new() } else { format!(" (they log {})", logged.join(", ")) },
            places(&sites)
        ),
        sites,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    #[test]
    fn all_fields_in_every_language_pass() {
        for (path, src) in [
            (
                "src/client.ts",
                "export async function pay(b) {\n  const res = await http.post('/v1/payments/card', b);\n  logger.info('card payment', { requestId: b.requestId, transactionId: res.data.transactionId, status: res.status, transactionStatus: res.data.transactionStatus, declineCode: res.data.declineCode });\n}\nfunction onError(e) {\n  logger.error('exirom error', { traceId: e.response?.data?.traceId, status: e.response?.status });\n}\n",
            ),
            (
                "app/client.py",
                "def pay(body):\n    r = requests.post(f\"{BASE}/v1/payments/card\", json=body)\n    log.info(\"payment requestId=%s transactionId=%s traceId=%s http=%s status=%s decline=%s\", body[\"requestId\"], r.json().get(\"transactionId\"), r.json().get(\"traceId\"), r.status_code, r.json().get(\"transactionStatus\"), r.json().get(\"declineCode\"))\n",
            ),
            (
                "src/Client.java",
                "Result pay(Body b) {\n    var res = send(\"/v1/payments/card\", b);\n    MDC.put(\"requestId\", b.requestId());\n    log.info(\"payment transactionId={} traceId={} http={} status={} declineCode={}\", r.transactionId(), r.traceId(), res.statusCode(), r.transactionStatus(), r.declineCode());\n}\n",
            ),
            (
                "client.go",
                "func (c *Client) Pay(b Body) {\n\tresp, r := c.post(\"/v1/payments/card\", b)\n\tslog.Info(\"payment\", \"requestId\", b.RequestID, \"transactionId\", r.TransactionID, \"traceId\", r.TraceID, \"status\", resp.StatusCode, \"transactionStatus\", r.TransactionStatus, \"declineCode\", r.DeclineCode)\n}\n",
            ),
        ] {
            let (s, m, f) = run("payment-logging", &[(path, src)]);
            assert_eq!(s, Status::Pass, "{path}: {m}");
            assert!(f.iter().all(|f| f.path == path), "{f:?}");
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let src = "def poll(tx):\n    r = requests.get(f\"{BASE}/v1/payments/card/status/{tx}\")\n    log.info(\"polled %s status=%s\", tx, r.json().get(\"transactionStatus\"))\n";
        let (s, m, f) = run("payment-logging", &[("worker/poll.py", src)]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("never log requestId, transactionId, traceId, HTTP status, declineCode"), "{m}");
        assert!(m.contains("they log transactionStatus"), "{m}");
        assert_eq!(f[0].path, "worker/poll.py");
    }
}
