//! `alerting-thresholds`: alert rules kept in the repository cover the guide's thresholds.
//!
//! Alert rules as code are recognised by content: Prometheus rule files and `PrometheusRule`
//! resources (`- alert:` with `expr:`), Grafana alerting provisioning (`groups:`/`rules:` with
//! `condition:`) and dashboard alerts (`"alert": {` with `"conditions"`), Datadog monitors (JSON
//! with `"type": "… alert"` and `"query"`, or Terraform `datadog_monitor`), `CloudWatch` alarms
//! (Terraform `aws_cloudwatch_metric_alarm`, `CloudFormation` `AWS::CloudWatch::Alarm`, CDK
//! `cloudwatch.Alarm`), Grafana and New Relic Terraform resources. A file is split into alert
//! blocks at each rule's start; a threshold is covered when one block carries all its parts
//! (case-insensitive, descriptions included):
//!
//! | threshold | parts |
//! |---|---|
//! | success rate < 90 % over 15 min | success/approval + 0.9/90 (or failure/decline + 0.1/10) + 15m/900 s |
//! | avg response > 5 s | latency/duration/response time + avg/mean (or `_sum`/`_count`) + 5 s/5000 ms |
//! | webhook failures > 5 % in 1 h | webhook/callback + fail/error/5xx + 0.05/5 % + 1h/60m/3600 s |
//! | any 401 spike | 401 or unauthorized |
//! | any decline code 29 | decline + 29, or merchant not active |
//!
//! Judged: no alert rules in the repository → skip (`attest-alerting` carries the item); all five
//! covered → pass at the covering blocks; otherwise warn naming the missing ones, at the alert files.
//! See: Going to Production ("Monitoring & Alerting", key metrics and thresholds).

use std::sync::LazyLock;

use regex::Regex;

use super::{Evidence, Fact, Judgement, Located, Repo, Scope};

pub(super) const EVIDENCE: Evidence = Evidence {
    name: "alerting-thresholds",
    keywords: &["alert", "alarm", "monitor", "condition:", "\"condition\"", "prometheusrule", "grafana_rule_group"],
    collect,
    judge,
};

/// The thresholds, in the guide's order.
const THRESHOLDS: [&str; 5] = [
    "payment success rate < 90% over 15 min",
    "avg response time > 5 s",
    "webhook failures > 5% in 1 h",
    "any 401 spike",
    "any decline code 29",
];

static ALERT_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?m)^\s*-?\s*alert:\s*\S|kind:\s*PrometheusRule|\x22alert\x22\s*:\s*\{|resource\s+\x22(?:datadog_monitor|aws_cloudwatch_metric_alarm",
        r"|grafana_rule_group|newrelic_\w*alert\w*)\x22|AWS::CloudWatch::Alarm|cloudwatch\.Alarm\s*\(|\x22type\x22\s*:\s*\x22(?:metric|query|log|service check|event) alert\x22",
        r"|^\s*condition:\s*\S|\x22condition\x22\s*:\s*\x22",
    ))
    .expect("a literal regex that is tested")
});

/// Where one alert rule starts.
static BLOCK_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*-\s*alert:|^\s*resource\s+\x22|^\s*Type:\s*[\x22']?AWS::CloudWatch::Alarm|^\s*\x22Type\x22\s*:\s*\x22AWS::CloudWatch::Alarm",
        r"|^\s*-\s*(?:uid|title):|^\s*\x22alert\x22\s*:\s*\{|^\s*\x22(?:name|title)\x22\s*:|new\s+\w*\.?Alarm\s*\(",
    ))
    .expect("a literal regex that is tested")
});

