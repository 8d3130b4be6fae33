//! `pan-in-log`: a full card number reaching logs.
//!
//! Two ways: (1) in code, a logging call (`console.*`, `logger.*`, `log.*`, `logging.*`, `Log::`,
//! `System.out`, `fmt.Print*`, `slog`, `tracing`, `print`/`println`/`printf`, `error_log`, `puts`…)
//! whose arguments carry a raw card-number value — `card.number`, `pan`, `cardNumber`,
//! `card_number`, `$card['number']`, `getCardNumber()` — as code or string interpolation, not as
//! an object key or a string, not passed through a masking helper (`mask(…)`, `last4(…)`,
//! `substr(…, -4)`) and not reduced (`.slice(-4)`, `[-4:]`, `.length`); (2) a committed log file
//! that contains a full PAN (Luhn- and IIN-valid, masked forms excluded).
//! See: API.md §15.9–15.10 (never log a full PAN) and PCI DSS req. 3.4.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{self, chain_at, chain_words, code_mask, enclosing_call, is_comment_line, words};
use super::{Detection, Detector, FileView};
use crate::probe::static_scan::card;
use crate::probe::static_scan::context::Kind;
use crate::probe::static_scan::mask::Sensitive;

/// The detector.
pub(crate) const DETECTOR: Detector = Detector {
    name: "pan-in-log",
    file_level: true,
    keywords: &["card", "pan", "ccnum", "cc_n", "primary_account", "primaryaccount"],
    finder: Some(card::candidates),
    detect,
};

static CARD_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)card|(?-u:\b)\$?pan(?-u:\b)|cc_?(?:num|no)|primary_?account")
        .expect("a literal regex that is tested")
});

/// Words that make a card-number reference derived or masked, not the raw value.
const DERIVED: &[&str] = &[
    "mask",
    "masked",
    "masking",
    "last4",
    "last",
    "four",
    "lastfour",
    "hash",
    "hashed",
    "token",
    "tokenized",
    "tokenised",
    "encrypted",
    "enc",
    "bin",
    "first6",
    "first",
    "length",
    "len",
    "size",
    "count",
    "type",
    "brand",
    "valid",
    "validation",
    "exp",
    "expiry",
    "expiration",
    "month",
    "year",
    "holder",
    "name",
    "id",
    "suffix",
    "prefix",
    "safe",
    "redacted",
    "country",
    "issuer",
    "scheme",
    "network",
    "fingerprint",
    "ref",
    "reference",
    "mask4",
    "digits",
    "truncated",
    "obfuscated",
    "hidden",
    "display",
    "formatted",
    "pretty",
    "tail",
    "end",
    "ending",
    "ends",
    "starts",
    "label",
    "field",
    "input",
    "element",
    "el",
    "error",
    "errors",
    "placeholder",
    "regex",
    "pattern",
    "present",
    "provided",
    "required",
    "is",
    "has",
    "cvv",
    "cvc",
    "alias",
    "nickname",
    "kind",
    "status",
    "class",
    "component",
    "form",
    "icon",
    "image",
    "logo",
    "view",
    "panel",
    "mask6",
];

/// Callee words of a helper that masks or reduces its argument.
const MASKING_CALLS: &[&str] = &[
    "mask",
    "masked",
    "masking",
    "redact",
    "redacted",
    "hide",
    "obfuscate",
    "obscure",
    "truncate",
    "last",
    "four",
    "last4",
    "lastfour",
    "hash",
    "hashed",
    "sha",
    "sha256",
    "sha1",
    "md5",
    "digest",
    "hmac",
    "encrypt",
    "tokenize",
    "tokenise",
    "sanitize",
    "sanitise",
    "scrub",
    "censor",
    "anonymize",
    "anonymise",
    "safe",
    "partial",
    "substr",
    "substring",
    "slice",
    "right",
    "len",
    "strlen",
    "length",
    "count",
    "size",
    "bin",
    "first6",
    "luhn",
    "valid",
    "validate",
    "is",
    "has",
    "brand",
    "type",
    "pci",
    "filter",
    "strip",
    "mb",
    "str",
    "repeat",
    "pad",
];

