//! `idempotent-request-id`: `requestId` is derived once per transaction and reused on retry.
//!
//! Per code file, the collector finds the functions that make payment requests (`payfn`, by name,
//! plus same-file functions that call them), then every place a `requestId` is *set*: an object
//! key (`requestId: …`, `"requestId" => …`, `RequestID: …`), a keyword argument
//! (`request_id=…`), a setter or builder call (`setRequestId(…)`, `.requestId(…)`,
//! `put("requestId", …)`), or a property assignment (`order.paymentRequestId = …`). The value is
//! classified, following a local variable to its assignment in the same function:
//! * generated (`randomUUID()`, `uuid4()`, `UUID.randomUUID()`, `uuid.NewString()`,
//!   `Guid.NewGuid()`, `SecureRandom.uuid`, `Str::uuid()`, `uniqid()`, `Date.now()`…):
//!   - inside a loop that makes the call or retries, or under a retry decorator/wrapper →
//!     `gen-retry` (every attempt is a new transaction to Exirom);
//!   - in a function that makes the payment request, or inline in the arguments of a call to one
//!     (`payByCard({ requestId: randomUUID() })`) → `gen-call` / `gen-arg` (a retry of that call
//!     sends a new id, so a timeout followed by a retry can charge twice);
//!   - assigned to a stored object (`order.paymentRequestId = …`), in a function that persists
//!     it, or passed to a persistence call (`orders.create({ requestId: uuid() })`) → `stored`;
//! * anything else (an order id, a stored field, a parameter) → `derived`.
//!
//! Judged: any `gen-retry`/`gen-call` (or a `gen-arg` whose callee is a payment function anywhere
//! in the repository) → warn there; else `derived`/`stored` → pass; else warn that the payment
//! requests send no visible `requestId`.
//! See: API.md §15.3 (idempotency key = requestId + mid), §15.5 (Common Mistakes #2).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::super::detectors::code::{
    block_end, code_mask, enclosing_call, enclosing_function, indent, is_comment_line, log_calls, words,
};
use super::sites::{function_name, has_ident};
use super::{Evidence, Fact, Judgement, Located, Repo, Scope, SiteKind, places};

pub(super) const EVIDENCE: Evidence =
    Evidence { name: "idempotent-request-id", keywords: &["requestid", "request_id"], collect, judge };

static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_$][A-Za-z0-9_$]*").expect("a literal regex that is tested"));

/// Identifiers naming a request id (a superset; [`is_request_id`] decides).
static REQUEST_ID_IDENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[A-Za-z0-9_$]*request_?id[A-Za-z0-9_$]*").expect("a literal regex that is tested")
});

static GEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)randomUUID|uuid\.?v[14]|uuidv4|uuid4\s*\(|uuid\.uuid[14]|UUID\.randomUUID|uuid\.New(?:String|Random|V4|V7)?\s*\(",
        r"|uuid\.Must|Guid\.NewGuid|SecureRandom\.(?:uuid|hex|alphanumeric|urlsafe)|Str::(?:uuid|orderedUuid|random|ulid)",
        r"|Uuid::uuid[47]|uniqid\s*\(|random_bytes|openssl_random|nanoid|(?-u:\b)cuid\s*\(|(?-u:\b)ulid\s*\(|ObjectId\s*\(",
        r"|Date\.now\s*\(|new\s+Date\s*\(\s*\)\.getTime|performance\.now|time\.time\s*\(|time\.Now\s*\(|time\.time_ns",
        r"|datetime\.now|System\.currentTimeMillis|System\.nanoTime|Instant\.now|DateTime\.(?:Now|UtcNow)|Math\.random",
        r"|crypto\.random|randomBytes|secrets\.token|os\.urandom|(?-u:\b)rand\s*\(|mt_rand|random\.rand|new\s+Random\s*\(",
        r"|(?-u:\b)uuid\s*\(\s*\)|(?-u:\b)v4\s*\(\s*\)|generate_?id\s*\(|(?-u:\b)new_?id\s*\(|shortid|UUID\s*\(\s*\)",
    ))
    .expect("a literal regex that is tested")
});

static RETRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)retr(?:y|ies|ied|ying)|attempt|backoff|tries").expect("a literal regex that is tested")
});

static RETRY_DECORATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:@(?:retry|retryable|retrying|backoff|tenacity)|\[(?:Retry|Polly))")
        .expect("a literal regex that is tested")
});

