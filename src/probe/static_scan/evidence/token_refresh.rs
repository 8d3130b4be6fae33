//! `token-refresh`: the auth token is cached with its expiry and refreshed before it lapses.
//!
//! Per code file with a `POST …/v1/auth` call, the collector looks for, anywhere in that file
//! (where the token getter and its cache live):
//! * a cache: the token kept for reuse (`cachedToken`, `this.token = …`, `self._token = …`,
//!   `@token = …`, `$this->token = …`, a module-level `_token`, `Cache::remember`, `cache.set`,
//!   `redis.setex`, `@lru_cache`, `sync.Once`, `||=`, `??=`);
//! * an expiry: `expiresAt`, `expires_at`, `tokenExpiry`, the JWT `exp` claim, a cache TTL;
//! * a proactive refresh: a margin against the expiry (`expiresAt - DAY`, `exp - 86400`,
//!   `.minus(…)`, `.Add(-24 * time.Hour)`, `AddDays(-1)`, `refreshAt`) or a 29-day lifetime.
//!
//! Each auth file is `fresh` (all three), `no-margin` (refreshed only when it lapses), `no-expiry`
//! (cached without an expiry: only a restart or a 401 refreshes it) or `no-cache` (fetched per
//! call; `token-per-request` reports those call sites). Judged: every auth file `fresh` → pass;
//! any other → warn there; API calls without any auth call → warn (the token's life cannot be seen).
//! See: API.md §2 (30-day JWT, refresh at day 29).

use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::{code_mask, is_comment_line};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, code_of_line, places};

pub(super) const EVIDENCE: Evidence = Evidence { name: "token-refresh", keywords: &[], collect, judge };

static CACHE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)cached_?token|token_?cache|(?:this|self|@|\$this->|cls|c|s|client|t)\.?_?(?:access_?|auth_?|bearer_?|jwt_?)?token\s*(?:,\s*[\w.]+\s*)*=[^=]",
        r"|@_?(?:access_?|auth_?)?token\s*(?:\|\|)?=[^=]|^\s*(?:global\s+)?_?(?:access_?|auth_?)?token\s*=\s*(?:None|null|nil|'')",
        r"|^(?:export\s+)?(?:let|var)\s+_?(?:cached|current|access|auth)?_?token\w*\s*(?::\s*[A-Za-z<>| ]+)?\s*=",
        r"|^\s*(?:private|static)\s+(?:[A-Za-z<>?]+\s+)?_?(?:cached|current|access|auth)?_?token\w*\s*(?::\s*[A-Za-z<>| ]+)?\s*=",
        r"|cache::remember|cache\.(?:set|put|remember|fetch)|GetOrCreate|getOrCompute|computeIfAbsent|rails\.cache\.fetch|redis\.(?:set|setex)|setex\s*\(|lru_cache|functools\.cache",
        r"|@cached|cachetools|sync\.once|once\.do|lazy_static|memoize|@cacheable|\|\|=|\?\?=|AtomicReference|volatile\s+\w+\s+token",
        r"|private\s+\w+\s+_?token\w*\s*;|_token\s*(?:\*string|string)",
    ))
    .expect("a literal regex that is tested")
});

static EXPIRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)expires?_?at|expir(?:y|ation|es)|valid_?until|token_?ttl|(?-u:\b)ttl(?-u:\b)|setex|(?:payload|decoded|claims|jwt)\.exp(?-u:\b)",
        r"|\[\s*['\x22]exp['\x22]\s*\]|\.exp(?-u:\b)|(?-u:\b)exp\s*[:=]|expires_?in|max_?age|addDays|timedelta\s*\(\s*days|Duration\.ofDays",
        r"|\.days\.from_now|\.AddDays\(",
    ))
    .expect("a literal regex that is tested")
});

static MARGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:expir\w*|exp|ttl|valid\w*|deadline|lifetime)\s*(?:\*\s*1000\s*)?-\s*[\w(]",
        r"|\.minus(?:Days|Hours|Seconds)?\s*\(|\.Add\s*\(\s*-|\.Add(?:Days|Hours|Minutes|Seconds)\s*\(\s*-|\.sub\s*\(",
        r"|refresh_?at|refreshat|refresh_?before|refresh_?margin|refresh_?skew|early_?refresh|renew_?at|renew_?before",
        r"|(?-u:\b)29\s*\*|(?-u:\b)29\s*(?:days?|\.days)|days\s*=\s*29|days?\s*\(\s*29(?-u:\b)",
        r"|-\s*(?:\d+\s*\*\s*)*(?:DAY|ONE_DAY|day|86400|86_400|MARGIN|margin|SKEW|skew|BUFFER|buffer|LEEWAY|leeway)(?-u:\b)",
        r"|-\s*timedelta|-\s*\d+\.days?(?-u:\b)",
    ))
    .expect("a literal regex that is tested")
});

static KEY_CONSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:(?:private|public|static|final|const|readonly)\s+)*(?:[A-Za-z<>]+\s+)?[A-Z][A-Z0-9_]*\s*=\s*[\x22']",
    )
    .expect("a literal regex that is tested")
});

static COMPARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[<>]|(?i)before|after|compare|(?-u:\b)if(?-u:\b)|unless").expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    if !scope.is_code() || !scope.has(&[SiteKind::Auth]) {
        return;
    }
    let view = scope.view;
    let lang = scope.lang();
    let find = |re: &Regex| {
        (0..view.line_count()).find(|&n| {
            let l = view.line(n);
            !is_comment_line(l, lang) && re.is_match(l)
        })
    };
    let auth = scope.of(&[SiteKind::Auth]).next().map_or(0, |s| s.offset);
    let at = |n: Option<usize>| {
        n.map_or(auth, |n| view.line_range(n).start + (view.line(n).len() - view.line(n).trim_start().len()))
    };
    // The margin is best shown where the expiry is compared.
    let mask = code_mask(view.text, lang);
    let margin = (0..view.line_count())
        .find(|&n| {
            let l = view.line(n);
            !is_comment_line(l, lang) && MARGIN.is_match(l) && COMPARE.is_match(&code_of_line(view, &mask, n))
        })
        .or_else(|| find(&MARGIN));
    // A cache line to point at: not the constant naming the cache key.
    let cache = (0..view.line_count())
        .find(|&n| {
            let l = view.line(n);
            !is_comment_line(l, lang) && CACHE.is_match(l) && !KEY_CONSTANT.is_match(l)
        })
        .or_else(|| find(&CACHE));
    let expiry = find(&EXPIRY);
    let fact = match (cache, expiry, margin) {
        (Some(_), Some(_), Some(m)) => scope.fact("fresh", at(Some(m))),
        (Some(_), Some(e), None) => scope.fact("no-margin", at(Some(e))),
        (Some(c), None, _) => scope.fact("no-expiry", at(Some(c))),
        (None, ..) => scope.fact("no-cache", auth),
    };
    out.push(fact);
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let fresh = repo.located("fresh", "cached with its expiry, refreshed early");
    let mut gaps = repo.located("no-margin", "refreshed only when it lapses");
    gaps.extend(repo.located("no-expiry", "cached without its expiry"));
    gaps.extend(repo.located("no-cache", "not cached"));
    if !gaps.is_empty() {
        return Judgement::missing(
            format!(
                "the auth token is not refreshed before it expires at {}: cache it with its expiry (30 days, the JWT's exp) and fetch a new one about a day early (day 29), not on a 401",
                super::named(&gaps)
            ),
            gaps,
        );
    }
    if !fresh.is_empty() {
        return Judgement::found("auth token cached with its expiry and refreshed before it lapses", fresh);
    }
    let calls: Vec<Located> = repo.code_sites(&[SiteKind::Payment, SiteKind::Poll]);
    if calls.is_empty() {
        return Judgement::Skip("no Exirom API calls in the repository, so no token to cache".into());
    }
    Judgement::missing(
        format!(
            "Exirom is called at {} but no POST /v1/auth is in the repository: golive cannot see the token being cached and refreshed before its 30 days run out",
            places(&calls)
        ),
        calls,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    fn judge(path: &str, src: &str) -> (Status, String) {
        let (s, m, _) = run("token-refresh", &[(path, src)]);
        (s, m)
    }

    #[test]
    fn refresh_with_a_margin_passes_in_every_language() {
        for (path, src) in [
            (
                "src/token.ts",
                "let cachedToken: string | null = null;\nlet expiresAt = 0;\nasync function token() {\n  if (cachedToken && Date.now() < expiresAt - DAY) return cachedToken;\n  cachedToken = (await http.post('/v1/auth', creds)).data;\n  expiresAt = jwtExp(cachedToken) * 1000;\n  return cachedToken;\n}\n",
            ),
            (
                "app/token.py",
                "_token = None\n_expires_at = 0.0\n\ndef token():\n    global _token, _expires_at\n    if _token and time.time() < _expires_at - 86400:\n        return _token\n    _token = requests.post(f\"{BASE}/v1/auth\", json=CREDS).json()[\"token\"]\n    _expires_at = time.time() + 30 * 86400\n    return _token\n",
            ),
            (
                "src/TokenProvider.java",
                "private String token;\nprivate Instant expiresAt = Instant.EPOCH;\nsynchronized String token() {\n    if (token != null && Instant.now().isBefore(expiresAt.minus(Duration.ofDays(1)))) return token;\n    token = post(\"/v1/auth\", creds);\n    expiresAt = Instant.now().plus(Duration.ofDays(30));\n    return token;\n}\n",
            ),
            (
                "token.go",
                "func (c *Client) Token() (string, error) {\n\tif c.token != \"\" && time.Now().Before(c.expiresAt.Add(-24*time.Hour)) {\n\t\treturn c.token, nil\n\t}\n\tt, err := c.auth(\"/v1/auth\")\n\tc.token = t\n\tc.expiresAt = time.Now().Add(30 * 24 * time.Hour)\n\treturn t, err\n}\n",
            ),
            (
                "app/token.rb",
                "def token\n  return @token if @token && Time.now < @expires_at - 86_400\n  @token = post(\"/v1/auth\", creds)\n  @expires_at = Time.now + 30 * 86_400\n  @token\nend\n",
            ),
            (
                "lib/Token.php",
                "public function token(): string\n{\n    if ($this->token && time() < $this->expiresAt - 86400) {\n        return $this->token;\n    }\n    $this->token = $this->post('/v1/auth', $this->creds);\n    $this->expiresAt = time() + 30 * 86400;\n    return $this->token;\n}\n",
            ),
            (
                "Token.cs",
                "private string _token;\nprivate DateTime _expiresAt;\npublic async Task<string> Token()\n{\n    if (_token != null && DateTime.UtcNow < _expiresAt.AddDays(-1)) return _token;\n    _token = await Post(\"/v1/auth\", _creds);\n    _expiresAt = DateTime.UtcNow.AddDays(30);\n    return _token;\n}\n",
            ),
        ] {
            let (s, m) = judge(path, src);
            assert_eq!(s, Status::Pass, "{path}: {m}");
        }
    }

    #[test]
    fn cache_without_margin_or_expiry_warns() {
        let no_margin = "let cachedToken = null;\nlet expiresAt = 0;\nasync function token() {\n  if (cachedToken && Date.now() < expiresAt) return cachedToken;\n  cachedToken = (await http.post('/v1/auth', creds)).data;\n  return cachedToken;\n}\n";
        let (s, m) = judge("src/token.ts", no_margin);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("refreshed only when it lapses"), "{m}");
        let no_expiry = "let cachedToken = null;\nasync function token() {\n  cachedToken ??= (await http.post('/v1/auth', creds)).data;\n  return cachedToken;\n}\n";
        let (s, m) = judge("src/token.ts", no_expiry);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("without its expiry"), "{m}");
        let none =
            "async function getToken() {\n  const r = await http.post('/v1/auth', creds);\n  return r.data;\n}\n";
        let (s, m) = judge("src/token.ts", none);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("not cached"), "{m}");
    }

    #[test]
    fn calls_without_auth_warn() {
        let (s, m) = judge("src/pay.ts", "export const pay = (b) => http.post('/v1/payments/card', b);\n");
        assert_eq!(s, Status::Fail);
        assert!(m.contains("no POST /v1/auth"), "{m}");
    }
}