/// Methods after the reference that keep the full value (`card.number.trim()`).
const PASSTHROUGH: &[&str] = &[
    "tostring",
    "trim",
    "strip",
    "to_s",
    "touppercase",
    "tolowercase",
    "upper",
    "lower",
    "value",
    "string",
    "str",
    "text",
    "get",
    "getvalue",
    "number",
    "val",
];

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    if view.ctx.is(Kind::Log) {
        return hits
            .iter()
            .filter_map(|h| card::validate(view.text, h.clone()))
            .filter(|p| card::plausible_in_context(view.text, p))
            .map(|p| Detection::sensitive(p.range.clone(), p.range, Sensitive::Pan))
            .collect();
    }
    if !DETECTOR.keywords.iter().any(|k| view.has_keyword(k)) {
        return Vec::new();
    }
    let text = view.text;
    let lang = view.ctx.lang;
    let mut out: Vec<Detection> = Vec::new();
    let mut done_calls: Vec<usize> = Vec::new();
    for m in CARD_REF.find_iter(text) {
        let n = view.line_of(m.start());
        let lr = view.line_range(n);
        let line = &text[lr.clone()];
        if is_comment_line(line, lang) {
            continue;
        }
        // In code (or an interpolation), not in a plain string, unless it is a subscript key
        // (`payment["card"]["number"]`): then the chain starts at the subscripted identifier.
        // A Ruby symbol subscript (`params[:card][:number]`) is code but starts its chain earlier too.
        let mask = code_mask(line, lang);
        let start = m.start() + usize::from(text.as_bytes()[m.start()] == b'$');
        let before = &text[lr.start..start];
        let in_code = mask.get(start - lr.start).copied().unwrap_or(false);
        let chain = if in_code && !before.ends_with("[:") {
            chain_at(text, start)
        } else if let Some(key) = (!in_code).then(|| accessor_key(text, lr.start, start)).flatten() {
            key
        } else {
            match subscripted(before) {
                Some(j) => chain_at(text, lr.start + j),
                None => continue,
            }
        };
        let after = text[chain.end..].trim_start_matches([' ', '\t']);
        let sliced = after.starts_with('[');
        // A call is a function (`Masking.pan(…)`, `card.mask()`), unless it is a getter.
        let last = text[chain.clone()].rsplit(['.', '>', ':']).next().unwrap_or_default();
        if after.starts_with('(') && words(last).first().is_none_or(|w| w != "get") {
            continue;
        }
        if !is_raw_card_number(&text[chain.clone()]) || is_key(text, &chain) || sliced {
            continue;
        }
        // The logging call it is an argument of.
        let from = view.line_range(n.saturating_sub(8)).start;
        let Some(call) = code::log_calls_in(view, from..lr.end).into_iter().find(|c| c.args.contains(&chain.start))
        else {
            continue;
        };
        if done_calls.contains(&call.callee.start)
            || masked_by_helper(view, chain.start, call.args.start)
            || assigned_masked(view, n, &text[chain.clone()])
        {
            continue;
        }
        done_calls.push(call.callee.start);
        out.push(Detection::at(chain.clone()).value(format!("{} {}", &text[call.callee.clone()], &text[chain])));
    }
    out
}

/// For a key subscript at the end of `before` (`payment["card"][`, `params[:card][:`), the
/// offset of the subscripted identifier's last byte; `None` when `before` does not end in one.
fn subscripted(before: &str) -> Option<usize> {
    if !(before.ends_with("[\"") || before.ends_with("['") || before.ends_with("[:")) {
        return None;
    }
    let b = before.as_bytes();
    let open = before.len() - 2;
    if open == 0 || !code::is_ident_byte(b[open - 1]) && b[open - 1] != b']' {
        return None;
    }
    // Walk back over earlier subscripts to the identifier.
    let mut j = open;
    while j > 0 && b[j - 1] == b']' {
        match before[..j].rfind('[') {
            Some(k) => j = k,
            None => break,
        }
    }
    j.checked_sub(1)
}

