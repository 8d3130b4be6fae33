//! `webhook-signature-unverified`: an Exirom callback handler that never verifies `X-Checksum`, or
//! compares it with `==`/`===`/`equals` instead of a constant-time comparison.
//!
//! File-level. A *callback handler* is a route handler region (Express/Fastify/Koa routes, Flask/
//! `FastAPI` decorators, Django views, Spring `@PostMapping`, Laravel controllers and routes, Rails
//! actions, Sinatra, Go `http.ResponseWriter` handlers, serverless handlers) that reads
//! `transactionStatus`/`transactionId` and either is named or routed as a callback/webhook/notify/
//! IPN endpoint or reads the incoming request body without calling the payment API itself (a
//! client reading `transactionStatus` from an API *response* is not a handler).
//!
//! A handler passes when it reads the `X-Checksum` header and compares it in constant time
//! (`crypto.timingSafeEqual`, `hmac.compare_digest`, `hash_equals`, `MessageDigest.isEqual`,
//! `subtle.ConstantTimeCompare`/`hmac.Equal`, `secure_compare`, `FixedTimeEquals`…), or delegates to
//! a verifier (`verifyChecksum(req)`, `validate_signature`, middleware or a decorator named so).
//! Helper functions in the file that compute an HMAC for the checksum are checked for `==` too.
//! See: API.md §11 (checksums) and the Going to Production guide ("always verify X-Checksum").

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{self, assigned_key, block_end, is_comment_line, is_function_header, words};
use super::{Detection, Detector, FileView};

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "webhook-signature-unverified", file_level: true, keywords: &[], finder: None, detect };

const NEVER: &str = "callback handler never verifies X-Checksum";
const EQ: &str = "X-Checksum compared with == instead of a constant-time comparison";
const UNUSED: &str = "X-Checksum is read but never compared";

static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:app|router|server|api|routes?|r|e|g|mux|fastify|instance|webhooks?|callbacks?|v1|bp)\s*\.\s*(?:post|all|any|route|handle|handlefunc|match)\s*\(",
        r"|@[A-Za-z_.]*\.(?:post|route|api_route)\s*\(|@(?:Post|Request)Mapping|@Post\(|@POST\b|\br\.(?:post|is|on)\s+['\x22]|\[Http(?:Post|Route)|\bRoute::(?:post|any|match)\s*\(",
        r"|^\s*post\s+['\x22:]|\bHandleFunc\s*\(|\.POST\s*\(|export\s+(?:async\s+)?function\s+POST\b",
        r"|exports\.handler|export\s+(?:const|default|async\s+function)\s+handler|functions\.https\.onRequest|@csrf_exempt",
        r"|http\.ResponseWriter|\becho\.Context\b|\*gin\.Context\b|\*fiber\.Ctx\b|\*fasthttp\.RequestCtx\b|\bdef\s+\w+\s*\(\s*(?:self\s*,\s*)?request\b|function\s+\w+\s*\(\s*(?:Request|ServerRequestInterface)\s+\$",
        r"|\bdef\s+(?:callback|webhook|notify|notification|ipn|exirom\w*|handle_\w*callback\w*|\w*webhook\w*|\w*callback\w*)\b",
        r"|(?:function\s+\w+|const\s+\w+\s*=\s*(?:async\s*)?)\s*\(\s*(?:req|request|ctx|event)\b|\w+\s*\(\s*req\s*:\s*(?:Request|FastifyRequest|NextRequest)",
        r"|public\s+\S+\s+\w+\s*\([^)]*@RequestBody",
    ))
    .expect("a literal regex that is tested")
});

/// A public action of a controller (Rails, Laravel, Symfony, ASP.NET, Spring without mapping).
static ACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:def\s+[a-z_]+[!?]?\s*(?:\(|$)|public\s+(?:async\s+)?(?:function\s+\w+|[A-Za-z<>\[\]]+\s+\w+)\s*\()",
    )
    .expect("a literal regex that is tested")
});