static PARTS: LazyLock<Vec<Vec<Regex>>> = LazyLock::new(|| {
    let r = |p: &str| Regex::new(p).expect("a literal regex that is tested");
    let window_15m = r"(?i)(?-u:\b)15\s*m(?:in(?:utes?)?)?(?-u:\b)|\[15m\]|(?-u:\b)900(?-u:\b)|PT15M|last_15m";
    vec![
        vec![
            r(r"(?i)succe(?:ss|ed)|approv|authori[sz]ation_?rate"),
            r(r"(?i)(?-u:\b)0?\.90?(?-u:\b)|(?-u:\b)90\s*%?(?-u:\b)"),
            r(window_15m),
        ],
        vec![
            r(r"(?i)latency|duration|response|elapsed|seconds|_ms(?-u:\b)|millis"),
            r(r"(?i)(?-u:\b)avg|average|mean|_sum(?-u:\b)|_count(?-u:\b)"),
            r(
                r"(?i)>\s*=?\s*5(?:\.0+)?(?:\s*s)?(?-u:\b)|(?-u:\b)5000(?-u:\b)|threshold\s*[:=]\s*5(?:\.0+)?(?-u:\b)|critical[\x22']?\s*[:=]\s*5(?:\.0+)?(?-u:\b)",
            ),
        ],
        vec![
            r(r"(?i)webhook|callback"),
            r(r"(?i)fail|error|5xx|non_?2xx"),
            r(
                r"(?i)(?-u:\b)0?\.05(?-u:\b)|(?-u:\b)5\s*%|>\s*5(?:\.0+)?(?-u:\b)|threshold\s*[:=]\s*5(?:\.0+)?(?-u:\b)|critical[\x22']?\s*[:=]\s*0?\.05",
            ),
            r(
                r"(?i)(?-u:\b)1\s*h(?:our)?(?-u:\b)|\[1h\]|(?-u:\b)60\s*m(?:in)?(?-u:\b)|(?-u:\b)3600(?-u:\b)|PT1H|last_1h",
            ),
        ],
        vec![r(r"(?i)(?:^|[^0-9])401(?:[^0-9]|$)|unauthori[sz]ed")],
        vec![r(
            r"(?i)decline[\s\S]{0,120}(?:^|[^0-9])29(?:[^0-9]|$)|(?:^|[^0-9])29(?:[^0-9]|$)[\s\S]{0,120}decline|merchant[_ ]?not[_ ]?active",
        )],
    ]
});

/// The failure-rate form of the success threshold: failures/declines above 10 % over 15 minutes.
static FAILURE_FORM: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let r = |p: &str| Regex::new(p).expect("a literal regex that is tested");
    vec![
        r(r"(?i)payment|checkout|exirom"),
        r(r"(?i)fail|declin|error"),
        r(r"(?i)(?-u:\b)0?\.10?(?-u:\b)|(?-u:\b)10\s*%"),
        r(r"(?i)(?-u:\b)15\s*m(?:in(?:utes?)?)?(?-u:\b)|\[15m\]|(?-u:\b)900(?-u:\b)|PT15M|last_15m"),
    ]
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let view = scope.view;
    if !ALERT_FILE.is_match(view.text) {
        return;
    }
    out.push(scope.fact("file", 0));
    let starts: Vec<usize> = (0..view.line_count()).filter(|&n| BLOCK_START.is_match(view.line(n))).collect();
    let blocks: Vec<(usize, usize)> = if starts.is_empty() {
        vec![(0, view.line_count())]
    } else {
        starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                (
                    s.saturating_sub(usize::from(is_cfn_type(view.line(s)))),
                    starts.get(i + 1).copied().unwrap_or(view.line_count()),
                )
            })
            .collect()
    };
    for (i, parts) in PARTS.iter().enumerate() {
        let hit = blocks.iter().find(|(a, b)| {
            let text = block_text(view, *a, *b);
            parts.iter().all(|p| p.is_match(&text)) || i == 0 && FAILURE_FORM.iter().all(|p| p.is_match(&text))
        });
        if let Some((a, _)) = hit {
            let mut f = scope.fact("covers", view.line_range(*a).start);
            f.value = Some(THRESHOLDS[i].to_string());
            out.push(f);
        }
    }
}

fn is_cfn_type(line: &str) -> bool {
    line.contains("AWS::CloudWatch::Alarm")
}

fn block_text(view: &super::FileView<'_>, a: usize, b: usize) -> String {
    (a..b).map(|n| view.line(n)).collect::<Vec<_>>().join("\n")
}