/// The key string starting at byte `start` when it is the argument of a request accessor
/// (`$request->input('card.number')`, `request.POST.get("card_number")`, `req.query('pan')`):
/// the range of the key, which then names the value like a chain does.
fn accessor_key(text: &str, line_start: usize, start: usize) -> Option<Range<usize>> {
    const ACCESSORS: &[&str] =
        &["input", "get", "post", "query", "param", "params", "getparameter", "fetch", "dig", "string", "value"];
    let before = text[line_start..start].strip_suffix(['\'', '"'])?.strip_suffix('(')?.trim_end();
    let callee = before.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()?;
    let prev = before[..before.len() - callee.len()].trim_end();
    let is_method = prev.ends_with('.') || prev.ends_with("->") || prev.ends_with("::");
    if !is_method || !ACCESSORS.contains(&callee.to_ascii_lowercase().as_str()) {
        return None;
    }
    let len = text[start..].find(['\'', '"', '\n'])?;
    Some(start..start + len)
}

/// Whether a chain is the raw card number: its reference segment names the number (`pan`,
/// `cardNumber`, `card.number`, `card['number']`) and nothing after it reduces it.
fn is_raw_card_number(chain: &str) -> bool {
    let segs = chain_words(chain);
    let Some(k) = segs.iter().position(|w| names_number(w)).or_else(|| {
        // card.number / card['number'] / card->number
        segs.windows(2).position(|p| p[0].iter().any(|x| x == "card") && p[1] == ["number"]).map(|i| i + 1)
    }) else {
        return false;
    };
    let masked_parent = segs[..k].iter().flatten().any(|w| {
        matches!(
            w.as_str(),
            "masked" | "mask" | "masking" | "masker" | "hashed" | "encrypted" | "tokenized" | "safe" | "redacted"
        )
    });
    if masked_parent {
        return false;
    }
    segs[k + 1..].iter().all(|w| w.iter().all(|x| PASSTHROUGH.contains(&x.as_str())))
}

fn names_number(w: &[String]) -> bool {
    let has = |s: &str| w.iter().any(|x| x == s);
    if w.iter().any(|x| DERIVED.contains(&x.as_str())) {
        return false;
    }
    let w: Vec<&str> = w.iter().map(String::as_str).filter(|x| *x != "get" && *x != "raw" && *x != "full").collect();
    matches!(w.as_slice(), ["pan" | "ccnumber" | "cardnumber" | "cardno"])
        || has("card") && (has("number") || has("num") || has("no") || has("nr"))
        || has("cc") && (has("number") || has("num") || has("no"))
        || has("primary") && has("account") && has("number")
        || w.len() == 2 && w[1] == "pan"
}

/// Whether the chain is an object/hash key or keyword-argument name rather than a value.
fn is_key(text: &str, chain: &Range<usize>) -> bool {
    let after = text[chain.end..].trim_start_matches([' ', '\t']);
    let colon_key = after.starts_with(':') && !after.starts_with("::");
    let kwarg = after.starts_with('=') && !after.starts_with("==") && !after.starts_with("=>");
    let arrow = after.starts_with("=>");
    if colon_key || arrow {
        // `pan: x` / `'pan' => x`; but a ternary `cond ? pan : x` keeps pan as a value.
        let before = text[..chain.start].trim_end();
        return !before.ends_with('?');
    }
    if kwarg {
        // keyword argument / tracing field `pan = %value`
        let before = text[..chain.start].trim_end();
        return before.ends_with(['(', ',']) || before.ends_with('{');
    }
    false
}

/// Whether a plain variable (`$pan`, `cardNumber`) was assigned a masked value in the 30 lines
/// above (`$pan = $request->input('card_mask')`, `cardNumber = maskPan(raw)`).
fn assigned_masked(view: &FileView<'_>, n: usize, chain: &str) -> bool {
    let name = chain.trim_start_matches(['$', '@']);
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return false;
    }
    for i in (n.saturating_sub(30)..=n).rev() {
        let line = view.line(i);
        let Some(p) = line.find(name) else {
            continue;
        };
        let rest = line[p + name.len()..].trim_start();
        let rhs = rest.strip_prefix(":=").or_else(|| rest.strip_prefix('=').filter(|r| !r.starts_with('=')));
        if let Some(rhs) = rhs {
            let w = words(rhs);
            return w.iter().any(|x| {
                matches!(
                    x.as_str(),
                    "mask"
                        | "masked"
                        | "last4"
                        | "last"
                        | "redact"
                        | "redacted"
                        | "hash"
                        | "hashed"
                        | "token"
                        | "tokenized"
                )
            });
        }
    }
    false
}

