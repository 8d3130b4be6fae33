//! `auth-401-retry`: a 401 from Exirom discards the cached token, re-authenticates and retries once.
//!
//! Per code file that calls Exirom (auth, payment or poll sites) or whose path names Exirom, the
//! collector finds each 401 check outside comments, log calls and the 401s a server answers with
//! (`res.status(401)`, `Results.Unauthorized()`, `head :unauthorized`) (`status === 401`,
//! `status_code == 401`, `HttpStatus.UNAUTHORIZED`, `http.StatusUnauthorized`,
//! `HttpStatusCode.Unauthorized`, `rescue/catch …Unauthorized…`) and reads the block it guards
//! (the indented block, at least the next two lines, within the function) for
//! * discarding the token: `token = null/None/nil/""`, `invalidate()`, `cache.delete(…)`,
//!   `reset…()`, or re-authenticating outright (`authenticate()`, `refreshToken()`, `login()`);
//! * retrying: `retry`/`retried`/`attempt`/`again`, a call of the enclosing function itself, or an
//!   axios-style replay (`http(error.config)`).
//!
//! Facts: `retry` (both), `discard-only`, `retry-only`, `check-only`. Judged per language (a Python
//! worker and a Node server are separate programs): every language with Exirom calls needs a
//! `retry` in one of its files; otherwise warn at that language's partial handling or call sites.
//! See: API.md §2 ("drop the cached token → POST /api/v1/auth → retry the original request once"),
//! §14 (401 = missing/expired/invalid token).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::super::context::Lang;
use super::super::detectors::code::{block_end, enclosing_function, is_comment_line, log_calls};
use super::sites::{function_name, has_ident};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, is_code_file};

pub(super) const EVIDENCE: Evidence = Evidence { name: "auth-401-retry", keywords: &[], collect, judge };

static CHECK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)401(?-u:\b)|unauthori[sz]ed|HTTPUnauthorized").expect("a literal regex that is tested")
});

/// A 401 the code *answers* with (a server rejecting a request), not one it receives from Exirom.
static ANSWERS_401: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)results\.unauthorized|unauthorized\s*\(\s*\)|\.status\s*\(\s*401|sendstatus\s*\(\s*401|head\s*\(?\s*:unauthorized",
        r"|http\.error\s*\(|writeheader\s*\(|responseentity\.status|abort\s*\(\s*401|status(?:_code)?\s*=\s*401",
        r"|response\s*\([^)]*,\s*401\s*\)|return\s+[^;\n]*,\s*401(?-u:\b)|HttpResponse\w*\s*\(|status:\s*:?unauthorized|raise\s+\w*Unauthori[sz]ed",
    ))
    .expect("a literal regex that is tested")
});

static DISCARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:token|jwt|bearer|auth)\w*\s*=\s*(?:null|None|nil|undefined|0|false|String\.Empty|string\.Empty)(?-u:\b)",
        r"|(?:token|jwt|bearer|auth)\w*\s*=\s*(?:''|\x22\x22)|(?:token|jwt)\w*\s*=\s*await|expir\w*\s*=\s*(?:0|null|None|nil)(?-u:\b)",
        r"|invalidate|evict|\.clear\s*\(|\.delete\s*\(|\.remove\s*\(|(?:forget|clear|drop|discard|expire|reset|wipe|unset)\w*\s*\(|\.Store\s*\(\s*\x22\x22",
        r"|force_?refresh|refresh\w*\s*\(\s*(?:true|force)|re_?auth|re-?authenticate|authenticate\s*\(|login\s*\(|renew\w*\s*\(",
        r"|refresh_?token\s*\(|new_?token\s*\(|fetch_?token\s*\(\s*(?:true|force)|\.token\s*\(\s*(?:true|force)",
    ))
    .expect("a literal regex that is tested")
});

static RETRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)retr(?:y|ied|ies|ying)|(?-u:\b)again(?-u:\b)|attempt|replay|resend|(?-u:\b)continue(?-u:\b)",
        r"|(?:http|axios|client|instance|api|session)(?:\.request)?\s*\(\s*\w*\.?config",
    ))
    .expect("a literal regex that is tested")
});

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    let relevant = scope.has(&[SiteKind::Auth, SiteKind::Payment, SiteKind::Poll])
        || scope.view.path.to_ascii_lowercase().contains("exirom");
    if !scope.is_code() || !relevant {
        return;
    }
    let view = scope.view;
    if !CHECK.is_match(view.text) {
        return;
    }
    let lang = scope.lang();
    let logs: Vec<std::ops::Range<usize>> = log_calls(view).into_iter().map(|c| c.args).collect();
    let mut seen: Vec<usize> = Vec::new();
    for m in CHECK.find_iter(view.text) {
        let n = view.line_of(m.start());
        if seen.contains(&n)
            || is_comment_line(view.line(n), lang)
            || logs.iter().any(|r| r.contains(&m.start()))
            || ANSWERS_401.is_match(view.line(n))
        {
            continue;
        }
        seen.push(n);
        let func = enclosing_function(view, n);
        let last = func.map_or(view.line_count().saturating_sub(1), |(_, e)| e);
        let end = block_end(view, n).max(n + 2).min(last);
        let region: Vec<&str> = (n..=end).map(|i| view.line(i)).filter(|l| !is_comment_line(l, lang)).collect();
        let discard = region.iter().any(|l| DISCARD.is_match(l));
        let recursion = func
            .and_then(|(h, _)| function_name(view.line(h)))
            .is_some_and(|name| region.iter().any(|l| has_ident(l, name) && l.contains(&format!("{name}("))));
        let retry = recursion || region.iter().any(|l| RETRY.is_match(l));
        let tag = match (discard, retry) {
            (true, true) => "retry",
            (true, false) => "discard-only",
            (false, true) => "retry-only",
            (false, false) => "check-only",
        };
        out.push(scope.fact(tag, m.start()));
    }
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let mut by_lang: BTreeMap<&'static str, (Lang, Vec<Located>)> = BTreeMap::new();
    for (f, s) in repo.sites(&[SiteKind::Auth, SiteKind::Payment, SiteKind::Poll]).filter(|(f, _)| is_code_file(f)) {
        by_lang.entry(lang_name(f.ctx.lang)).or_insert_with(|| (f.ctx.lang, Vec::new())).1.push(Located::new(
            &f.path,
            &s.mark,
            s.kind.noun(),
        ));
    }
    if by_lang.is_empty() {
        return Judgement::Skip("no Exirom API calls in the repository, so no 401 to handle".into());
    }
    let mut found = Vec::new();
    let mut gaps: Vec<Located> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    for (name, (lang, calls)) in &by_lang {
        let of_lang = |tag: &'static str, note: &str| -> Vec<Located> {
            repo.facts(tag)
                .filter(|(f, _)| f.ctx.lang == *lang)
                .map(|(f, x)| Located::new(&f.path, &x.mark, note))
                .collect()
        };
        let ok = of_lang("retry", "discards the token, re-authenticates and retries");
        if !ok.is_empty() {
            found.extend(ok);
            continue;
        }
        let mut partial = of_lang("discard-only", "discards the token but does not retry");
        partial.extend(of_lang("retry-only", "retries with the same token"));
        partial.extend(of_lang("check-only", "checks for 401 without re-authenticating"));
        if partial.is_empty() {
            why.push(format!("the {name} client ({}) has no 401 handling", super::places(calls)));
            gaps.extend(calls.iter().cloned());
        } else {
            why.push(format!(
                "the {name} client {}",
                partial
                    .iter()
                    .map(|l| format!("{} at {}:{}", l.note, l.path, l.mark.line))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            gaps.extend(partial);
        }
    }
    if gaps.is_empty() {
        return Judgement::found("a 401 discards the cached token, re-authenticates and retries", found);
    }
    Judgement::missing(
        format!(
            "{}: on a 401 from Exirom discard the cached token, call POST /v1/auth again and retry the original request once",
            why.join("; ")
        ),
        gaps,
    )
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Js => "JS/TS",
        Lang::Python => "Python",
        Lang::Php => "PHP",
        Lang::Jvm => "Java/Kotlin",
        Lang::Go => "Go",
        Lang::Ruby => "Ruby",
        Lang::CSharp => "C#",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    #[test]
    fn discard_and_retry_passes_in_every_language() {
        for (path, src) in [
            (
                "src/client.ts",
                "async function request(path, body, retried = false) {\n  try {\n    return await http.post(path, body, { headers: { Authorization: `Bearer ${await token()}` } });\n  } catch (e) {\n    if (e.response?.status === 401 && !retried) {\n      cachedToken = null;\n      return request(path, body, true);\n    }\n    throw e;\n  }\n}\nexport const pay = (b) => request('/v1/payments/card', b);\n",
            ),
            (
                "app/client.py",
                "def _request(self, path, body, retried=False):\n    r = requests.post(self.base + path, json=body, headers=self._headers())\n    if r.status_code == 401 and not retried:\n        self._token = None\n        return self._request(path, body, retried=True)\n    return r\n\ndef pay(self, body):\n    return self._request(\"/v1/payments/card\", body)\n",
            ),
            (
                "src/ExiromClient.java",
                "HttpResponse<String> send(String path, String body, boolean retried) throws Exception {\n    var res = http.send(request(path, body), BodyHandlers.ofString());\n    if (res.statusCode() == 401 && !retried) {\n        tokens.invalidate();\n        return send(path, body, true);\n    }\n    return res;\n}\nResult pay(String body) throws Exception { return parse(send(\"/v1/payments/card\", body, false)); }\n",
            ),
            (
                "client.go",
                "func (c *Client) do(path string, body any, retried bool) (*http.Response, error) {\n\tresp, err := c.send(path, body)\n\tif err == nil && resp.StatusCode == http.StatusUnauthorized && !retried {\n\t\tc.token = \"\"\n\t\treturn c.do(path, body, true)\n\t}\n\treturn resp, err\n}\n\nfunc (c *Client) Pay(b Body) (*http.Response, error) { return c.do(\"/v1/payments/card\", b, false) }\n",
            ),
            (
                "app/client.rb",
                "def request(path, body, retried: false)\n  res = http.post(path, body.to_json, headers)\n  if res.code == \"401\" && !retried\n    @token = nil\n    return request(path, body, retried: true)\n  end\n  res\nend\n\ndef pay(body) = request(\"/v1/payments/card\", body)\n",
            ),
            (
                "lib/Client.php",
                "private function request(string $path, array $body, bool $retried = false): array\n{\n    [$status, $data] = $this->send($path, $body);\n    if ($status === 401 && !$retried) {\n        $this->token = null;\n        return $this->request($path, $body, true);\n    }\n    return $data;\n}\npublic function pay(array $b): array { return $this->request('/v1/payments/card', $b); }\n",
            ),
            (
                "ExiromClient.cs",
                "async Task<HttpResponseMessage> Send(string path, object body, bool retried = false)\n{\n    var res = await _http.PostAsJsonAsync(path, body);\n    if (res.StatusCode == HttpStatusCode.Unauthorized && !retried)\n    {\n        _token = null;\n        return await Send(path, body, true);\n    }\n    return res;\n}\npublic Task<HttpResponseMessage> Pay(object b) => Send(\"/v1/payments/card\", b);\n",
            ),
        ] {
            let (s, m, _) = run("auth-401-retry", &[(path, src)]);
            assert_eq!(s, Status::Pass, "{path}: {m}");
        }
    }

    #[test]
    fn discard_without_retry_warns() {
        let src = "export async function pay(b) {\n  try {\n    return await http.post('/v1/payments/card', b);\n  } catch (e) {\n    if (e.response?.status === 401) cachedToken = null;\n    throw e;\n  }\n}\n";
        let (s, m, f) = run("auth-401-retry", &[("src/client.ts", src)]);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("does not retry"), "{m}");
        assert_eq!(f[0].line, 5);
    }

    #[test]
    fn a_callback_answering_401_is_not_401_handling() {
        let src = "router.post('/exirom/callback', (req, res) => {\n  if (!verify(req)) return res.status(401).end();\n  res.sendStatus(200);\n});\nexport const pay = (b) => http.post('/v1/payments/card', b);\n";
        let (s, m, _) = run("auth-401-retry", &[("src/exirom.ts", src)]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("has no 401 handling"), "{m}");
    }

    #[test]
    fn each_language_needs_its_own_handling() {
        let ts = "async function request(path, body, retried = false) {\n  const r = await http.post(path, body);\n  if (r.status === 401 && !retried) { cachedToken = null; return request(path, body, true); }\n  return r;\n}\nexport const pay = (b) => request('/v1/payments/card', b);\n";
        let py = "def poll(tx):\n    return requests.get(f\"{BASE}/v1/payments/card/status/{tx}\", headers=h())\n";
        let (s, m, f) = run("auth-401-retry", &[("src/client.ts", ts), ("worker/poll.py", py)]);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("Python client (worker/poll.py:2) has no 401 handling"), "{m}");
        assert!(f.iter().all(|f| f.path == "worker/poll.py"));
    }
}