static LOOP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\}\s*)?(?:for|while|loop|do|until|foreach)(?-u:\b)|\.times\s+do|\.each\s+do|(?-u:\b)loop\s+do|^\s*for\s*\(")
        .expect("a literal regex that is tested")
});

static PERSIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:save|persist|insert|store|upsert|commit|update|create|add|put|set)\w*\s*\(|\.save!?(?-u:\b)|INSERT\s+INTO")
        .expect("a literal regex that is tested")
});

static PERSIST_CALLEE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:save|persist|insert|store|upsert|create|add|put|new|build|make|record|register)")
        .expect("a literal regex that is tested")
});

static DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(?:export\s+)?(?:const|let|var|val|final|auto|String|string|UUID|Guid)\s+|\$)?[A-Za-z_][A-Za-z0-9_]*\s*(?::\s*[A-Za-z<>\[\]?]+\s*)?(?::=|=[^=>])")
        .expect("a literal regex that is tested")
});

/// Whether an identifier is a request id (`requestId`, `request_id`, `RequestID`,
/// `paymentRequestId`, `setRequestId`).
fn is_request_id(ident: &str) -> bool {
    let w = words(ident);
    w.windows(2).any(|p| p[0] == "request" && p[1] == "id")
}

fn collect(scope: &Scope<'_>, out: &mut Vec<Fact>) {
    if !scope.is_code() {
        return;
    }
    let view = scope.view;
    let lang = scope.lang();
    let pay = pay_functions(scope);
    for (name, h) in &pay {
        let mut f = scope.fact("payfn", view.line_range(*h).start);
        f.value = Some(name.clone());
        out.push(f);
    }
    if !REQUEST_ID_IDENT.is_match(view.text) {
        return;
    }
    let regions: Vec<(usize, usize)> = pay.iter().map(|(_, h)| (*h, block_end(view, *h))).collect();
    let logs: Vec<Range<usize>> = log_calls(view).into_iter().map(|c| c.args).collect();
    let mask = code_mask(view.text, lang);
    let has_payment_site = scope.has(&[SiteKind::Payment]);
    for m in REQUEST_ID_IDENT.find_iter(view.text) {
        let pos = m.start();
        let key_in_string = !mask.get(pos).copied().unwrap_or(true);
        if !is_request_id(m.as_str()) || logs.iter().any(|r| r.contains(&pos)) {
            continue;
        }
        let n = view.line_of(pos);
        let lr = view.line_range(n);
        let line = &view.text[lr.clone()];
        if is_comment_line(line, lang) {
            continue;
        }
        let Some(set) = setting(view.text, m.start(), m.end(), key_in_string) else {
            continue;
        };
        if set.decl && !key_in_string {
            continue; // a local variable: judged where it is used
        }
        let value = view.text[set.value.clone()].trim();
        let generated = GEN.is_match(value) || resolves_to_generated(view, n, value);
        let func = enclosing_function(view, n);
        if !generated {
            if set.property || has_payment_site || in_any(&regions, n) {
                out.push(scope.fact("derived", pos));
            }
            continue;
        }
        let retry_wrapped = func.is_some_and(|(h, _)| h > 0 && RETRY_DECORATOR.is_match(view.line(h - 1)))
            || enclosing_call(view, pos).is_some_and(|(callee, _)| RETRY.is_match(&view.text[callee]));
        if retry_wrapped || in_retry_loop(view, n, func, &pay) {
            out.push(scope.fact("gen-retry", pos));
            continue;
        }
        let stored = set.property
            || func.is_some_and(|(h, e)| {
                (h..=e).any(|i| i != n && PERSIST.is_match(view.line(i)) && !is_comment_line(view.line(i), lang))
            });
        let in_pay = in_any(&regions, n);
        if stored && !in_pay {
            out.push(scope.fact("stored", pos));
            continue;
        }
        if in_pay {
            out.push(scope.fact("gen-call", pos));
            continue;
        }
        match enclosing_call(view, pos) {
            Some((callee, _)) => {
                let name = last_segment(&view.text[callee]);
                if PERSIST_CALLEE.is_match(&name) {
                    out.push(scope.fact("stored", pos));
                } else {
                    let mut f = scope.fact("gen-arg", pos);
                    f.value = Some(name);
                    out.push(f);
                }
            }
            None if stored => out.push(scope.fact("stored", pos)),
            None => {}
        }
    }
}

/// Where a request id is set on a line: the value's byte range, whether the target is a stored
/// object's property (`order.requestId = …`), and whether it is a local variable declaration.
struct Setting {
    value: Range<usize>,
    property: bool,
    decl: bool,
}

