//! `webhook-dedup-code`: the callback handler deduplicates on `transactionId` + `transactionStatus`
//! and ignores stale statuses.
//!
//! Collected per file of the integration that names the callback fields (code, SQL migrations,
//! ORM schemas), outside comments:
//! * `dedup`: a deduplication step given a key built from both the transaction id and the
//!   status (on its line, the line before, or the next three) (`seen.has(`, `processed`, `exists`, `SETNX`/`NX`,
//!   `ON CONFLICT`, `INSERT IGNORE`, `firstOrCreate`, `get_or_create`, `putIfAbsent`,
//!   `LoadOrStore`, `unique`), or a unique constraint over both columns
//!   (`UNIQUE (transaction_id, transaction_status)`, `@@unique([transactionId, transactionStatus])`,
//!   `add_index … unique: true`, `unique_together`);
//! * `id-only`: deduplication on the transaction id alone (it would drop a later, legitimate
//!   status of the same payment);
//! * `stale`: a guard against statuses going backwards (status weights or ranks, final/terminal
//!   statuses, allowed transitions, "stale"/"out of order" checks) in code that reads the status.
//!
//! Judged (only when the repository has a callback handler; otherwise skip, the webhook probe
//! covers the live endpoint): both `dedup` and `stale` → pass; else warn at the handlers and any
//! id-only deduplication, saying which part is missing.
//! See: API.md §15.7 (Webhook Best Practices: at-least-once, out of order, dedup on
//! `transactionId:transactionStatus`, status weights).

use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::{code_mask, is_comment_line};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, places};

pub(super) const EVIDENCE: Evidence = Evidence {
    name: "webhook-dedup-code",
    keywords: &["transactionstatus", "transaction_status", "transactionid", "transaction_id"],
    collect,
    judge,
};

static TX_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)transaction_?id|(?-u:\b)txn?_?id(?-u:\b)|(?-u:\b)tx(?-u:\b)")
        .expect("a literal regex that is tested")
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)transaction_?status|(?-u:\b)status(?-u:\b)").expect("a literal regex that is tested")
});
static TX_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)transaction_?status").expect("a literal regex that is tested"));

static DEDUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)dedup|duplicate|already|(?-u:\b)seen|processed|exists|\.has\s*\(|\.includes\s*\(|contains|setnx|(?-u:\b)nx(?-u:\b)",
        r"|SADD|sismember|unique|on\s+conflict|on\s+duplicate\s+key|insert[\s_]*(?:or[\s_]*)?ignore|first_?or_?create|find_?or_?create",
        r"|get_?or_?create|putIfAbsent|setIfAbsent|LoadOrStore|idempot|\.add\s*\(|(?-u:\b)in\s+\w*(?:seen|processed|done)",
    ))
    .expect("a literal regex that is tested")
});

static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[\w$.]+\s*(?::=|=[^=])|^\s*(?:const|let|var|val|final)\s").expect("a literal regex that is tested")
});

