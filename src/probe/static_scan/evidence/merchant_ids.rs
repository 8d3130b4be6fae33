//! `production-merchant-ids`: production uses its own `mid` / `accountId`.
//!
//! Collected per file, in Exirom code and configuration (a file with Exirom call sites, an
//! `exirom` path, or Exirom credentials), on lines naming a merchant id (`mid`, `accountId`,
//! `account_id`, `merchantId`, `EXIROM_MID`, `EXIROM_ACCOUNT_ID`, `exirom.mid`):
//! * `env`: read from the environment or a deployment placeholder (`process.env.EXIROM_MID`,
//!   `${EXIROM_MID}`, `{{ .Values.mid }}`);
//! * `literal`: a literal id, with the environment of its file or section (`.env.production`,
//!   `config/staging.json`, a `production:` section; unknown for shared files and code).
//!
//! Judged (warn on any of): a production id equal to a development/staging/sandbox one (sandbox
//! ids do not work in production); a production id that differs from `[exirom] mid`/`account_id`
//! in golive.toml (the ids golive's webhook probe sends); an id fixed in code or shared
//! configuration for every environment with no environment read and no production value; only
//! non-production ids; no id at all next to payment calls. Pass: ids read from the environment,
//! or production values distinct from the others.
//! See: API.md §3 (merchant identifiers by API); Going to Production ("Correct mid/accountId").

use std::sync::LazyLock;

use regex::Regex;

use super::super::context::Env;
use super::super::detectors::code::is_comment_line;
use super::{ENV_READ, Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, literal_after, places};

pub(super) const EVIDENCE: Evidence = Evidence {
    name: "production-merchant-ids",
    keywords: &["exirom_mid", "exirom_account", "merchantkey", "merchant_key"],
    collect,
    judge,
};

static ID_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:exirom[_.-]?)?(?:mid|account[_-]?id|merchant[_-]?id)(?-u:\b)")
        .expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let view = scope.view;
    let exirom_context = scope.has(&[SiteKind::Payment, SiteKind::Auth, SiteKind::BaseUrl, SiteKind::Setting])
        || view.path.to_ascii_lowercase().contains("exirom")
        || view.has_keyword("merchantkey")
        || view.has_keyword("merchant_key");
    if !exirom_context {
        return;
    }
    let lang = scope.lang();
    let mut done: Vec<usize> = Vec::new();
    for m in ID_KEY.find_iter(view.text) {
        let n = view.line_of(m.start());
        let lr = view.line_range(n);
        let line = &view.text[lr.clone()];
        if done.contains(&n) || is_comment_line(line, lang) {
            continue;
        }
        let kind = if m.as_str().to_ascii_lowercase().contains("account") { "accountId" } else { "mid" };
        let key_end = m.end() - lr.start;
        if ENV_READ.is_match(&line[key_end.min(line.len())..])
            || ENV_READ.is_match(line) && m.as_str().to_ascii_uppercase().starts_with("EXIROM")
        {
            done.push(n);
            let mut f = scope.fact("env", m.start());
            f.value = Some(kind.to_string());
            out.push(f);
            continue;
        }
        if let Some(v) = literal_after(line, key_end) {
            let value = line[v].trim();
            if value.len() >= 3
                && value.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
                && !is_field_name(value)
            {
                done.push(n);
                let mut f = scope.fact("literal", m.start());
                f.value = Some(format!("{kind}={value}"));
                out.push(f);
            }
        }
    }
}

/// Another Exirom field's name: `("mid", "orderAmount", …)` lists the fields of the callback
/// checksum; it fixes no id.
fn is_field_name(value: &str) -> bool {
    const FIELDS: &[&str] = &[
        "orderamount",
        "ordercurrency",
        "transactionid",
        "transactionstatus",
        "requestid",
        "amount",
        "currency",
        "accountid",
        "merchantid",
        "declinecode",
        "token",
        "callbackurl",
        "mid",
    ];
    FIELDS.contains(&value.to_ascii_lowercase().as_str())
}

