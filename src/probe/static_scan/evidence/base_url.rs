//! `production-base-url`: production configuration points at `https://api.exirom.com/api`.
//!
//! Collected per file (code and configuration): every Exirom host literal outside comments, as
//! * `prod`: `api.exirom.com` in a place that is not sandbox/dev/staging-specific (file, enclosing
//!   section, or the key it is assigned to, such as `SANDBOX_URL`);
//! * `sandbox-prod`: `sandbox.api.exirom.com` where production would use it: the `sandbox-url`
//!   detector's judgement (production files and sections, fallback defaults of environment
//!   lookups, the production branch of a ternary, hard-coded base URLs);
//! * `sandbox`: the sandbox host where only non-production environments use it.
//!
//! Judged, with production-specific configuration (a production file or section) overriding
//! shared defaults (generic files, code fallbacks), as every configuration system does:
//! the production host wins → pass; only the sandbox host for production → `fail` (the rule is
//! error severity; the pair of `sandbox-url`); both at the same level → `warn` (conflicting);
//! neither → `warn`: the base URL comes from outside the repository, so golive cannot see what
//! production uses.
//! See: API.md §1; Going to Production ("API base URL points to <https://api.exirom.com/api>").

use std::ops::Range;

use super::super::context::Env;
use super::super::detectors::{self, code};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, named, places};
use crate::probe::Status;

pub(super) const EVIDENCE: Evidence = Evidence { name: "production-base-url", keywords: &[], collect, judge };

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let view = scope.view;
    let urls: Vec<&super::Site> = scope.of(&[SiteKind::BaseUrl]).collect();
    if urls.is_empty() {
        return;
    }
    // Occurrences the `sandbox-url` detector judges to be production's value.
    let sandbox_hits: Vec<Range<usize>> =
        urls.iter().filter(|s| s.sandbox).map(|s| host_range(view.text, s.offset)).collect();
    let for_prod: Vec<Range<usize>> = match detectors::get("sandbox-url") {
        Some(d) if !sandbox_hits.is_empty() => (d.detect)(view, &sandbox_hits).into_iter().map(|d| d.span).collect(),
        _ => Vec::new(),
    };
    for s in urls {
        let mut f = scope.fact("url", s.offset);
        let tag = if s.sandbox {
            if for_prod.iter().any(|r| r.start == host_range(view.text, s.offset).start) {
                "sandbox-prod"
            } else {
                "sandbox"
            }
        } else if f.env == Env::NonProduction || nonprod_key(scope, s.offset) {
            "prod-elsewhere"
        } else {
            "prod"
        };
        f.tag = tag;
        out.push(f);
    }
}

/// The host literal starting at `offset` (scheme included, path excluded), as the `sandbox-url`
/// pattern matches it.
fn host_range(text: &str, offset: usize) -> Range<usize> {
    let rest = &text[offset..];
    let lower = rest.get(..rest.len().min(40)).unwrap_or(rest).to_ascii_lowercase();
    let start = lower.find("sandbox.api.exirom.com").map_or(offset, |i| offset + i);
    start..start + "sandbox.api.exirom.com".len().min(text.len() - start)
}

/// Whether the production host is assigned to a key named for another environment
/// (`SANDBOX_URL = "https://api.exirom.com/api"` would be odd, but `devBaseUrl:` is not production).
fn nonprod_key(scope: &Scope<'_>, offset: usize) -> bool {
    let view = scope.view;
    let lr = view.line_range(view.line_of(offset));
    let line = &view.text[lr.clone()];
    code::assigned_key(line, offset - lr.start, view.ctx.lang)
        .is_some_and(|k| code::env_of_words(&code::words(k)) == Some(Env::NonProduction))
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    // Production-specific configuration (a production file or section) overrides shared defaults
    // (generic files, code fallbacks), as in every configuration system.
    let split = |tag: &'static str, note: &str| -> (Vec<Located>, Vec<Located>) {
        let (specific, shared): (Vec<_>, Vec<_>) = repo.facts(tag).partition(|(_, f)| f.env == Env::Production);
        let loc = |v: Vec<(&super::FileEvidence, &super::Fact)>| {
            v.into_iter().map(|(f, x)| Located::new(&f.path, &x.mark, note)).collect()
        };
        (loc(specific), loc(shared))
    };
    let (prod_specific, prod_shared) = split("prod", "api.exirom.com");
    let (sandbox_specific, sandbox_shared) = split("sandbox-prod", "sandbox host for production");
    let conflict = |prod: &[Located], sandbox: Vec<Located>| Judgement::Missing {
        status: Status::Warn,
        message: format!(
            "production points at api.exirom.com ({}), but the sandbox host is also configured as production's value ({}): keep one production base URL",
            places(prod),
            places(&sandbox)
        ),
        at: sandbox.into_iter().chain(prod.iter().cloned()).collect(),
    };
    let only_sandbox = |sandbox: Vec<Located>| {
        Judgement::missing(
            format!(
                "only the sandbox host is configured for production ({}): set https://api.exirom.com/api for production (see sandbox-url)",
                places(&sandbox)
            ),
            sandbox,
        )
    };
    if !sandbox_specific.is_empty() {
        return if prod_specific.is_empty() {
            only_sandbox(sandbox_specific)
        } else {
            conflict(&prod_specific, sandbox_specific)
        };
    }
    if !prod_specific.is_empty() {
        return Judgement::found("production uses https://api.exirom.com/api", prod_specific);
    }
    if !sandbox_shared.is_empty() {
        return if prod_shared.is_empty() {
            only_sandbox(sandbox_shared)
        } else {
            conflict(&prod_shared, sandbox_shared)
        };
    }
    if !prod_shared.is_empty() {
        return Judgement::found("production uses https://api.exirom.com/api", prod_shared);
    }
    let mut at: Vec<Located> = repo
        .sites(&[SiteKind::Setting])
        .filter(|(_, s)| is_url_setting(&s.mark.snippet))
        .map(|(f, s)| Located::new(&f.path, &s.mark, "base URL setting"))
        .collect();
    at.extend(repo.located("sandbox", "sandbox host outside production"));
    if at.is_empty() {
        at = repo.code_sites(&[SiteKind::Auth, SiteKind::Payment, SiteKind::Poll]);
    }
    Judgement::Missing {
        status: Status::Warn,
        message: format!(
            "no production configuration in the repository sets the Exirom base URL{}: make sure production uses https://api.exirom.com/api (a .env.production, config/production.*, application-prod.yml or values-prod.yaml entry shows it here)",
            if at.is_empty() { String::new() } else { format!(" (it is read or set at {})", named(&at)) }
        ),
        at,
    }
}