fn setting(text: &str, start: usize, end: usize, key_in_string: bool) -> Option<Setting> {
    let b = text.as_bytes();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let before = text[line_start..start].trim_end_matches(['"', '\'', '[', ':']);
    let receiver = before.trim_end_matches(['.', '>', '-', '@']).trim_end();
    let mut property = !key_in_string
        && (before.ends_with('.') || before.ends_with("->") || before.ends_with('@'))
        && !receiver.ends_with("this")
        && !receiver.ends_with("self");
    let mut i = end;
    while i < line_end && matches!(b[i], b'"' | b'\'' | b']' | b' ' | b'\t') {
        i += 1;
    }
    let rest = &text[i..line_end];
    let (op_len, call) = if rest.starts_with("=>") || rest.starts_with(":=") {
        (2, false)
    } else if rest.starts_with("==") || rest.starts_with("===") {
        return None;
    } else if rest.starts_with('=') || rest.starts_with(':') && !rest.starts_with("::") {
        (1, false)
    } else if rest.starts_with('(') {
        (1, true)
    } else if rest.starts_with(',') && key_in_string {
        (1, false)
    } else if (rest.starts_with(',') || rest.trim_start().starts_with('}')) && !key_in_string && !property {
        // JS shorthand `{ requestId, mid }`: the value is the variable of the same name.
        let shorthand =
            text[line_start..start].trim_end().ends_with(['{', ',']) || text[..start].trim_end().ends_with(['{', ',']);
        return shorthand.then_some(Setting { value: start..end, property: false, decl: false });
    } else {
        return None;
    };
    let vstart = i + op_len;
    let vend = value_end(text, vstart, line_end, call);
    if call {
        // `.setRequestId(x)` / `.requestId(x)` set it on the request; `order.getRequestId()` reads it.
        if text[vstart..vend].trim().is_empty() {
            return None;
        }
        property = false;
    }
    let decl = !call && !property && !key_in_string && {
        let line = &text[line_start..line_end];
        DECL.is_match(line)
            && !line.trim_end().ends_with(',')
            && text[..line_start].trim_end().chars().last().is_none_or(|c| !matches!(c, '{' | ','))
            && line.trim_start().starts_with(|c: char| c.is_ascii_alphabetic() || c == '$')
            && text[line_start..start].split_whitespace().count() <= 2
            && !text[line_start..start].contains('(')
    };
    Some(Setting { value: vstart..vend, property, decl })
}

/// End of the value expression starting at `from`: the first `,`, `;` or closing bracket at depth
/// zero (for a call, the matching `)`), or the end of the line.
fn value_end(text: &str, from: usize, line_end: usize, call: bool) -> usize {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let limit = if call { (from + 2_000).min(text.len()) } else { line_end };
    let mut i = from;
    while i < limit {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' | b',' | b';' if depth == 0 => return i,
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
        i += 1;
    }
    limit.min(text.len())
}

/// Whether `value` is a local variable assigned a generated id earlier in the same function.
fn resolves_to_generated(view: &super::FileView<'_>, n: usize, value: &str) -> bool {
    let name = value.trim_start_matches('$');
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return false;
    }
    let from = enclosing_function(view, n).map_or(n.saturating_sub(60), |(h, _)| h);
    (from..=n).rev().any(|i| {
        let l = view.line(i);
        let t = l
            .trim_start()
            .trim_start_matches("const ")
            .trim_start_matches("let ")
            .trim_start_matches("var ")
            .trim_start_matches("val ")
            .trim_start_matches('$');
        t.starts_with(name)
            && t[name.len()..].trim_start().starts_with(['=', ':'])
            && !t[name.len()..].trim_start().starts_with("==")
            && GEN.is_match(l)
    })
}

/// Functions of the file that make a payment request (by header line), and same-file functions
/// that call them: (name, header line).
fn pay_functions(scope: &Scope<'_>) -> Vec<(String, usize)> {
    let view = scope.view;
    let mut out: Vec<(String, usize)> = Vec::new();
    for s in scope.of(&[SiteKind::Payment]) {
        for &c in &s.calls {
            if let Some((h, _)) = enclosing_function(view, c)
                && let Some(name) = function_name(view.line(h))
                && !out.iter().any(|(_, x)| *x == h)
            {
                out.push((name.to_string(), h));
            }
        }
    }
    let direct = out.clone();
    for (name, h) in &direct {
        for i in 0..view.line_count() {
            let l = view.line(i);
            if i != *h
                && has_ident(l, name)
                && l.contains(&format!("{name}("))
                && let Some((g, _)) = enclosing_function(view, i)
                && g != *h
                && let Some(caller) = function_name(view.line(g))
                && !out.iter().any(|(_, x)| *x == g)
            {
                out.push((caller.to_string(), g));
            }
        }
    }
    out
}

