//! Exirom call sites: where a file talks to Exirom, found before any evidence rule looks for a
//! behaviour near them.
//!
//! A site is a base URL literal (`api.exirom.com`, `sandbox.api.exirom.com`), an `EXIROM_*`
//! setting, a `POST …/v1/auth`, a payment request (`/v1/payments…`, `/v1/payouts…`,
//! `/v1/refunds…`), a status poll (`…/status/{id}`, `…/info/{id}`) or a callback handler (code
//! reading `X-Checksum`, or `transactionStatus` from an incoming request). URLs and settings count
//! in code and configuration; calls and handlers only in code of the languages the static probe
//! reads structurally (JS/TS, Python, PHP, Java/Kotlin, Go, Ruby, C#).
//!
//! A path kept in a module-level constant (`const CARD = '/v1/payments/card'`) is called where the
//! constant is used, so such a site's [`Site::calls`] are the lines using it.
//! See: API.md §1, §2, §4.1, §10.

use std::sync::LazyLock;

use regex::Regex;

use super::super::context::Lang;
use super::super::detectors::code::{assigned_key, enclosing_function, is_comment_line, is_function_header};
use super::super::source::FileView;

/// What a call site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteKind {
    /// An Exirom host literal (production or sandbox).
    BaseUrl,
    /// An `EXIROM_*` environment variable or setting.
    Setting,
    /// `POST …/v1/auth`.
    Auth,
    /// A payment, payout or refund request.
    Payment,
    /// A status or details poll (`…/status/{id}`, `…/info/{id}`).
    Poll,
    /// A callback handler.
    Callback,
}

impl SiteKind {
    /// How the kind reads in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::BaseUrl => "base URL",
            Self::Setting => "EXIROM_* setting",
            Self::Auth => "auth call",
            Self::Payment => "payment call",
            Self::Poll => "status poll",
            Self::Callback => "callback handler",
        }
    }

    /// Whether the kind is an API request golive can see (auth, payment, poll).
    pub fn is_request(self) -> bool {
        matches!(self, Self::Auth | Self::Payment | Self::Poll)
    }
}

/// One call site in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// What it is.
    pub kind: SiteKind,
    /// 0-based line of the literal (or handler header).
    pub line: usize,
    /// Byte offset of the literal in the file.
    pub offset: usize,
    /// 0-based lines where the call happens: the line itself, or the uses of the constant that
    /// holds the path.
    pub calls: Vec<usize>,
    /// For base URLs: the sandbox host.
    pub sandbox: bool,
}

/// Languages whose code is read for calls and handlers.
pub fn is_code_lang(lang: Lang) -> bool {
    matches!(lang, Lang::Js | Lang::Python | Lang::Php | Lang::Jvm | Lang::Go | Lang::Ruby | Lang::CSharp)
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:https?://)?(?P<sandbox>sandbox\.)?api\.exirom\.com").expect("a literal regex that is tested")
});
static SETTING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)EXIROM_[A-Z0-9_]+").expect("a literal regex that is tested"));
static AUTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)/v1/auth(?-u:\b)").expect("a literal regex that is tested"));
static API: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/v1/(?:payments|payouts|refunds?)(?-u:\b)[^\s'\x22\x60),;]*")
        .expect("a literal regex that is tested")
});
static POLL_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/(?:status|info)(?:/|$|\{|\$|%|\x22|')").expect("a literal regex that is tested")
});
static CHECKSUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:http_)?x[-_]checksum(?-u:\b)").expect("a literal regex that is tested")
});
static TX_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)transaction_?status").expect("a literal regex that is tested"));
static INCOMING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"req\.body|request\.body|request\.json|get_json|request\.data|request\.POST|\$request->|\$_POST|php://input",
        r"|params\[|@RequestBody|\[FromBody\]|r\.Body|c\.Bind|ShouldBind|ctx\.request|event\.body|request\.get_data",
        r"|request\.form|Request\.Body|ReadFromJsonAsync|getContent\(\)|request\.raw_post|request\.params",
    ))
    .expect("a literal regex that is tested")
});
/// A function header (or route) named for callbacks.
static HANDLER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)callback|webhook|notify|notification|(?-u:\b)ipn(?-u:\b)|(?-u:\b)hooks?(?-u:\b)")
        .expect("a literal regex that is tested")
});
static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_$][A-Za-z0-9_$]*").expect("a literal regex that is tested"));