fn judge(repo: &Repo<'_>) -> Judgement {
    let files = repo.located("file", "alert rules");
    if files.is_empty() {
        return Judgement::Skip(
            "no alert rules as code in the repository (Prometheus, Grafana, Datadog, CloudWatch); attest-alerting carries this item".into(),
        );
    }
    let mut at: Vec<Located> = Vec::new();
    let mut missing = Vec::new();
    for t in THRESHOLDS {
        match repo.facts("covers").find(|(_, f)| f.value.as_deref() == Some(t)) {
            Some((file, f)) => at.push(Located::new(&file.path, &f.mark, t)),
            None => missing.push(t),
        }
    }
    if missing.is_empty() {
        return Judgement::found("alert rules cover every threshold of the guide", at);
    }
    Judgement::missing(
        format!(
            "the alert rules ({}) do not cover: {}; add them (Going to Production, Monitoring & Alerting)",
            super::places(&files),
            missing.join(", ")
        ),
        files,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    pub(crate) const PROMETHEUS: &str = "groups:\n  - name: exirom\n    rules:\n      - alert: ExiromPaymentSuccessRateLow\n        expr: sum(rate(exirom_payments_total{status=\"SUCCEED\"}[15m])) / sum(rate(exirom_payments_total[15m])) < 0.9\n      - alert: ExiromSlowResponses\n        expr: rate(exirom_request_duration_seconds_sum[5m]) / rate(exirom_request_duration_seconds_count[5m]) > 5\n      - alert: ExiromWebhookFailures\n        expr: sum(rate(exirom_webhook_deliveries_total{result=\"failed\"}[1h])) / sum(rate(exirom_webhook_deliveries_total[1h])) > 0.05\n      - alert: ExiromUnauthorizedSpike\n        expr: increase(exirom_responses_total{code=\"401\"}[5m]) > 0\n      - alert: ExiromMerchantNotActive\n        expr: increase(exirom_declines_total{decline_code=\"29\"}[5m]) > 0\n";

    #[test]
    fn prometheus_rules_with_every_threshold_pass() {
        let (s, m, f) = run("alerting-thresholds", &[("monitoring/alerts.yml", PROMETHEUS)]);
        assert_eq!(s, Status::Pass, "{m}");
        assert_eq!(f.len(), 5);
    }

    #[test]
    fn missing_thresholds_are_named() {
        let partial = PROMETHEUS.split("      - alert: ExiromUnauthorizedSpike").next().unwrap();
        let (s, m, f) = run("alerting-thresholds", &[("monitoring/alerts.yml", partial)]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("do not cover: any 401 spike, any decline code 29"), "{m}");
        assert_eq!(f[0].path, "monitoring/alerts.yml");
    }

    #[test]
    fn terraform_cloudwatch_and_datadog() {
        let tf = "resource \"aws_cloudwatch_metric_alarm\" \"success\" {\n  alarm_name = \"exirom-success-rate\"\n  metric_name = \"PaymentSuccessRate\"\n  comparison_operator = \"LessThanThreshold\"\n  threshold = 90\n  period = 900\n}\n\nresource \"datadog_monitor\" \"latency\" {\n  query = \"avg(last_5m):avg:exirom.response_time{*} > 5\"\n}\n\nresource \"datadog_monitor\" \"webhooks\" {\n  query = \"sum(last_1h):sum:shop.webhook.failed{*}.as_rate() > 0.05\"\n}\n\nresource \"datadog_monitor\" \"unauthorized\" {\n  query = \"sum(last_5m):sum:exirom.http.401{*} > 0\"\n}\n\nresource \"datadog_monitor\" \"decline29\" {\n  query = \"sum(last_5m):sum:exirom.decline{code:29} > 0\"\n}\n";
        let (s, m, _) = run("alerting-thresholds", &[("infra/alerts.tf", tf)]);
        assert_eq!(s, Status::Pass, "{m}");
    }

    #[test]
    fn no_alert_rules_skip() {
        let (s, m, _) = run(
            "alerting-thresholds",
            &[("src/pay.ts", "export const pay = (b) => http.post('/v1/payments/card', b);\n")],
        );
        assert_eq!(s, Status::Skip);
        assert!(m.contains("attest-alerting"), "{m}");
    }
}