static REQUEST_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\breq(?:uest)?\s*\.\s*(?:body|json|get_json|data|form|post|params|payload|raw_post_data|input|all|getcontent|getbody)\b",
        r"|\$_POST|php://input|\$request->|@RequestBody|r\.Body|\bparams\s*\[|json_decode|ctx\.request\.body|event\.body|JSON\.parse\(\s*(?:req|event|body|raw)",
        r"|await\s+request\.(?:json|text|formData)\(|\.(?:Bind|BindJSON|ShouldBind|ShouldBindJSON|BodyParser)\(\s*&|c\.Request\(\)\.Body",
    ))
    .expect("a literal regex that is tested")
});

/// What may wrap the request body in an assignment: nothing, or a parse/decode call.
static PARSE_WRAPPER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:[\w.:\\]*(?:json|parse|loads|decode|load|unmarshal)\w*\s*\(\s*)?$")
        .expect("a literal regex that is tested")
});

static OUTGOING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/v1/(?:payments|payouts|refunds|auth)|axios\.|fetch\(|requests\.(?:post|get)|http\.post|httpclient|resttemplate|webclient|guzzle|curl_exec|net::http|faraday|\.postasync|http\.NewRequest|exirom(?:client|api|\.payments|\.charge)")
        .expect("a literal regex that is tested")
});

static CONSTANT_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)timingsafeequal|compare_digest|hash_equals|messagedigest\.isequal|constanttimecompare|hmac\.equal\b",
        r"|secure_compare|fixed_length_secure_compare|fixedtimeequals|constant_time_compare|constanttimeequals",
        r"|safecompare|timingsafecompare|securecompare|tsscmp|scmp\(|crypto\.subtle\.verify|constant_time_eq|ct_eq|slowequals",
    ))
    .expect("a literal regex that is tested")
});

static HMAC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)createhmac|hmac\.new|hash_hmac|mac\.getinstance|hmac\.new\(|hmac\.New\(|openssl::hmac|hmacsha256|hmac<sha256>|crypto\.subtle\.sign|new\s+hmac")
        .expect("a literal regex that is tested")
});

static COMPARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"!==|===|!=|==|\.equals\(|\.Equals\(|\bequals\(|\bstrcmp\(|\.eql\?|\.equal\?\(|\bis\s+not\b|<=>")
        .expect("a literal regex that is tested")
});