/// Every call site in the file, sorted by line and kind.
pub fn find(view: &FileView<'_>) -> Vec<Site> {
    let lang = view.ctx.lang;
    let code = is_code_lang(lang);
    let text = view.text;
    let mut out = Vec::new();
    let live = |offset: usize| !is_comment_line(view.line_at(offset), lang);
    for m in URL.captures_iter(text) {
        let (Some(all), sandbox) = (m.get(0), m.name("sandbox").is_some()) else {
            continue;
        };
        if live(all.start()) {
            out.push(site(view, SiteKind::BaseUrl, all.start(), sandbox));
        }
    }
    for m in SETTING.find_iter(text) {
        if live(m.start()) {
            out.push(site(view, SiteKind::Setting, m.start(), false));
        }
    }
    if code {
        for m in AUTH.find_iter(text) {
            if live(m.start()) {
                out.push(with_calls(view, site(view, SiteKind::Auth, m.start(), false)));
            }
        }
        for m in API.find_iter(text) {
            if !live(m.start()) {
                continue;
            }
            let kind = if POLL_PATH.is_match(m.as_str()) { SiteKind::Poll } else { SiteKind::Payment };
            out.push(with_calls(view, site(view, kind, m.start(), false)));
        }
        out.extend(callbacks(view));
    }
    out.sort_by_key(|s| (s.line, s.kind, s.offset));
    out.dedup_by_key(|s| (s.line, s.kind));
    out
}

fn site(view: &FileView<'_>, kind: SiteKind, offset: usize, sandbox: bool) -> Site {
    let line = view.line_of(offset);
    Site { kind, line, offset, calls: vec![line], sandbox }
}

/// A path in a module-level constant is called where the constant is used.
fn with_calls(view: &FileView<'_>, mut s: Site) -> Site {
    if enclosing_function(view, s.line).is_some() {
        return s;
    }
    let lr = view.line_range(s.line);
    let line = &view.text[lr.clone()];
    let lower = line.to_ascii_lowercase();
    let is_call = ["(", "await ", "curl"].iter().any(|c| lower[..(s.offset - lr.start).min(lower.len())].contains(c));
    if is_call {
        return s;
    }
    let Some(name) = assigned_key(line, s.offset - lr.start, view.ctx.lang).filter(|k| k.len() > 2) else {
        return s;
    };
    let name = name.trim_start_matches('$').to_string();
    let uses: Vec<usize> = (0..view.line_count()).filter(|&i| i != s.line && has_ident(view.line(i), &name)).collect();
    if !uses.is_empty() {
        s.calls = uses;
    }
    s
}

/// Whether `line` uses the identifier `name` (whole word).
pub fn has_ident(line: &str, name: &str) -> bool {
    // A line without the name as text cannot use it: skip the tokenizing regex (callers test every
    // line of a file).
    line.contains(name) && IDENT.find_iter(line).any(|m| m.as_str().trim_start_matches('$') == name)
}

/// Callback handlers: one site per handler function (its header line), or per line at module level.
fn callbacks(view: &FileView<'_>) -> Vec<Site> {
    let lang = view.ctx.lang;
    let mut out: Vec<Site> = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    let mut add = |offset: usize, out: &mut Vec<Site>| {
        let n = view.line_of(offset);
        let header = handler_of(view, n);
        let line = header.unwrap_or(n);
        if !seen.contains(&line) {
            seen.push(line);
            let start = view.line_range(line).start;
            let lead = view.line(line).len() - view.line(line).trim_start().len();
            out.push(Site { kind: SiteKind::Callback, line, offset: start + lead, calls: vec![n], sandbox: false });
        }
    };
    for m in CHECKSUM.find_iter(view.text) {
        let line = view.line_at(m.start());
        if !is_comment_line(line, lang) {
            add(m.start(), &mut out);
        }
    }
    for m in TX_STATUS.find_iter(view.text) {
        let n = view.line_of(m.start());
        let line = view.line(n);
        if is_comment_line(line, lang) {
            continue;
        }
        let in_handler = enclosing_function(view, n).is_some_and(|(h, _)| HANDLER.is_match(view.line(h)));
        if in_handler || INCOMING.is_match(line) {
            add(m.start(), &mut out);
        }
    }
    out
}

/// The header line of the handler function enclosing 0-based line `n`.
fn handler_of(view: &FileView<'_>, n: usize) -> Option<usize> {
    enclosing_function(view, n).map(|(h, _)| h)
}