static STALE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[a-z0-9](?:Rank|Weight)s?(?-u:\b)|(?i:status_?weights?|(?:^|[^a-z])weights?(?-u:\b)|(?:^|[^a-z])rank(?:s|ing)?(?-u:\b))",
        r"|(?i:precedence|status_?order|(?-u:\b)priority(?-u:\b)|is_?stale",
        r"|(?-u:\b)stale|out_?of_?order|is_?final|is_?terminal|(?-u:\b)terminal|final_?statuses|can_?transition|allowed_?transitions",
        r"|(?-u:\b)transitions?(?-u:\b)|monoton|regress|downgrade)",
    ))
    .expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let view = scope.view;
    if !TX_ID.is_match(view.text) && !TX_STATUS.is_match(view.text) {
        return;
    }
    let lang = scope.lang();
    let total = view.line_count();
    let code_line = |n: usize| !is_comment_line(view.line(n), lang);
    let start = |n: usize| view.line_range(n).start + (view.line(n).len() - view.line(n).trim_start().len());
    let mut dedup_found = false;
    let mut id_only = Vec::new();
    for n in 0..total {
        let line = view.line(n);
        if !code_line(n) || !DEDUP.is_match(line) {
            continue;
        }
        // The deduplicating line with the key it is given: an assignment on the line before (a key
        // built there), and the rest of a call that continues on the next lines.
        let mut near = String::from(line);
        if n > 0 && code_line(n - 1) && ASSIGN.is_match(view.line(n - 1)) {
            near = format!("{}\n{near}", view.line(n - 1));
        }
        let mut depth = paren_depth(line);
        let mut i = n + 1;
        while depth > 0 && i < total && i <= n + 4 {
            near.push('\n');
            near.push_str(view.line(i));
            depth += paren_depth(view.line(i));
            i += 1;
        }
        if !TX_ID.is_match(&near) {
            continue;
        }
        if STATUS.is_match(&near) {
            out.push(scope.fact("dedup", start(n)));
            dedup_found = true;
        } else if scope.is_code() {
            id_only.push(start(n));
        }
    }
    if !dedup_found {
        for o in id_only.into_iter().take(1) {
            out.push(scope.fact("id-only", o));
        }
    }
    if scope.is_code() && TX_STATUS.is_match(view.text) {
        // The first guard in code (not in a comment or a log message).
        let mask = code_mask(view.text, lang);
        if let Some(m) = STALE
            .find_iter(view.text)
            .find(|m| mask.get(m.end() - 1).copied().unwrap_or(false) && code_line(view.line_of(m.start())))
        {
            out.push(scope.fact("stale", start(view.line_of(m.start()))));
        }
    }
}

