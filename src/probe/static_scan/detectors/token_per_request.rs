//! `token-per-request`: code that calls `POST …/v1/auth` on every payment request instead of
//! caching the token.
//!
//! For each `/v1/auth` call site (the literal, or a constant holding it such as `AUTH_URL`), the
//! detector finds the enclosing function. It reports the call when that function also calls a
//! payment endpoint (`/v1/payments…`, `/v1/payouts…`, `/v1/refunds…`), is a route handler, or is a
//! token getter called from such a function in the same file — unless the file shows token
//! caching: a cached-token/expiry field (`cachedToken`, `expiresAt`, `token_expiry`), a memo
//! (`||=`, `??=`, `@lru_cache`, `Rails.cache.fetch`, `Cache::remember`, `sync.Once`), or a guard
//! on the stored token (`if (this.token && …)`, `if self._token is None`, `unless @token`).
//! Module-level authentication (at start-up) is caching too.
//! See: API.md §2 ("cache at start-up, never call /auth per request, refresh at day 29").

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{assigned_key, enclosing_function, is_comment_line, is_function_header};
use super::{Detection, Detector, FileView};

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "token-per-request", file_level: false, keywords: &[], finder: None, detect };

/// Token caching that needs no further look: a cached-token or expiry field, a memo, a cache, or a
/// guard on a token stored on the object (`if (this.token && …)`, `if self._token is None`,
/// `unless @token`, `if c.token != ""`).
static CACHE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)cached_?token|token_?cache|_?token_?expir|tokenexpir|token_?expires|expires_?at|expiresat|token_?ttl",
        r"|refresh_?at\b|refreshat|lru_cache|functools\.cache|@cache\b|@cached|cachetools|rails\.cache\.fetch|cache::remember",
        r"|cache\.(?:get|fetch|remember)|redis\.get|memoize|sync\.once|once\.do|\blazy<|lazy_static|oncecell|@cacheable|caffeine",
        r"|token\w*\s*(?:\|\|=|\?\?=)|(?:payload|decoded|claims|jwt)\.exp\b|\[\s*['\x22]exp['\x22]\s*\]|token_?valid|isexpired|is_expired|expired\?",
        r"|if\s*\(?\s*!?\s*(?:this\.|self\.|@|\$this->|cls\.|c\.|s\.|client\.)_?(?:access_?|auth_?)?token\b",
        r"|(?:unless|if)\s+@_?token\b|\b(?:self\.|this\.|c\.|s\.)?_token\s+is\s+(?:not\s+)?None",
        r"|\b(?:this|self|c|s|client)\._?token\s*[!=]=\s*(?:nil|null|\x22\x22)",
    ))
    .expect("a literal regex that is tested")
});

/// A guard on a bare name (`if (!token)`, `if token is None`, `unless token`): lazy
/// initialisation, hence caching, only when the guarded name is assigned right after it.
static BARE_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\bif|\bunless)\s*\(?\s*!?\s*(?:not\s+)?(?P<name>[a-z_$][a-z0-9_$]*token|token)\b")
        .expect("a literal regex that is tested")
});

static PAYMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/v1/(?:payments|payouts|refunds)|payments/(?:card|apm|intent)|/payouts/|/refunds/")
        .expect("a literal regex that is tested")
});

static ROUTE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\.(?:post|get|put|all|route|handle)\s*\(\s*['\x22/]|@(?:Post|Get|Request)Mapping|\bdef\s+\w+\s*\(\s*request|http\.ResponseWriter|\(\s*req\s*,\s*res\b").expect("a literal regex that is tested")
});

