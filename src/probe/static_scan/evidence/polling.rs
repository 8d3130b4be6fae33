//! `polling-fallback`: the integration can poll a payment's status for missed webhooks.
//!
//! Evidence: a request to `…/payments/card/status/{id}`, `…/payments/card/info/{id}`, or the APM
//! and payout equivalents (`…/payments/apm/info/{id}`, `…/payouts/card/status/{id}`), in code. A
//! repository that makes payments or handles callbacks without any such request warns, naming the
//! payment calls and handlers that have no fallback.
//! See: API.md §4.5, §10.3, §15.6 (callbacks are dropped after ~62 minutes of retries; poll then).

use super::{Evidence, Fact, Judgement, Repo, Scope, SiteKind, places};

pub(super) const EVIDENCE: Evidence = Evidence { name: "polling-fallback", keywords: &[], collect, judge };

/// Polls are call sites already; nothing more to collect per file.
fn collect(_scope: &Scope<'_>, _out: &mut Vec<Fact>) {}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let polls = repo.code_sites(&[SiteKind::Poll]);
    if !polls.is_empty() {
        return Judgement::found("status polling for missed webhooks", polls);
    }
    let needs = repo.code_sites(&[SiteKind::Payment, SiteKind::Callback]);
    if needs.is_empty() {
        return Judgement::Skip(
            "no payment requests or callback handlers in the repository, so nothing to poll for".into(),
        );
    }
    Judgement::missing(
        format!(
            "no request to …/payments/card/status/{{id}} or …/info/{{id}} (or the APM/payout equivalents): a callback Exirom stops retrying leaves the order pending; payments and callbacks at {}",
            places(&needs)
        ),
        needs,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    #[test]
    fn poll_in_any_language_is_evidence() {
        for (path, src) in [
            ("worker/poll.py", "r = requests.get(f\"{BASE}/v1/payments/card/status/{tx}\", headers=h)\n"),
            ("src/Poller.java", "var uri = URI.create(base + \"/v1/payments/card/info/\" + id);\n"),
            ("poll.go", "url := fmt.Sprintf(\"%s/v1/payments/apm/info/%s\", base, id)\n"),
            ("app/jobs/poll.rb", "res = http.get(\"/v1/payouts/card/status/#{id}\")\n"),
            ("Poller.cs", "var res = await http.GetAsync($\"/v1/payments/card/status/{id}\");\n"),
            ("lib/poll.php", "$r = $http->get('/v1/payments/card/status/' . $id);\n"),
        ] {
            let (status, msg, f) =
                run("polling-fallback", &[(path, src), ("src/pay.ts", "await http.post('/v1/payments/card', b);\n")]);
            assert_eq!(status, Status::Pass, "{path}: {msg}");
            assert!(msg.contains("found at") && msg.contains(path), "{msg}");
            assert_eq!(f.len(), 1);
        }
    }

    #[test]
    fn payments_without_polling_warn_at_the_calls() {
        let (status, msg, f) = run("polling-fallback", &[("src/pay.ts", "await http.post('/v1/payments/card', b);\n")]);
        assert_eq!(status, Status::Fail);
        assert!(msg.contains("src/pay.ts:1"), "{msg}");
        assert_eq!(f[0].path, "src/pay.ts");
    }

    #[test]
    fn polls_in_tests_do_not_count() {
        let (status, _, _) = run(
            "polling-fallback",
            &[
                ("src/pay.ts", "await http.post('/v1/payments/card', b);\n"),
                ("tests/poll.test.ts", "await http.get('/v1/payments/card/status/1');\n"),
            ],
        );
        assert_eq!(status, Status::Fail);
    }
}