/// Opening minus closing brackets on a line.
fn paren_depth(line: &str) -> i32 {
    line.bytes()
        .map(|b| match b {
            b'(' | b'[' | b'{' => 1,
            b')' | b']' | b'}' => -1,
            _ => 0,
        })
        .sum()
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let handlers = repo.code_sites(&[SiteKind::Callback]);
    if handlers.is_empty() {
        return Judgement::Skip(
            "no callback handler in the repository (no code reads X-Checksum or transactionStatus from a request); the webhook rules check the live endpoint".into(),
        );
    }
    let dedup = repo.located("dedup", "deduplicates on transactionId + transactionStatus");
    let stale = repo.located("stale", "ignores stale statuses");
    let mut missing = Vec::new();
    if dedup.is_empty() {
        missing.push("no deduplication on transactionId + transactionStatus (Exirom delivers at least once: insert the pair under a unique key before processing)");
    }
    if stale.is_empty() {
        missing.push("no guard against stale statuses (callbacks arrive out of order: give statuses weights and ignore one that moves backwards)");
    }
    if missing.is_empty() {
        let mut at = dedup;
        at.extend(stale);
        return Judgement::found(
            "callbacks deduplicated on transactionId + transactionStatus, stale statuses ignored",
            at,
        );
    }
    let mut at: Vec<Located> = repo.located("id-only", "deduplicates on transactionId alone");
    let id_only = !at.is_empty();
    at.extend(handlers.iter().cloned());
    Judgement::missing(
        format!(
            "{}{} (callback handlers at {})",
            missing.join("; "),
            if id_only {
                "; deduplicating on transactionId alone drops later statuses of the same payment"
            } else {
                ""
            },
            places(&handlers)
        ),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    const HANDLER: (&str, &str) = (
        "src/callback.ts",
        "router.post('/exirom/callback', (req, res) => {\n  res.sendStatus(200);\n  if (!verify(req.get('X-Checksum'), req.body)) return;\n  queue.push(req.body);\n});\n",
    );

    #[test]
    fn dedup_and_stale_guard_pass_in_every_language() {
        for (path, src) in [
            (
                "src/callbacks.ts",
                "const WEIGHT = { NEW: 0, PENDING: 1, SUCCEED: 3, FAILED: 3 };\nexport async function apply(cb: Callback) {\n  const key = `${cb.transactionId}:${cb.transactionStatus}`;\n  if (!(await redis.set(key, '1', { NX: true }))) return;\n  const order = await orders.byTransaction(cb.transactionId);\n  if (WEIGHT[cb.transactionStatus] <= WEIGHT[order.status]) return;\n}\n",
            ),
            (
                "app/callbacks.py",
                "STATUS_WEIGHT = {\"NEW\": 0, \"PENDING\": 1, \"SUCCEED\": 3}\n\ndef apply(cb):\n    created = ProcessedCallback.objects.get_or_create(transaction_id=cb[\"transactionId\"], transaction_status=cb[\"transactionStatus\"])[1]\n    if not created:\n        return\n",
            ),
            (
                "src/CallbackService.java",
                "void apply(Callback cb) {\n    if (!processed.add(cb.getTransactionId() + \":\" + cb.getTransactionStatus())) return;\n    if (isFinal(order.getStatus())) return;\n}\n",
            ),
            (
                "callbacks.go",
                "func (s *Service) Apply(cb Callback) {\n\tkey := cb.TransactionID + \":\" + cb.TransactionStatus\n\tif _, dup := s.seen.LoadOrStore(key, true); dup {\n\t\treturn\n\t}\n\tif rank[cb.TransactionStatus] <= rank[s.status(cb.TransactionID)] {\n\t\treturn\n\t}\n}\n",
            ),
            (
                "app/services/callbacks.rb",
                "def apply(cb)\n  return if ProcessedCallback.exists?(transaction_id: cb[\"transactionId\"], transaction_status: cb[\"transactionStatus\"])\n  return if TERMINAL.include?(order.status)\nend\n",
            ),
            (
                "lib/Callbacks.php",
                "public function apply(array $cb): void\n{\n    $inserted = DB::insertOrIgnore('processed', ['transaction_id' => $cb['transactionId'], 'transaction_status' => $cb['transactionStatus']]);\n    if (!$inserted) return;\n    if (self::WEIGHTS[$cb['transactionStatus']] <= self::WEIGHTS[$order->status]) return;\n}\n",
            ),
            (
                "Callbacks.cs",
                "public void Apply(Callback cb)\n{\n    if (!_seen.Add($\"{cb.TransactionId}:{cb.TransactionStatus}\")) return;\n    if (Weight[cb.TransactionStatus] <= Weight[order.Status]) return;\n}\n",
            ),
        ] {
            let (s, m, _) = run("webhook-dedup-code", &[HANDLER, (path, src)]);
            assert_eq!(s, Status::Pass, "{path}: {m}");
        }
    }

    #[test]
    fn a_unique_constraint_counts_as_dedup() {
        let sql = "CREATE TABLE processed_callbacks (\n  transaction_id text NOT NULL,\n  transaction_status text NOT NULL,\n  UNIQUE (transaction_id, transaction_status)\n);\n";
        let code = "export function apply(cb) {\n  if (isTerminal(current(cb.transactionId))) return;\n  save(cb.transactionStatus);\n}\n";
        let (s, m, _) =
            run("webhook-dedup-code", &[HANDLER, ("db/migrations/001_callbacks.sql", sql), ("src/apply.ts", code)]);
        assert_eq!(s, Status::Pass, "{m}");
    }

    #[test]
    fn missing_parts_warn_at_the_handler() {
        let (s, m, f) = run("webhook-dedup-code", &[HANDLER]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("no deduplication") && m.contains("stale"), "{m}");
        assert_eq!(f[0].path, "src/callback.ts");
        let id_only = "export async function apply(cb) {\n  if (await seen.has(cb.transactionId)) return;\n  if (isFinal(cb.transactionStatus)) return;\n}\n";
        let (s, m, _) = run("webhook-dedup-code", &[HANDLER, ("src/apply.ts", id_only)]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("transactionId alone") && !m.contains("stale statuses ("), "{m}");
    }

    #[test]
    fn no_handler_skips() {
        let (s, m, _) = run(
            "webhook-dedup-code",
            &[("src/pay.ts", "export const pay = (b) => http.post('/v1/payments/card', b);\n")],
        );
        assert_eq!(s, Status::Skip, "{m}");
    }
}