/// Comparison functions that return early on the first differing byte.
static FUNC_COMPARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\bstrn?(?:case)?cmp\(|\.compareTo\(|\.equals\(|\.Equals\(|\bequals\(|\bbytes\.Equal\(|reflect\.DeepEqual\(",
        r"|Arrays\.equals\(|\.eql\?|\.equal\?|[Ss]tring\.Equals\(|strings\.(?:Compare|EqualFold)\(|\.contentEquals\(",
        r"|\bassert_equal\b|Objects\.equals\(|\.localeCompare\(",
    ))
    .expect("a literal regex that is tested")
});

static MIDDLEWARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\.use\s*\(|before_action|before_filter|->middleware|middleware\s*\(|@UseGuards|add_middleware|MIDDLEWARE",
    )
    .expect("a literal regex that is tested")
});

const CALLBACK_WORDS: &[&str] = &[
    "webhook",
    "webhooks",
    "callback",
    "callbacks",
    "notify",
    "notification",
    "notifications",
    "ipn",
    "hook",
    "hooks",
    "postback",
    "cb",
];
const CHECKSUM_WORDS: &[&str] = &["checksum", "signature", "sig", "hmac", "signed", "webhook", "webhooks", "callback"];
const VERIFY_WORDS: &[&str] = &[
    "verify",
    "verified",
    "verifier",
    "validate",
    "validated",
    "validator",
    "valid",
    "check",
    "checked",
    "assert",
    "ensure",
    "authenticate",
    "authentic",
    "authenticated",
    "is",
    "ok",
    "matches",
    "correct",
];
const SIG_WORDS: &[&str] = &[
    "checksum",
    "signature",
    "sig",
    "hmac",
    "digest",
    "expected",
    "computed",
    "calculated",
    "received",
    "provided",
    "header",
    "hash",
    "mac",
    "calc",
    "signed",
];

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let total = view.line_count();
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    let hit_lines: Vec<usize> =
        hits.iter().map(|h| view.line_of(h.start)).filter(|n| !is_comment_line(view.line(*n), view.ctx.lang)).collect();
    let file_verified = (0..total).any(|i| {
        let l = view.line(i);
        MIDDLEWARE.is_match(l) && names_verifier(l)
    });
    let mut regions = handler_regions(view);
    let path_words = words(view.path);
    let path_callback = path_words.iter().any(|w| CALLBACK_WORDS.contains(&w.as_str()));
    // A script named for callbacks (`webhooks/exirom.js`, a serverless handler) that reads a request:
    // from its first read to its end. A DTO named `CallbackPayload` reads nothing.
    if regions.iter().all(|r| !hit_lines.iter().any(|n| r.contains(n)))
        && path_callback
        && !hit_lines.is_empty()
        && REQUEST_BODY.is_match(view.text)
    {
        regions.push(hit_lines[0]..total);
    }
    for r in &regions {
        let Some(&first_read) = hit_lines.iter().find(|n| r.contains(n)) else {
            continue;
        };
        let text = region_text(view, r);
        let marker = view.line(r.start);
        let named_callback = words(marker).iter().any(|w| CALLBACK_WORDS.contains(&w.as_str()))
            || path_callback && !OUTGOING.is_match(&text);
        let reads_request = !OUTGOING.is_match(&text)
            && hits.iter().any(|h| r.contains(&view.line_of(h.start)) && request_sourced(view, r, h.start));
        if !named_callback && !reads_request {
            continue;
        }
        let above: String = (r.start.saturating_sub(3)..r.start).map(|i| view.line(i)).collect::<Vec<_>>().join("\n");
        // Middleware on the route (`router.post('/cb', exiromSignature, …)`) or a verifier anywhere.
        let route_middleware =
            words(marker).iter().any(|w| matches!(w.as_str(), "checksum" | "signature" | "hmac" | "signed"));
        let delegated = file_verified || route_middleware || names_verifier(&text) || names_verifier(&above);
        let lower = text.to_ascii_lowercase();
        let reads_header = lower.contains("x-checksum") || lower.contains("x_checksum") || lower.contains("xchecksum");
        if reads_header {
            out.extend(compare_problems(view, r.clone(), delegated));
        } else if !delegated {
            let at = if ROUTE.is_match(marker) || ACTION.is_match(marker) { declaration(view, r) } else { first_read };
            out.push((at, NEVER));
        }
    }
    // Checksum helpers anywhere in the file.
    if view.has_keyword("checksum") || view.has_keyword("x-checksum") || code_mentions_checksum(view) {
        let mut i = 0;
        while i < total {
            if is_function_header(view.line(i)) {
                let end = block_end(view, i);
                let body = region_text(view, &(i..end + 1));
                if HMAC.is_match(&body) && !regions.iter().any(|r| r.contains(&i)) {
                    out.extend(compare_problems(view, i..end + 1, true));
                }
            }
            i += 1;
        }
    }
    out.sort_unstable();
    out.dedup_by_key(|(l, _)| *l);
    out.into_iter()
        .map(|(l, note)| {
            let lr = view.line_range(l);
            let line = &view.text[lr.clone()];
            let start = lr.start + (line.len() - line.trim_start().len());
            Detection::at(start..lr.end).note(note).value(format!("{note}: {}", line.trim()))
        })
        .collect()
}

fn code_mentions_checksum(view: &FileView<'_>) -> bool {
    super::super::source::contains_ascii_ci(view.text, "checksum")
}

/// Whether the `transactionStatus`/`transactionId` read at `pos` comes from the incoming request:
/// read off the request directly (`req.body.transactionStatus`, `$request->input(…)`,
/// `params[:transactionId]`), or off a variable the handler filled from the request body
/// (`payload = request.get_json()`, `Decode(&cb)` of `r.Body`, `@RequestBody CallbackDto body`).
fn request_sourced(view: &FileView<'_>, r: &Range<usize>, pos: usize) -> bool {
    let line_start = view.line_range(view.line_of(pos)).start;
    if read_off_request(view.line_at(pos), pos - line_start) {
        return true;
    }
    let chain = key_owner(view.text, pos).unwrap_or_else(|| code::chain_at(view.text, pos));
    let root = view.text[chain]
        .split(['.', '[', '-', '('])
        .next()
        .unwrap_or_default()
        .trim_start_matches(['$', '@'])
        .to_string();
    if root.is_empty() {
        return false;
    }
    let ident = Regex::new(&format!(r"(?:^|[^A-Za-z0-9_]){}(?:[^A-Za-z0-9_]|$)", regex::escape(&root)));
    let Ok(ident) = ident else {
        return false;
    };
    (r.start.saturating_sub(2)..r.end).any(|i| {
        let l = view.line(i);
        let Some(m) = ident.find(l) else {
            return false;
        };
        if l.contains("@RequestBody") || (l.contains("Decode(&") || l.contains("Bind")) && REQUEST_BODY.is_match(l) {
            return true;
        }
        // `root = <request body>` with the request expression right at the start of the value.
        let rest = l[m.end().saturating_sub(1)..].trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let rest = rest.trim_start_matches([' ', ':', '\t']);
        let Some(rhs) = rest.strip_prefix('=').filter(|x| !x.starts_with(['=', '>'])) else {
            return false;
        };
        let rhs = rhs.trim_start().trim_start_matches("await ").trim_start();
        // The request itself, maybe parsed (`json.loads(request.body)`), not a call that takes
        // request fields (`pay(req.params.orderId, …)` returns an API response).
        REQUEST_BODY.find(rhs).is_some_and(|x| PARSE_WRAPPER.is_match(&rhs[..x.start()]))
    })
}

/// Whether the key at byte `at` of `line` is read straight off the request: the request expression
/// leads to it through accessors only (`req.body.transactionId`, `request.get_json()["transactionId"]`,
/// `$request->input('transactionId'`, `params[:transactionId]`), or it is destructured from it
/// (`const { transactionId } = req.body`). `result.transactionId` on a line that also mentions
/// `req.params` is not.
fn read_off_request(line: &str, at: usize) -> bool {
    static ACCESSORS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^(?:[A-Za-z0-9_$?.\[\]():'"]|->)*$"#).expect("a literal regex that is tested"));
    static DESTRUCTURED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[\w\s,:?]*\}\s*(?::\s*\w+\s*)?=\s*(?:await\s+)?$").expect("a literal regex that is tested")
    });
    REQUEST_BODY.find_iter(line).any(|m| {
        if m.end() <= at {
            ACCESSORS.is_match(&line[m.end()..at])
        } else {
            let key_end =
                line[at..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(line.len(), |e| at + e);
            m.start() >= key_end && DESTRUCTURED.is_match(&line[key_end..m.start()])
        }
    })
}

/// The line that declares the handler of region `r`: its first line, or for a decorated function
/// (`@csrf_exempt`, `@PostMapping(…)`, `[HttpPost]`) the function the decorators stand on.
fn declaration(view: &FileView<'_>, r: &Range<usize>) -> usize {
    let t = view.line(r.start).trim_start();
    if !(t.starts_with('@') || t.starts_with('[')) {
        return r.start;
    }
    (r.start..r.end.min(r.start + 6)).find(|&i| is_function_header(view.line(i))).unwrap_or(r.start)
}

/// The chain a string key at `pos` is looked up in: `body` of `body["transactionId"]`,
/// `payload.get("transactionStatus")`, `params[:transactionId]`, `$data['transactionId']`.
fn key_owner(text: &str, pos: usize) -> Option<Range<usize>> {
    let before = text[..pos].strip_suffix(['"', '\'', ':'])?.trim_end();
    let owner = before.strip_suffix('[').or_else(|| {
        ["get(", "fetch(", "dig(", "input("]
            .iter()
            .find_map(|k| before.strip_suffix(k))
            .map(|x| x.strip_suffix('.').or_else(|| x.strip_suffix("->")).unwrap_or(x))
    })?;
    let last = owner.len().checked_sub(1)?;
    code::is_ident_byte(owner.as_bytes()[last]).then(|| code::chain_at(text, last))
}

/// Route/handler regions: each marker line to the end of its block (decorators extend to the
/// function they decorate).
fn handler_regions(view: &FileView<'_>) -> Vec<Range<usize>> {
    let total = view.line_count();
    let mut out = Vec::new();
    let controller = words(view.path).iter().any(|w| matches!(w.as_str(), "controller" | "controllers"));
    let mut i = 0;
    while i < total {
        let line = view.line(i);
        let action = controller && ACTION.is_match(line);
        if (ROUTE.is_match(line) || action) && !is_comment_line(line, view.ctx.lang) {
            let t = line.trim_start();
            let decorator = t.starts_with('@') || t.starts_with('[');
            let head = if decorator {
                (i + 1..(i + 6).min(total))
                    .find(|&j| {
                        is_function_header(view.line(j))
                            || ROUTE.is_match(view.line(j)) && !view.line(j).trim_start().starts_with('@')
                    })
                    .unwrap_or(i)
            } else {
                i
            };
            let end = block_end(view, head);
            out.push(i..end + 1);
            i = if decorator { head + 1 } else { i + 1 };
            continue;
        }
        i += 1;
    }
    out
}

fn region_text(view: &FileView<'_>, r: &Range<usize>) -> String {
    let start = view.line_range(r.start).start;
    let end = view.line_range(r.end.saturating_sub(1).max(r.start)).end;
    view.text[start..end.max(start)].to_string()
}

/// Whether text names a verifier: an identifier with a verify-word and a checksum-word
/// (`verifyChecksum`, `validate_signature`, `isValidHmac`, `webhooks.verify`).
fn names_verifier(text: &str) -> bool {
    static IDENT_CHAIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|::|->)[A-Za-z_$][A-Za-z0-9_$]*)*")
            .expect("a literal regex that is tested")
    });
    IDENT_CHAIN.find_iter(text).any(|m| {
        let w = words(m.as_str());
        w.iter().any(|x| VERIFY_WORDS.contains(&x.as_str()))
            && w.iter().any(|x| CHECKSUM_WORDS.contains(&x.as_str()))
            && !w.iter().any(|x| x == "x" && w.len() == 2)
    })
}