/// The name a function header defines: `async function getToken(`, `def _token(`,
/// `func (c *Client) Pay(`, `const pay = async () =>`, `public Result pay(Order o) {`.
pub fn function_name(header: &str) -> Option<&str> {
    if !is_function_header(header) {
        return None;
    }
    let t = header.trim_start();
    if let Some(eq) = t.find('=')
        && (t.starts_with("const ") || t.starts_with("let ") || t.starts_with("var ") || t.starts_with("export "))
    {
        return IDENT.find_iter(&t[..eq]).last().map(|m| m.as_str());
    }
    let paren = t.find('(')?;
    let mut before = &t[..paren];
    if t.starts_with("func (") {
        let close = t.find(')')?;
        let rest = &t[close + 1..];
        before = &rest[..rest.find('(')?];
    }
    IDENT
        .find_iter(before)
        .last()
        .map(|m| m.as_str().trim_start_matches('$'))
        .filter(|n| !matches!(*n, "function" | "def" | "func" | "fun" | "async" | "post" | "get" | "put" | "route"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(path: &str, text: &str) -> Vec<(SiteKind, usize)> {
        let v = FileView::new(path, text);
        find(&v).into_iter().map(|s| (s.kind, s.line + 1)).collect()
    }

    #[test]
    fn finds_requests_in_every_language() {
        let js = "const r = await http.post('/v1/payments/card', body);\nconst s = await http.get(`/v1/payments/card/status/${id}`);\nconst t = await http.post('/v1/auth', creds);\n";
        assert_eq!(kinds("src/a.ts", js), [(SiteKind::Payment, 1), (SiteKind::Poll, 2), (SiteKind::Auth, 3)]);
        let py = "r = requests.get(f\"{BASE}/v1/payments/apm/info/{tx}\")\n";
        assert_eq!(kinds("app/a.py", py), [(SiteKind::Poll, 1)]);
        let java = "var req = HttpRequest.newBuilder(URI.create(base + \"/v1/payments/card\")).build();\n";
        assert_eq!(kinds("src/main/java/A.java", java), [(SiteKind::Payment, 1)]);
        let go = "url := fmt.Sprintf(\"%s/v1/payments/card/status/%s\", c.base, id)\n";
        assert_eq!(kinds("pay.go", go), [(SiteKind::Poll, 1)]);
        let php = "$ch = curl_init(getenv('EXIROM_BASE_URL') . '/v1/payments/refund');\n";
        assert_eq!(kinds("app/a.php", php), [(SiteKind::Setting, 1), (SiteKind::Payment, 1)]);
    }

    #[test]
    fn constants_are_called_where_used() {
        let src =
            "const CARD_PATH = '/v1/payments/card';\n\nasync function pay(b) {\n  return http.post(CARD_PATH, b);\n}\n";
        let v = FileView::new("src/a.ts", src);
        let s = find(&v);
        assert_eq!(s[0].kind, SiteKind::Payment);
        assert_eq!(s[0].calls, vec![3]);
    }

    #[test]
    fn callback_handlers() {
        let js = "router.post('/exirom/callback', (req, res) => {\n  res.sendStatus(200);\n  const { transactionId, transactionStatus } = req.body;\n  apply(transactionId, transactionStatus);\n});\n";
        assert_eq!(kinds("src/cb.ts", js), [(SiteKind::Callback, 1)]);
        let py = "@app.post(\"/exirom/callback\")\ndef callback():\n    sig = request.headers.get(\"X-Checksum\")\n    body = request.get_json()\n    status = body[\"transactionStatus\"]\n";
        assert_eq!(kinds("app/cb.py", py), [(SiteKind::Callback, 2)]);
        // Reading a status from the payment response is not a callback, in a route or not.
        let client = "async function pay(b) {\n  const r = await http.post('/v1/payments/card', b);\n  return r.data.transactionStatus;\n}\n";
        assert_eq!(kinds("src/client.ts", client), [(SiteKind::Payment, 2)]);
        let route = "router.post('/checkout', async (req, res) => {\n  const result = await pay(req.body);\n  res.json({ status: result.transactionStatus });\n});\n";
        assert_eq!(kinds("src/checkout.ts", route), []);
    }

    #[test]
    fn comments_and_hosts() {
        let src = "# POST /v1/payments/card\nBASE = \"https://sandbox.api.exirom.com/api\"\nPROD = \"https://api.exirom.com/api\"\n";
        let v = FileView::new("app/a.py", src);
        let s = find(&v);
        assert_eq!(s.len(), 2);
        assert!(s[0].sandbox && !s[1].sandbox);
    }

    #[test]
    fn names() {
        assert_eq!(function_name("async function payByCard(order) {"), Some("payByCard"));
        assert_eq!(function_name("    def pay(self, order):"), Some("pay"));
        assert_eq!(function_name("func (c *Client) Pay(ctx context.Context, o Order) (*Result, error) {"), Some("Pay"));
        assert_eq!(function_name("export const pay = async (o: Order) => {"), Some("pay"));
        assert_eq!(function_name("    public PaymentResult pay(Order order) {"), Some("pay"));
        assert_eq!(function_name("router.post('/checkout', async (req, res) => {"), None);
    }
}