static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_$][A-Za-z0-9_$]*").expect("a literal regex that is tested"));

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    if CACHE.is_match(view.text) || lazily_initialised(view) {
        return Vec::new();
    }
    let lang = view.ctx.lang;
    let total = view.line_count();
    let mut sites: Vec<usize> = Vec::new();
    for h in hits {
        let n = view.line_of(h.start);
        let lr = view.line_range(n);
        let line = &view.text[lr.clone()];
        if is_comment_line(line, lang) {
            continue;
        }
        // `const AUTH_URL = `${BASE}/v1/auth`` at module level: its uses are the call sites.
        let lower = line.to_ascii_lowercase();
        let is_call =
            ["await ", "post(", "fetch(", "request(", "requests.", "axios", "curl_", "urlopen(", "newrequest("]
                .iter()
                .any(|c| lower.contains(c));
        let constant = if enclosing_function(view, n).is_none() && !is_call {
            assigned_key(line, h.start - lr.start, lang).filter(|k| k.len() > 2).map(str::to_string)
        } else {
            None
        };
        match constant {
            Some(name) => sites.extend((0..total).filter(|&i| i != n && has_ident(view.line(i), &name))),
            None => sites.push(n),
        }
    }
    // Payment constants (PAYMENT_URL = "/v1/payments/card") count as payment calls where used.
    let payment_names: Vec<String> = (0..total)
        .filter(|&i| PAYMENT.is_match(view.line(i)) && enclosing_function(view, i).is_none())
        .filter_map(|i| {
            let l = view.line(i);
            let p = PAYMENT.find(l).map_or(0, |m| m.start());
            assigned_key(l, p, lang).map(str::to_string)
        })
        .collect();
    let calls_payment = |r: (usize, usize)| {
        (r.0..=r.1).any(|i| {
            let l = view.line(i);
            PAYMENT.is_match(l)
                || payment_names.iter().any(|p| has_ident(l, p))
                || i > r.0 && calls_payment_operation(l)
        })
    };
    let mut out = Vec::new();
    sites.sort_unstable();
    sites.dedup();
    for n in sites {
        let Some(f) = enclosing_function(view, n) else {
            continue; // module level: once, at start-up
        };
        let header = view.line(f.0);
        let per_request = calls_payment(f) || ROUTE_HEADER.is_match(header) || {
            // A token getter called from a payment function or a route handler.
            let name = function_name(header);
            name.is_some_and(|name| {
                (0..total).filter(|&i| !(f.0..=f.1).contains(&i) && has_call(view.line(i), name)).any(|i| {
                    // …or from an HTTP client interceptor, which runs on every request.
                    (i.saturating_sub(3)..=i).any(|j| view.line(j).contains("interceptors"))
                        || enclosing_function(view, i).is_some_and(|g| {
                            calls_payment(g)
                                || ROUTE_HEADER.is_match(view.line(g.0))
                                || (g.0.saturating_sub(1)..=g.0).any(|j| view.line(j).contains("interceptors"))
                        })
                })
            })
        };
        if per_request {
            let lr = view.line_range(n);
            let line = &view.text[lr.clone()];
            let start = lr.start + (line.len() - line.trim_start().len());
            out.push(Detection::at(start..lr.end).value(line.trim().to_string()));
        }
    }
    out
}

/// Whether a bare token guard is followed, within 2 lines, by an assignment of the guarded name
/// (`if (!token) token = await login();`): a parameter checked before use (`if token != ""`
/// then a header set) is not caching.
fn lazily_initialised(view: &FileView<'_>) -> bool {
    let total = view.line_count();
    (0..total).any(|n| {
        BARE_GUARD.captures_iter(view.line(n)).any(|c| {
            let name = &c["name"];
            (n..(n + 3).min(total)).any(|i| {
                let l = view.line(i);
                let from = if i == n { c.get(0).map_or(0, |m| m.end()) } else { 0 };
                IDENT.find_iter(&l[from..]).any(|m| {
                    m.as_str() == name && {
                        let rest = l[from + m.end()..].trim_start();
                        rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>")
                    }
                })
            })
        })
    })
}

/// A call of a payment operation defined elsewhere: `Exirom_Refunds_Legacy::refund(`,
/// `$this->charge(`, `client.createPayment(`, `gateway.payout(`.
fn calls_payment_operation(line: &str) -> bool {
    IDENT.find_iter(line).any(|m| {
        line[m.end()..].trim_start().starts_with('(') && {
            let w = super::code::words(m.as_str());
            w.iter().any(|x| matches!(x.as_str(), "refund" | "charge" | "payout" | "payment" | "capture" | "pay"))
                && !w
                    .iter()
                    .any(|x| matches!(x.as_str(), "token" | "auth" | "login" | "authenticate" | "log" | "logger"))
        }
    })
}

fn has_ident(line: &str, name: &str) -> bool {
    IDENT.find_iter(line).any(|m| m.as_str() == name)
}

fn has_call(line: &str, name: &str) -> bool {
    IDENT.find_iter(line).any(|m| m.as_str() == name && line[m.end()..].trim_start().starts_with('('))
        && !is_function_header(line)
}

