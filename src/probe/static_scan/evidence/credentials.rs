//! `credentials-from-env`: Exirom credentials are read from the environment or a secrets manager.
//!
//! Collected per file (code and configuration, never tests, docs or examples), on lines naming a
//! credential (`merchantKey`, `merchantSecret`, `merchant_secret`, `EXIROM_MERCHANT_SECRET`,
//! `exirom.merchant-key`, `EXIROM_API_KEY`…):
//! * `env`: an environment or secrets-store read (`process.env`, `os.environ`, `getenv`,
//!   `System.getenv`, `ENV[…]`, `Environment.GetEnvironmentVariable`, `os.Getenv`, Laravel
//!   `env()`, `${EXIROM_…}` placeholders, Kubernetes `secretKeyRef`, .NET `Configuration[…]`,
//!   Rails credentials), or a value that names an environment variable
//!   (`"merchantSecret": "EXIROM_MERCHANT_SECRET"` in node-config's mapping file);
//! * `store`: a secrets-manager client anywhere in an Exirom file (AWS Secrets Manager, SSM,
//!   `HashiCorp` Vault, GCP Secret Manager, Azure Key Vault, Docker/Kubernetes secret mounts);
//! * `literal`: the credential assigned a literal that is not a placeholder (masked in the snippet).
//!
//! Judged: any literal → warn at the literals; else any `env`/`store` → pass; else warn that the
//! credentials' source cannot be seen, at the auth calls.
//! See: API.md §2 (credential hygiene); Going to Production ("Credential Management").

use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::is_comment_line;
use super::{ENV_READ, Evidence, Fact, Judgement, Repo, Scope, SiteKind, literal_after, places};

pub(super) const EVIDENCE: Evidence = Evidence {
    name: "credentials-from-env",
    keywords: &["merchantkey", "merchantsecret", "merchant_key", "merchant_secret", "merchant-key", "merchant-secret"],
    collect,
    judge,
};

static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)merchant[_.-]?(?:key|secret)|exirom[_.-]?(?:api[_.-]?)?(?:key|secret|password|credentials?)(?-u:\b)",
    )
    .expect("a literal regex that is tested")
});

static STORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)secretsmanager|secrets_?manager|getSecretValue|get_secret_value|SecretManagerServiceClient|secretmanager",
        r"|access_?secret_?version|(?-u:\b)hvac(?-u:\b)|vault\.(?:read|logical|kv)|VaultTemplate|vault_?client|SecretClient",
        r"|key_?vault|GetSecretAsync|ssm\.get_?parameter|GetParameter(?:Command)?\s*\(|/run/secrets/|/var/run/secrets/",
    ))
    .expect("a literal regex that is tested")
});

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:|changeme|change_me|change-me|xxx+|\*+|todo|tbd|none|null|nil|dummy|placeholder|secret|key|your[_ -].*|<.*>|\$\{.*|\{\{.*|%\(.*|#\{.*|.*example.*)$")
        .expect("a literal regex that is tested")
});

static ENV_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z][A-Z0-9_]{2,}$").expect("a literal regex that is tested"));

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let view = scope.view;
    let lang = scope.lang();
    let exirom_file = !scope.sites.is_empty();
    let mut lines_done: Vec<usize> = Vec::new();
    for m in CREDENTIAL.find_iter(view.text) {
        let n = view.line_of(m.start());
        let lr = view.line_range(n);
        let line = &view.text[lr.clone()];
        if lines_done.contains(&n) || is_comment_line(line, lang) {
            continue;
        }
        lines_done.push(n);
        let next = (n + 1..(n + 4).min(view.line_count())).map(|i| view.line(i)).collect::<Vec<_>>().join("\n");
        if ENV_READ.is_match(line) || STORE.is_match(line) || (line.contains("name:") && ENV_READ.is_match(&next)) {
            out.push(scope.fact("env", m.start()));
            continue;
        }
        if let Some(value) = literal_after(line, m.end() - lr.start) {
            let text = &line[value.clone()];
            if ENV_NAME.is_match(text) && text.to_ascii_uppercase() == text && text.contains('_') {
                out.push(scope.fact("env", m.start()));
            } else if !PLACEHOLDER.is_match(text.trim()) && text.len() >= 6 {
                let secret = lr.start + value.start..lr.start + value.end;
                out.push(scope.fact_masked("literal", m.start(), Some(secret)));
            }
        }
    }
    if exirom_file {
        for m in STORE.find_iter(view.text) {
            let n = view.line_of(m.start());
            if !lines_done.contains(&n) && !is_comment_line(view.line(n), lang) {
                lines_done.push(n);
                out.push(scope.fact("env", m.start()));
            }
        }
    }
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let literals = repo.located("literal", "literal credential");
    if !literals.is_empty() {
        return Judgement::missing(
            format!(
                "Exirom credentials are written in the repository at {}, not read from the environment or a secrets manager: read merchantKey/merchantSecret from EXIROM_MERCHANT_KEY/EXIROM_MERCHANT_SECRET or your secrets store, and rotate the committed ones",
                places(&literals)
            ),
            literals,
        );
    }
    let env = repo.located("env", "from the environment or a secrets store");
    if !env.is_empty() {
        return Judgement::found("Exirom credentials come from the environment or a secrets manager", env);
    }
    let mut at = repo.code_sites(&[SiteKind::Auth]);
    if at.is_empty() {
        at = repo.code_sites(&[SiteKind::Payment, SiteKind::Poll, SiteKind::Callback]);
    }
    Judgement::missing(
        format!(
            "cannot see where the Exirom credentials come from{}: read merchantKey/merchantSecret from the environment (EXIROM_MERCHANT_KEY, EXIROM_MERCHANT_SECRET) or a secrets manager where the client is built",
            if at.is_empty() { String::new() } else { format!(" (Exirom is called at {})", places(&at)) }
        ),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::super::literal_after;
    use super::super::tests::run;
    use crate::probe::Status;

    const AUTH: (&str, &str) = (
        "src/client.ts",
        "const r = await http.post('/v1/auth', { merchantKey: cfg.merchantKey, merchantSecret: cfg.merchantSecret });\n",
    );

    #[test]
    fn environment_reads_in_every_language_pass() {
        for (path, src) in [
            (
                "src/config.ts",
                "export const cfg = { merchantKey: process.env.EXIROM_MERCHANT_KEY!, merchantSecret: process.env.EXIROM_MERCHANT_SECRET! };\n",
            ),
            ("app/settings.py", "EXIROM_MERCHANT_SECRET = os.environ[\"EXIROM_MERCHANT_SECRET\"]\n"),
            ("config/services.php", "'exirom' => ['secret' => env('EXIROM_MERCHANT_SECRET')],\n"),
            ("src/main/resources/application.yml", "exirom:\n  merchant-secret: ${EXIROM_MERCHANT_SECRET}\n"),
            ("internal/exirom/config.go", "secret := os.Getenv(\"EXIROM_MERCHANT_SECRET\")\n"),
            ("config/initializers/exirom.rb", "MERCHANT_SECRET = ENV.fetch(\"EXIROM_MERCHANT_SECRET\")\n"),
            ("Exirom/Options.cs", "var secret = Environment.GetEnvironmentVariable(\"EXIROM_MERCHANT_SECRET\");\n"),
            (
                "k8s/deployment.yaml",
                "        - name: EXIROM_MERCHANT_SECRET\n          valueFrom:\n            secretKeyRef:\n              name: exirom\n",
            ),
            (
                "src/secrets.ts",
                "const exirom = await sm.getSecretValue({ SecretId: 'exirom/merchant' }); // merchantSecret\n",
            ),
            (
                "src/exirom/config.ts",
                "export const exirom = { merchantSecret: requireEnv('EXIROM_MERCHANT_SECRET') };\n",
            ),
            (
                "config/custom-environment-variables.json",
                "{ \"exirom\": { \"merchantSecret\": \"EXIROM_MERCHANT_SECRET\" } }\n",
            ),
        ] {
            let (status, msg, f) = run("credentials-from-env", &[AUTH, (path, src)]);
            assert_eq!(status, Status::Pass, "{path}: {msg}");
            assert_eq!(f[0].path, path);
        }
    }

    #[test]
    fn a_committed_literal_warns_and_is_masked() {
        let (status, msg, f) = run(
            "credentials-from-env",
            &[
                AUTH,
                (
                    "config/exirom.json",
                    "{\n  \"merchantKey\": \"mk_4f2a9c8e7d6b\",\n  \"merchantSecret\": \"ms_9f8a7c6b5d4e3f2a\"\n}\n",
                ),
                ("worker/a.py", "KEY = os.environ[\"EXIROM_MERCHANT_KEY\"]\n"),
            ],
        );
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("config/exirom.json:2"), "{msg}");
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| !f.snippet.contains("9f8a7c6b") && !f.snippet.contains("4f2a9c8e")), "{f:?}");
    }

    #[test]
    fn placeholders_and_unknown_sources() {
        let (status, msg, f) = run("credentials-from-env", &[AUTH, (".env", "EXIROM_MERCHANT_SECRET=changeme\n")]);
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("cannot see"), "{msg}");
        assert_eq!(f[0].path, "src/client.ts");
    }

    #[test]
    fn literal_values() {
        let v = |l: &str, k: &str| literal_after(l, l.find(k).unwrap() + k.len()).map(|r| l[r].to_string());
        assert_eq!(v("merchantSecret: 'abc123def'", "merchantSecret"), Some("abc123def".into()));
        assert_eq!(v("EXIROM_MERCHANT_SECRET=abc123def", "EXIROM_MERCHANT_SECRET"), Some("abc123def".into()));
        assert_eq!(v("'merchant_secret' => \"abc123def\",", "merchant_secret"), Some("abc123def".into()));
        assert_eq!(v("merchantSecret: cfg.merchantSecret", "merchantSecret"), None);
        assert_eq!(v("if (merchantSecret == x)", "merchantSecret"), None);
        assert_eq!(
            v("define('EXIROM_MERCHANT_SECRET', 'abc123def');", "EXIROM_MERCHANT_SECRET"),
            Some("abc123def".into())
        );
        assert_eq!(v("redact: ['card.number', 'merchantSecret', 'password1'],", "merchantSecret"), None);
    }
}