/// `(kind, value)` of a literal fact.
fn split(f: &Fact) -> (&str, &str) {
    f.value.as_deref().and_then(|v| v.split_once('=')).unwrap_or(("mid", ""))
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let lits: Vec<_> = repo.facts("literal").collect();
    let env: Vec<_> = repo.facts("env").collect();
    let prod: Vec<_> = lits.iter().filter(|(_, f)| f.env == Env::Production).collect();
    let nonprod: Vec<_> = lits.iter().filter(|(_, f)| f.env == Env::NonProduction).collect();
    let shared: Vec<_> = lits.iter().filter(|(_, f)| f.env == Env::Unknown).collect();
    let mut gaps: Vec<Located> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    for (pf, p) in &prod {
        let (kind, value) = split(p);
        if let Some((nf, n)) = nonprod.iter().find(|(_, n)| split(n) == (kind, value)) {
            gaps.push(Located::new(&pf.path, &p.mark, format!("{kind} {value}")));
            why.push(format!(
                "production {kind} {value} ({}:{}) is the same as in {}:{}",
                pf.path, p.mark.line, nf.path, n.mark.line
            ));
        }
        let configured =
            if kind == "mid" { repo.config.exirom.mid.as_deref() } else { repo.config.exirom.account_id.as_deref() };
        if let Some(c) = configured.filter(|c| *c != value) {
            gaps.push(Located::new(&pf.path, &p.mark, format!("{kind} {value}")));
            why.push(format!(
                "production {kind} {value} ({}:{}) differs from golive.toml [exirom] {} = \"{c}\"",
                pf.path,
                p.mark.line,
                if kind == "mid" { "mid" } else { "account_id" }
            ));
        }
    }
    for kind in ["mid", "accountId"] {
        let fixed: Vec<_> = shared.iter().filter(|(_, f)| split(f).0 == kind).collect();
        let overridden =
            prod.iter().any(|(_, f)| split(f).0 == kind) || env.iter().any(|(_, f)| f.value.as_deref() == Some(kind));
        if !fixed.is_empty() && !overridden {
            for (f, x) in &fixed {
                gaps.push(Located::new(&f.path, &x.mark, format!("{kind} {}", split(x).1)));
            }
            let at: Vec<Located> = fixed.iter().map(|(f, x)| Located::new(&f.path, &x.mark, "")).collect();
            why.push(format!(
                "the {kind} is fixed at {} for every environment, with no production value or environment read",
                places(&at)
            ));
        }
    }
    if !gaps.is_empty() {
        return Judgement::missing(
            format!(
                "{}: give production its own mid/accountId (from the environment or production configuration)",
                why.join("; ")
            ),
            gaps,
        );
    }
    let mut evidence: Vec<Located> =
        env.iter().map(|(f, x)| Located::new(&f.path, &x.mark, "from the environment")).collect();
    evidence.extend(prod.iter().map(|(f, x)| Located::new(&f.path, &x.mark, "production value")));
    if !evidence.is_empty() {
        return Judgement::found(
            "production merchant ids come from the environment or production configuration",
            evidence,
        );
    }
    if !nonprod.is_empty() {
        let at: Vec<Located> =
            nonprod.iter().map(|(f, x)| Located::new(&f.path, &x.mark, "non-production id")).collect();
        return Judgement::missing(
            format!(
                "only non-production merchant ids are configured ({}); nothing sets or reads production's mid/accountId",
                places(&at)
            ),
            at,
        );
    }
    let payments = repo.code_sites(&[SiteKind::Payment]);
    if payments.is_empty() {
        return Judgement::Skip("no payment requests in the repository, so no mid/accountId to check".into());
    }
    Judgement::missing(
        format!(
            "no mid/accountId is set or read near the payment calls ({}): read the production ids from the environment (EXIROM_MID, EXIROM_ACCOUNT_ID)",
            places(&payments)
        ),
        payments,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{run, run_with};
    use crate::config::Config;
    use crate::probe::Status;

    const PAY: (&str, &str) =
        ("src/client.ts", "export const pay = (b) => http.post('/v1/payments/card', { ...b, mid: config.mid });\n");

    #[test]
    fn from_the_environment_passes() {
        for (path, src) in [
            ("src/config.ts", "export const config = { mid: requireEnv('EXIROM_MID') };\n"),
            ("app/settings.py", "EXIROM_MID = os.environ[\"EXIROM_MID\"]\n"),
            ("src/main/resources/application.yml", "exirom:\n  mid: ${EXIROM_MID}\n"),
            ("pay.go", "mid := os.Getenv(\"EXIROM_MID\")\n"),
        ] {
            let (status, msg, _) = run("production-merchant-ids", &[PAY, (path, src)]);
            assert_eq!(status, Status::Pass, "{path}: {msg}");
        }
    }

    #[test]
    fn production_reusing_the_sandbox_mid_warns() {
        let (status, msg, f) = run(
            "production-merchant-ids",
            &[PAY, (".env.production", "EXIROM_MID=M100234\n"), (".env.development", "EXIROM_MID=M100234\n")],
        );
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("same as in .env.development:1"), "{msg}");
        assert_eq!(f[0].path, ".env.production");
    }

    #[test]
    fn distinct_production_mid_passes_and_golive_toml_is_cross_checked() {
        let files = [PAY, (".env.production", "EXIROM_MID=M900001\n"), (".env.development", "EXIROM_MID=M100234\n")];
        let (status, msg, _) = run("production-merchant-ids", &files);
        assert_eq!(status, Status::Pass, "{msg}");
        let mut cfg = Config::default();
        cfg.exirom.mid = Some("M900002".into());
        let (status, msg, _) = run_with("production-merchant-ids", &files, cfg);
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("golive.toml [exirom] mid"), "{msg}");
    }

    #[test]
    fn a_list_of_field_names_fixes_no_id() {
        // Its checksum helper lists ("mid", "orderAmount", "orderCurrency", "transactionId").
        let views = include_str!("../../../../fixtures/eval/python-shop/payments/views.py");
        let (_, msg, findings) = run("production-merchant-ids", &[PAY, ("payments/views.py", views)]);
        assert!(!msg.contains("fixed at"), "{msg}");
        assert!(findings.iter().all(|f| f.path != "payments/views.py"), "{msg}");
    }

    #[test]
    fn a_mid_fixed_for_every_environment_warns() {
        let (status, msg, f) = run(
            "production-merchant-ids",
            &[PAY, ("config/exirom.json", "{\n  \"mid\": \"100234\",\n  \"merchantKey\": \"x\"\n}\n")],
        );
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("fixed at config/exirom.json:2"), "{msg}");
        assert_eq!(f[0].line, 2);
    }

    #[test]
    fn no_mid_near_payments_warns() {
        let (status, msg, _) = run(
            "production-merchant-ids",
            &[("src/client.ts", "export const pay = (b) => http.post('/v1/payments/card', b);\n")],
        );
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("no mid/accountId"), "{msg}");
    }
}