fn in_any(regions: &[(usize, usize)], n: usize) -> bool {
    regions.iter().any(|(a, b)| (*a..=*b).contains(&n))
}

/// Whether line `n` is inside a loop (within its function) whose body makes the request, calls a
/// payment function or says it retries.
fn in_retry_loop(view: &super::FileView<'_>, n: usize, func: Option<(usize, usize)>, pay: &[(String, usize)]) -> bool {
    let top = func.map_or(n.saturating_sub(40), |(h, _)| h);
    let ind = indent(view.line(n));
    (top..n).rev().any(|i| {
        let l = view.line(i);
        if !LOOP.is_match(l) || indent(l) >= ind {
            return false;
        }
        let end = block_end(view, i);
        if end < n {
            return false;
        }
        (i..=end).any(|j| {
            let b = view.line(j);
            RETRY.is_match(b)
                || b.contains("/v1/payments")
                || pay.iter().any(|(name, _)| b.contains(&format!("{name}(")))
        })
    })
}

fn last_segment(callee: &str) -> String {
    IDENT.find_iter(callee).last().map(|m| m.as_str().to_string()).unwrap_or_default()
}

fn judge(repo: &Repo<'_>) -> Judgement {
    if !repo.has_integration() {
        return Repo::no_integration();
    }
    let payments = repo.code_sites(&[SiteKind::Payment]);
    if payments.is_empty() {
        return Judgement::Skip(
            "no payment, payout or refund requests in the repository, so no requestId to check".into(),
        );
    }
    let pay_names: Vec<String> = repo.facts("payfn").filter_map(|(_, f)| f.value.clone()).collect();
    let mut gaps: Vec<Located> = repo.located("gen-retry", "generated inside a retry loop");
    gaps.extend(repo.located("gen-call", "generated at the API call"));
    gaps.extend(repo.facts("gen-arg").filter(|(_, f)| f.value.as_ref().is_some_and(|v| pay_names.contains(v))).map(
        |(file, f)| {
            Located::new(
                &file.path,
                &f.mark,
                format!("generated inline for each {}() call", f.value.as_deref().unwrap_or_default()),
            )
        },
    ));
    if !gaps.is_empty() {
        return Judgement::missing(
            format!(
                "requestId is generated afresh at {}: a retry after a timeout sends a new requestId, which Exirom treats as a new payment. Derive it once per transaction (the order id, or a UUID stored with the order) and reuse it on retry",
                super::named(&gaps)
            ),
            gaps,
        );
    }
    let mut found = repo.located("derived", "derived from the order");
    found.extend(repo.located("stored", "generated once and stored"));
    if !found.is_empty() {
        return Judgement::found("requestId derived once per transaction", found);
    }
    Judgement::missing(
        format!(
            "no requestId is set for the payment requests at {}: send a requestId derived once per transaction (the order id, or a UUID stored with the order) and reuse it on retry",
            places(&payments)
        ),
        payments,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::probe::Status;

    fn status(files: &[(&str, &str)]) -> (Status, String) {
        let (s, m, _) = run("idempotent-request-id", files);
        (s, m)
    }

    #[test]
    fn derived_ids_pass_in_every_language() {
        for (path, src) in [
            (
                "src/pay.ts",
                "export async function pay(order: Order) {\n  return http.post('/v1/payments/card', { requestId: order.paymentRequestId, mid: cfg.mid });\n}\n",
            ),
            (
                "app/pay.py",
                "def pay(order):\n    body = {\"requestId\": order.payment_request_id, \"mid\": MID}\n    return requests.post(f\"{BASE}/v1/payments/card\", json=body)\n",
            ),
            (
                "src/Pay.java",
                "public Result pay(Order order) {\n    var body = Map.of(\"requestId\", order.getPaymentRequestId());\n    return post(\"/v1/payments/card\", body);\n}\n",
            ),
            (
                "pay.go",
                "func (c *Client) Pay(o Order) error {\n\tbody := PaymentRequest{RequestID: o.PaymentRequestID, Mid: c.mid}\n\treturn c.post(\"/v1/payments/card\", body)\n}\n",
            ),
            (
                "app/pay.rb",
                "def pay(order)\n  body = { requestId: order.payment_request_id }\n  post(\"/v1/payments/card\", body)\nend\n",
            ),
            (
                "lib/Pay.php",
                "public function pay($order)\n{\n    $body = ['requestId' => $order->payment_request_id];\n    return $this->post('/v1/payments/card', $body);\n}\n",
            ),
            (
                "Pay.cs",
                "public async Task<Result> Pay(Order order)\n{\n    var body = new PaymentRequest { RequestId = order.PaymentRequestId, Mid = _mid };\n    return await Post(\"/v1/payments/card\", body);\n}\n",
            ),
        ] {
            let (s, m) = status(&[(path, src)]);
            assert_eq!(s, Status::Pass, "{path}: {m}");
        }
    }

    #[test]
    fn inline_generation_at_the_call_warns_in_every_language() {
        for (path, src) in [
            (
                "src/pay.ts",
                "export async function pay(order: Order) {\n  return http.post('/v1/payments/card', { requestId: randomUUID(), mid: cfg.mid });\n}\n",
            ),
            (
                "app/pay.py",
                "def pay(order):\n    request_id = str(uuid.uuid4())\n    body = {\"requestId\": request_id}\n    return requests.post(f\"{BASE}/v1/payments/card\", json=body)\n",
            ),
            (
                "src/Pay.java",
                "public Result pay(Order order) {\n    var body = new PaymentRequest().setRequestId(UUID.randomUUID().toString());\n    return post(\"/v1/payments/card\", body);\n}\n",
            ),
            (
                "pay.go",
                "func (c *Client) Pay(o Order) error {\n\tbody := PaymentRequest{RequestID: uuid.NewString(), Mid: c.mid}\n\treturn c.post(\"/v1/payments/card\", body)\n}\n",
            ),
            (
                "app/pay.rb",
                "def pay(order)\n  body = { requestId: SecureRandom.uuid }\n  post(\"/v1/payments/card\", body)\nend\n",
            ),
            (
                "lib/Pay.php",
                "public function pay($order)\n{\n    $body = ['requestId' => uniqid('req_')];\n    return $this->post('/v1/payments/card', $body);\n}\n",
            ),
            (
                "Pay.cs",
                "public async Task<Result> Pay(Order order)\n{\n    var body = new PaymentRequest\n    {\n        RequestId = Guid.NewGuid().ToString(),\n        Mid = _mid,\n    };\n    return await Post(\"/v1/payments/card\", body);\n}\n",
            ),
        ] {
            let (s, m) = status(&[(path, src)]);
            assert_eq!(s, Status::Fail, "{path}: {m}");
            assert!(m.contains("generated at the API call"), "{path}: {m}");
        }
    }

    #[test]
    fn generation_in_a_retry_loop_warns() {
        let src = "def pay(order):\n    for attempt in range(3):\n        body = {\"requestId\": str(uuid.uuid4()), \"mid\": MID}\n        r = requests.post(f\"{BASE}/v1/payments/card\", json=body)\n        if r.ok:\n            return r\n";
        let (s, m) = status(&[("app/pay.py", src)]);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("retry loop"), "{m}");
    }

    #[test]
    fn inline_generation_for_a_payment_function_in_another_file_warns() {
        let client =
            "export async function payByCard(body: CardPayment) {\n  return http.post('/v1/payments/card', body);\n}\n";
        let route = "router.post('/checkout', async (req, res) => {\n  const result = await payByCard({ requestId: randomUUID(), amount: req.body.amount });\n  res.json(result);\n});\n";
        let (s, m) = status(&[("src/client.ts", client), ("src/routes/checkout.ts", route)]);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("payByCard() call"), "{m}");
    }

    #[test]
    fn generated_once_and_stored_passes() {
        let orders = "export async function createOrder(cart: Cart) {\n  const order = { ...cart, paymentRequestId: randomUUID() };\n  await db.orders.insert(order);\n  return order;\n}\n";
        let client = "export async function payByCard(order: Order) {\n  return http.post('/v1/payments/card', { requestId: order.paymentRequestId });\n}\n";
        let (s, m) = status(&[("src/orders.ts", orders), ("src/client.ts", client)]);
        assert_eq!(s, Status::Pass, "{m}");
    }

    #[test]
    fn no_request_id_warns_at_the_calls() {
        let (s, m) = status(&[(
            "src/pay.ts",
            "export async function pay(b) {\n  return http.post('/v1/payments/card', b);\n}\n",
        )]);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("no requestId"), "{m}");
    }
}