fn is_url_setting(snippet: &str) -> bool {
    let s = snippet.to_ascii_uppercase();
    s.contains("EXIROM_") && (s.contains("URL") || s.contains("HOST") || s.contains("BASE") || s.contains("ENDPOINT"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    const CLIENT: (&str, &str) = (
        "src/client.ts",
        "const http = axios.create({ baseURL: process.env.EXIROM_BASE_URL });\nexport const pay = (b) => http.post('/v1/payments/card', b);\n",
    );

    #[test]
    fn production_file_with_the_production_host_passes() {
        for prod in [
            (".env.production", "EXIROM_BASE_URL=https://api.exirom.com/api\n"),
            ("config/production.json", "{ \"exirom\": { \"baseUrl\": \"https://api.exirom.com/api\" } }\n"),
            ("src/main/resources/application-prod.yml", "exirom:\n  base-url: https://api.exirom.com/api\n"),
            ("config/environments/production.rb", "config.exirom_base_url = \"https://api.exirom.com/api\"\n"),
            (
                "config/exirom.yml",
                "development:\n  url: https://sandbox.api.exirom.com/api\nproduction:\n  url: https://api.exirom.com/api\n",
            ),
            ("src/config.ts", "export const BASE_URL = process.env.EXIROM_BASE_URL ?? 'https://api.exirom.com/api';\n"),
        ] {
            let (status, msg, f) = run(
                "production-base-url",
                &[CLIENT, prod, (".env.development", "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api\n")],
            );
            assert_eq!(status, Status::Pass, "{}: {msg}", prod.0);
            assert!(f.iter().all(|f| f.path == prod.0), "{f:?}");
        }
    }

    #[test]
    fn only_sandbox_for_production_fails() {
        let (status, msg, f) = run(
            "production-base-url",
            &[CLIENT, (".env.production", "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api\n")],
        );
        assert_eq!(status, Status::Fail, "{msg}");
        assert!(msg.contains("only the sandbox host") && msg.contains(".env.production:1"), "{msg}");
        assert_eq!(f[0].path, ".env.production");
    }

    #[test]
    fn nothing_visible_warns() {
        let (status, msg, f) = run(
            "production-base-url",
            &[CLIENT, (".env.development", "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api\n")],
        );
        assert_eq!(status, Status::Warn, "{msg}");
        assert!(msg.contains("no production configuration"), "{msg}");
        assert!(f.iter().any(|f| f.path == "src/client.ts"), "{f:?}");
    }

    #[test]
    fn a_production_file_overrides_a_shared_sandbox_default() {
        let (status, msg, f) = run(
            "production-base-url",
            &[
                CLIENT,
                ("appsettings.json", "{ \"Exirom\": { \"BaseUrl\": \"https://sandbox.api.exirom.com/api\" } }\n"),
                ("appsettings.Production.json", "{ \"Exirom\": { \"BaseUrl\": \"https://api.exirom.com/api\" } }\n"),
            ],
        );
        assert_eq!(status, Status::Pass, "{msg}");
        assert_eq!(f[0].path, "appsettings.Production.json");
        // A production file with the sandbox host loses to nothing shared.
        let (status, msg, _) = run(
            "production-base-url",
            &[
                CLIENT,
                ("config/default.json", "{ \"exirom\": { \"baseUrl\": \"https://api.exirom.com/api\" } }\n"),
                ("config/production.json", "{ \"exirom\": { \"baseUrl\": \"https://sandbox.api.exirom.com/api\" } }\n"),
            ],
        );
        assert_eq!(status, Status::Fail, "{msg}");
    }

    #[test]
    fn conflicting_configuration_warns() {
        let (status, msg, _) = run(
            "production-base-url",
            &[
                CLIENT,
                (".env.production", "EXIROM_BASE_URL=https://api.exirom.com/api\n"),
                ("deploy/prod/values.yaml", "env:\n  EXIROM_BASE_URL: https://sandbox.api.exirom.com/api\n"),
            ],
        );
        assert_eq!(status, Status::Warn, "{msg}");
        assert!(msg.contains("also configured"), "{msg}");
    }
}