/// The name a function header defines: `async function getToken(`, `def _token(`,
/// `func (c *Client) token(`, `const getToken = async () =>`, `private String token() {`.
fn function_name(header: &str) -> Option<&str> {
    let t = header.trim_start();
    if let Some(eq) = t.find('=')
        && (t.starts_with("const ") || t.starts_with("let ") || t.starts_with("var ") || t.starts_with("export "))
    {
        return IDENT.find_iter(&t[..eq]).last().map(|m| m.as_str());
    }
    let paren = t.find('(')?;
    let mut before = &t[..paren];
    if t.starts_with("func (") {
        // Go method: func (c *Client) token(
        let close = t.find(')')?;
        let rest = &t[close + 1..];
        let p2 = rest.find('(')?;
        before = &rest[..p2];
    }
    IDENT
        .find_iter(before)
        .last()
        .map(|m| m.as_str())
        .filter(|n| !matches!(*n, "function" | "def" | "func" | "fun" | "async"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(path: &str, text: &str) -> usize {
        let v = FileView::new(path, text);
        let hits: Vec<Range<usize>> = text.match_indices("v1/auth").map(|(i, m)| i..i + m.len()).collect();
        detect(&v, &hits).len()
    }

    #[test]
    fn auth_inside_payment_function() {
        let src = "async function createPayment(order) {\n  const { data: token } = await axios.post(`${BASE}/v1/auth`, creds);\n  return axios.post(`${BASE}/v1/payments/card`, body(order), auth(token));\n}\n";
        assert_eq!(count("src/exirom.js", src), 1);
    }

    #[test]
    fn getter_called_per_payment() {
        let src = "class Client:\n    def _token(self):\n        r = requests.post(f\"{self.base}/v1/auth\", json=self.creds)\n        return r.json()[\"token\"]\n\n    def pay(self, body):\n        headers = {\"Authorization\": f\"Bearer {self._token()}\"}\n        return requests.post(f\"{self.base}/v1/payments/card\", json=body, headers=headers)\n";
        assert_eq!(count("app/exirom.py", src), 1);
    }

    #[test]
    fn cached_token_passes() {
        let src = "let cachedToken = null;\nlet expiresAt = 0;\nasync function token() {\n  if (cachedToken && Date.now() < expiresAt) return cachedToken;\n  const r = await axios.post(`${BASE}/v1/auth`, creds);\n  cachedToken = r.data;\n  return cachedToken;\n}\nasync function pay(b) {\n  return axios.post(`${BASE}/v1/payments/card`, b, { headers: { Authorization: `Bearer ${await token()}` } });\n}\n";
        assert_eq!(count("src/exirom.js", src), 0);
    }

    #[test]
    fn startup_auth_passes() {
        let src = "const token = await axios.post(`${BASE}/v1/auth`, creds);\nexport async function pay(b) {\n  return axios.post(`${BASE}/v1/payments/card`, b);\n}\n";
        assert_eq!(count("src/exirom.mjs", src), 0);
    }

    #[test]
    fn names() {
        assert_eq!(function_name("async function getToken(creds) {"), Some("getToken"));
        assert_eq!(function_name("    def _token(self):"), Some("_token"));
        assert_eq!(function_name("func (c *Client) token(ctx context.Context) (string, error) {"), Some("token"));
        assert_eq!(function_name("const getToken = async () => {"), Some("getToken"));
        assert_eq!(function_name("  private String fetchToken() {"), Some("fetchToken"));
    }

    #[test]
    fn unrelated_memos_and_parameter_checks_are_not_caching() {
        let rb = "class Client\n  def self.config\n    @config ||= Config.new\n  end\n\n  def charge(order)\n    token = post(\"/v1/auth\", creds)[\"token\"]\n    post(\"/v1/payments/card\", body(order), token)\n  end\n\n  def post(path, body, token = nil)\n    request[\"Authorization\"] = \"Bearer #{token}\" if token\n  end\nend\n";
        assert_eq!(count("app/services/exirom/client.rb", rb), 1);
        let go = "func (c *Client) post(ctx context.Context, path, token string) error {\n\tif token != \"\" {\n\t\treq.Header.Set(\"Authorization\", \"Bearer \"+token)\n\t}\n\treturn nil\n}\n\nfunc (c *Client) CreatePayment(ctx context.Context) error {\n\tif err := c.post(ctx, \"/v1/auth\", \"\"); err != nil {\n\t\treturn err\n\t}\n\treturn c.post(ctx, \"/v1/payments/card\", auth.Token)\n}\n";
        assert_eq!(count("internal/exirom/client.go", go), 1);
    }

    #[test]
    fn lazy_initialisation_is_caching() {
        let js = "let token;\nasync function getToken() {\n  if (!token) token = (await axios.post(`${BASE}/v1/auth`, creds)).data.token;\n  return token;\n}\nasync function pay(b) {\n  return axios.post(`${BASE}/v1/payments/card`, b, auth(await getToken()));\n}\n";
        assert_eq!(count("src/exirom.js", js), 0);
        let rb = "def token\n  @token ||= post(\"/v1/auth\", creds)[\"token\"]\nend\ndef charge(o)\n  post(\"/v1/payments/card\", o, token)\nend\n";
        assert_eq!(count("app/exirom.rb", rb), 0);
    }

    #[test]
    fn auth_next_to_a_payment_operation_defined_elsewhere() {
        let php = "class Exirom_Refund\n{\n    public static function process($order, $amount)\n    {\n        $auth = wp_remote_post($base . '/v1/auth', ['body' => $creds]);\n        $token = json_decode(wp_remote_retrieve_body($auth), true)['token'];\n        return Exirom_Refunds_Legacy::refund($token, $order->get_transaction_id());\n    }\n}\n";
        assert_eq!(count("includes/class-exirom-refund.php", php), 1);
        let getter = "function fetch_token() {\n  $r = wp_remote_post($base . '/v1/auth', ['body' => $creds]);\n  log_payment_attempt('auth');\n  return $r;\n}\n";
        assert_eq!(count("includes/token.php", getter), 0);
    }
}