/// Comparison problems in lines `r`: `==` on the checksum without a constant-time compare, or a
/// header read that is never compared or passed on.
fn compare_problems(view: &FileView<'_>, r: Range<usize>, delegated: bool) -> Vec<(usize, &'static str)> {
    let text = region_text(view, &r);
    if CONSTANT_TIME.is_match(&text) {
        return Vec::new();
    }
    let lang = view.ctx.lang;
    let mut header_var: Option<(usize, String)> = None;
    let mut out = Vec::new();
    for n in r.clone() {
        let line = view.line(n);
        if is_comment_line(line, lang) {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(p) = ["x-checksum", "x_checksum", "xchecksum"].iter().find_map(|k| lower.find(k))
            && header_var.is_none()
        {
            let var = assigned_key(line, p, lang).map(str::to_string).unwrap_or_default();
            header_var = Some((n, var));
        }
        let var = header_var.as_ref().map(|(_, v)| v.as_str()).unwrap_or_default();
        if FUNC_COMPARE.is_match(line) {
            let lw = words(line);
            if lw.iter().any(|w| SIG_WORDS.contains(&w.as_str())) || !var.is_empty() && line.contains(var) {
                out.push((n, EQ));
                continue;
            }
        }
        for m in COMPARE.find_iter(line) {
            let left = &line[..m.start()];
            let right = &line[m.end()..];
            if is_presence_check(left, right) {
                continue;
            }
            let lw = words(&format!("{} {}", tail(left), head(right)));
            let sigish = lw.iter().any(|w| SIG_WORDS.contains(&w.as_str()))
                || !var.is_empty() && (tail(left).contains(var) || head(right).contains(var))
                || lower.contains("x-checksum");
            if sigish {
                out.push((n, EQ));
                break;
            }
        }
    }
    if out.is_empty()
        && !delegated
        && let Some((n, var)) = header_var
        && !var.is_empty()
    {
        let used = r.clone().filter(|&i| i != n).any(|i| {
            let l = view.line(i);
            l.contains(var.as_str())
                && !code::log_calls(&FileView::new(view.path, l))
                    .iter()
                    .any(|c| l[c.args.clone()].contains(var.as_str()))
        });
        if !used {
            out.push((n, UNUSED));
        }
    }
    out
}

fn tail(s: &str) -> &str {
    let t = s.trim_end();
    let start = t.rfind(['(', '&', '|', '{', ',', ';', '!']).map_or(0, |p| p + 1);
    let t = &t[start..];
    t.trim_start().strip_prefix("if ").or_else(|| t.trim_start().strip_prefix("unless ")).unwrap_or(t)
}

fn head(s: &str) -> &str {
    let t = s.trim_start();
    let end = t.find([')', '&', '|', '{', ',', ';', '?']).unwrap_or(t.len());
    t[..end].trim_end_matches(':').trim_end()
}

/// `sig == null`, `!== undefined`, `is None`, `== ""`, `.length == 0`, `len(x) == 0`.
fn is_presence_check(left: &str, right: &str) -> bool {
    let r = head(right).to_ascii_lowercase();
    let l = tail(left).to_ascii_lowercase();
    let trivial = |s: &str| {
        matches!(
            s.trim(),
            "null"
                | "none"
                | "nil"
                | "undefined"
                | "''"
                | "\"\""
                | "0"
                | "false"
                | "true"
                | ""
                | "nullptr"
                | "string.empty"
        ) || s.trim_start().starts_with("typeof")
            || s.trim_end().ends_with(".length")
            || s.trim_end().ends_with("length()")
            || s.trim_end().ends_with(".size()")
            || s.trim_start().starts_with("len(")
            || s.trim_start().starts_with("count(")
            || s.trim_start().starts_with("strlen(")
            || s.trim().starts_with('\'') && s.trim().len() < 12
            || s.trim().starts_with('"') && s.trim().len() < 12
    };
    trivial(&r) || trivial(&l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(path: &str, text: &str) -> Vec<&'static str> {
        let v = FileView::new(path, text);
        let re = Regex::new(r"(?i)transaction_?status|transaction_?id").unwrap();
        let hits: Vec<Range<usize>> = re.find_iter(text).map(|m| m.range()).collect();
        detect(&v, &hits).into_iter().filter_map(|d| d.note).collect()
    }

    #[test]
    fn express_without_checksum() {
        let src = "app.post('/exirom/callback', async (req, res) => {\n  res.sendStatus(200);\n  const { transactionId, transactionStatus } = req.body;\n  await orders.update(transactionId, transactionStatus);\n});\n";
        assert_eq!(notes("src/server.js", src), [NEVER]);
    }

    #[test]
    fn express_with_eq() {
        let src = "app.post('/webhook', (req, res) => {\n  const sig = req.headers['x-checksum'];\n  const expected = sign(req.body);\n  if (sig !== expected) return res.sendStatus(200);\n  handle(req.body.transactionStatus);\n});\n";
        assert_eq!(notes("src/server.js", src), [EQ]);
    }

    #[test]
    fn constant_time_and_delegation_pass() {
        let ok = "app.post('/webhook', (req, res) => {\n  const sig = Buffer.from(req.headers['x-checksum']);\n  if (!crypto.timingSafeEqual(sig, expected(req.body))) return res.sendStatus(200);\n  handle(req.body.transactionStatus);\n});\n";
        assert!(notes("src/server.js", ok).is_empty());
        let delegated = "router.post('/callback', verifyExiromChecksum, (req, res) => {\n  handle(req.body.transactionStatus);\n});\n";
        assert!(notes("src/routes.js", delegated).is_empty());
        let py = "@app.route('/exirom/callback', methods=['POST'])\ndef callback():\n    sig = request.headers.get('X-Checksum', '')\n    if not hmac.compare_digest(sig, expected(request.get_json())):\n        return '', 200\n    status = request.get_json()['transactionStatus']\n    return '', 200\n";
        assert!(notes("app.py", py).is_empty());
    }

    #[test]
    fn api_client_is_not_a_handler() {
        let src = "app.post('/checkout', async (req, res) => {\n  const r = await axios.post(`${BASE}/v1/payments/card`, body(req.body));\n  res.json({ status: r.data.transactionStatus, id: r.data.transactionId });\n});\n";
        assert!(notes("src/checkout.js", src).is_empty());
    }

    #[test]
    fn helper_with_eq() {
        let src = "function verifyChecksum(header, p, secret) {\n  const expected = crypto.createHmac('sha256', secret).update(`${p.mid}|${p.orderAmount}|${p.orderCurrency}|${p.transactionId}`).digest('base64');\n  return expected === header;\n}\n";
        assert_eq!(notes("src/checksum.js", src), [EQ]);
    }

    #[test]
    fn reads_off_the_request_through_accessors_or_destructuring() {
        let at = |line: &str, key: &str| read_off_request(line, line.find(key).unwrap());
        assert!(at("  handle(req.body.transactionStatus);", "transactionStatus"));
        assert!(at("status = request.get_json()['transactionStatus']", "transactionStatus"));
        assert!(at("$status = $request->input('transactionStatus');", "transactionStatus"));
        assert!(at("id = params[:transactionId]", "transactionId"));
        assert!(at("  const { transactionId, transactionStatus } = req.body;", "transactionStatus"));
        assert!(!at("  log({ orderId: req.params.orderId, transactionId: result.transactionId });", "transactionId"));
        assert!(!at("  redis.hset(`3ds:${req.params.orderId}`, 'transactionId', r.transactionId);", "transactionId"));
    }

    #[test]
    fn a_response_of_a_call_taking_request_fields_is_not_the_request() {
        let src = "checkout.post('/checkout/:orderId/pay', async (req, res) => {\n  const { card } = req.body;\n  const result = await pay(req.params.orderId, card);\n  logger.info({ orderId: req.params.orderId, transactionId: result.transactionId });\n  return res.json({ status: result.transactionStatus });\n});\n";
        assert!(notes("api/src/routes/checkout.ts", src).is_empty());
    }

    #[test]
    fn django_views_keyed_reads_and_decorated_declarations() {
        let src = "@csrf_exempt\n@require_POST\ndef exirom_callback(request):\n    body = json.loads(request.body)\n    if request.headers.get(\"X-Checksum\") == expected(body):\n        Payment.objects.filter(transaction_id=body[\"transactionId\"]).update(status=body[\"transactionStatus\"])\n    return HttpResponse(status=200)\n\n\n@csrf_exempt\n@require_POST\ndef apm_callback(request):\n    payload = json.loads(request.body)\n    transaction_id, status = payload[\"transactionId\"], payload[\"transactionStatus\"]\n    return HttpResponse(status=200)\n";
        let v = FileView::new("payments/views.py", src);
        let re = Regex::new(r"(?i)transaction_?status|transaction_?id").unwrap();
        let hits: Vec<Range<usize>> = re.find_iter(src).map(|m| m.range()).collect();
        let found: Vec<(usize, &str)> =
            detect(&v, &hits).iter().map(|d| (v.line_of(d.span.start), d.note.unwrap())).collect();
        assert_eq!(found, [(4, EQ), (11, NEVER)]);
    }

    #[test]
    fn a_record_named_for_callbacks_is_not_a_handler() {
        let src =
            "package shop.dto;\n\npublic record CallbackPayload(String transactionId, String transactionStatus) {\n}\n";
        assert!(notes("src/main/java/shop/dto/CallbackPayload.java", src).is_empty());
    }

    #[test]
    fn jax_rs_roda_and_grape_handlers() {
        let jax = "@Path(\"/exirom/callback\")\npublic class ExiromCallbackResource {\n    @POST\n    public Response callback(@HeaderParam(\"X-Checksum\") String checksum, Map<String, Object> body) {\n        String status = String.valueOf(body.get(\"transactionStatus\"));\n        if (checksum != null && checksum.equals(sign(body))) {\n            orders.updateStatus(status);\n        }\n        return Response.ok().build();\n    }\n}\n";
        assert_eq!(notes("src/main/java/shop/ExiromCallbackResource.java", jax), [EQ]);
        let roda = "class App\n  hash_branch(\"exirom\") do |r|\n    r.post \"callback\" do\n      payload = JSON.parse(request.body.read)\n      Order.find_by(tx: payload[\"transactionId\"])&.update!(status: payload[\"transactionStatus\"])\n      \"OK\"\n    end\n  end\nend\n";
        assert_eq!(notes("app/routes/exirom.rb", roda), [NEVER]);
        let grape = "class PartnerAPI < Grape::API\n  post \"/exirom/callback\" do\n    body = JSON.parse(env[\"rack.input\"].read)\n    if checksum_ok?(body)\n      Order.where(tx: body[\"transactionId\"]).update_all(status: body[\"transactionStatus\"])\n    end\n  end\nend\n";
        assert!(notes("lib/partner_api.rb", grape).is_empty());
    }
}