/// Whether the reference is wrapped by a masking call inside the log arguments.
fn masked_by_helper(view: &FileView<'_>, pos: usize, args_start: usize) -> bool {
    let mut p = pos;
    for _ in 0..4 {
        let Some((callee, open)) = enclosing_call(view, p) else {
            return false;
        };
        if open < args_start {
            return false;
        }
        // The whole callee: `mask(…)`, `PanMasker.mask(…)`, `Masking.pan(…)`.
        let w = words(&view.text[callee]);
        if w.iter().any(|x| MASKING_CALLS.contains(&x.as_str())) {
            return true;
        }
        if open == 0 {
            return false;
        }
        p = open;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(path: &str, text: &str) -> usize {
        let v = FileView::new(path, text);
        detect(&v, &[]).len()
    }

    #[test]
    fn raw_references() {
        for c in [
            "pan",
            "card.number",
            "cardNumber",
            "req.body.card_number",
            "$card['number']",
            "getCardNumber",
            "payment.card.number.trim",
        ] {
            assert!(is_raw_card_number(c), "{c}");
        }
        for c in [
            "maskedPan",
            "card.last4",
            "cardNumberMasked",
            "card.number.slice",
            "panHash",
            "card_number_length",
            "cardMask",
            "card.brand",
        ] {
            assert!(!is_raw_card_number(c), "{c}");
        }
    }

    #[test]
    fn log_calls_with_raw_pans() {
        assert_eq!(count("src/a.js", "console.log('charging', card.number);"), 1);
        assert_eq!(count("src/a.js", "logger.info(`card ${cardNumber} charged`);"), 1);
        assert_eq!(count("src/a.py", "logging.info(\"card %s\", card_number)"), 1);
        assert_eq!(count("src/a.py", "logger.info(f\"card={pan}\")"), 1);
        assert_eq!(count("src/a.php", "error_log(\"card \" . $pan);"), 1);
        assert_eq!(count("src/A.java", "log.info(\"PAN {}\", request.getCardNumber());"), 1);
        assert_eq!(count("src/a.go", "log.Printf(\"pan=%s\", pan)"), 1);
        assert_eq!(count("src/a.rb", "Rails.logger.info \"card #{card_number}\""), 1);
        assert_eq!(count("src/a.js", "logger.info('charge', {\n  cardNumber: card.number,\n  amount,\n});"), 1);
    }

    #[test]
    fn near_misses() {
        assert_eq!(count("src/a.js", "console.log('charging', maskPan(card.number));"), 0);
        assert_eq!(count("src/a.js", "console.log('last4', card.number.slice(-4));"), 0);
        assert_eq!(count("src/a.py", "logger.info(\"card %s\", card_number[-4:])"), 0);
        assert_eq!(count("src/a.js", "logger.info('card number received');"), 0);
        assert_eq!(count("src/a.js", "logger.info({ cardNumber: mask(card.number) });"), 0);
        assert_eq!(count("src/a.php", "Log::info('charge', ['pan' => substr($pan, -4)]);"), 0);
        assert_eq!(count("src/a.js", "const n = card.number; // logger.info(card.number)"), 0);
        assert_eq!(count("src/a.js", "db.save(card.number);"), 0);
        assert_eq!(count("src/A.java", "log.debug(\"card={}\", Masking.pan(dto.getCardNumber()));"), 0);
    }

    #[test]
    fn log_files() {
        let text = "2024-01-01 INFO charge card=4539578763621486 ok\n2024-01-01 INFO card=453957******1486\n";
        let v = FileView::new("logs/app.log", text);
        let hits: Vec<Range<usize>> = card::find_pans(text).into_iter().map(|p| p.range).collect();
        assert_eq!(detect(&v, &hits).len(), 1);
    }
}
