//! Language-agnostic code heuristics the detectors share: which bytes are code (not string literal
//! or comment, with interpolation inside strings counted as code), comment lines, matching
//! parentheses, identifiers and their words, logging calls, and the function enclosing a line.
//!
//! These are deliberately small lexers, not parsers: they cover the syntax of JS/TS, Python, PHP,
//! Java/Kotlin, Go, Ruby and C# well enough to tell `logger.info(card.number)` from
//! `logger.info("card.number")`, and degrade to "no finding" on anything they do not understand.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::super::context::Lang;
use super::FileView;
pub use super::env::{assigned_key, env_of_words, line_keys, section_env, section_env_by};
pub use super::logging::{LogCall, log_calls, log_calls_in};

/// Whether a line is a comment (or the inside of a block comment), judged from its start.
pub fn is_comment_line(line: &str, lang: Lang) -> bool {
    let t = line.trim_start();
    if t.starts_with("//") && lang.slash_comments()
        || t.starts_with("/*")
        || (t.starts_with("* ") || t == "*" || t.starts_with("*/"))
        || t.starts_with("<!--")
        || (t.starts_with("--") && !t.starts_with("---") && matches!(lang, Lang::Sql | Lang::Other))
        || (t.starts_with(';') && lang == Lang::KeyValue)
    {
        return true;
    }
    t.starts_with('#') && (lang.hash_comments() || !t.starts_with("#{")) && !is_hash_directive(t, lang)
}

fn is_hash_directive(t: &str, lang: Lang) -> bool {
    // PHP 8 attributes (`#[ORM\Column(…)]`) are code too.
    lang == Lang::Php && t.starts_with("#[")
        || matches!(lang, Lang::CSharp | Lang::Rust | Lang::Other | Lang::Js | Lang::Jvm | Lang::Go)
            && (t.starts_with("#[") || t.starts_with("#region") || t.starts_with("#include") || t.starts_with("#!"))
}

/// An open string literal in [`code_mask`].
#[derive(Clone, Copy)]
struct Str {
    quote: u8,
    triple: bool,
    interp: Interp,
}

/// How a string literal interpolates code.
#[derive(Clone, Copy, PartialEq)]
enum Interp {
    None,
    /// JS template `${`, Kotlin `${`/`$x`.
    Dollar,
    /// Ruby `#{`.
    Hash,
    /// Python f-string / C# `$""` `{`.
    Brace,
    /// PHP/shell `"$var"`, `"{$var}"`, `"${VAR}"`.
    PhpShell,
}

/// For each byte of `text`: `true` when it is code, `false` inside a string literal or comment.
/// Interpolations (`${…}`, `#{…}`, f-string `{…}`, PHP/Kotlin `$name`) count as code.
#[allow(clippy::many_single_char_names)] // a byte scanner: b(ytes), i/j (cursors), s/e (start/end)
pub fn code_mask(text: &str, lang: Lang) -> Vec<bool> {
    let b = text.as_bytes();
    let mut mask = vec![true; b.len()];
    let mut i = 0;
    // Stack of open string states; interpolations push a code frame with a brace depth.
    let mut strings: Vec<(Str, usize)> = Vec::new(); // (string, brace depth of the interpolation inside it)
    let mut in_interp: Vec<bool> = Vec::new();
    while i < b.len() {
        let c = b[i];
        let in_string = strings.last().is_some() && in_interp.last() == Some(&false);
        if in_string {
            let (s, _) = *strings.last().unwrap_or(&(Str { quote: b'"', triple: false, interp: Interp::None }, 0));
            mask[i] = false;
            if c == b'\\' {
                if i + 1 < b.len() {
                    mask[i + 1] = false;
                }
                i += 2;
                continue;
            }
            if c == s.quote && (!s.triple || b[i..].starts_with(&[c, c, c])) {
                let len = if s.triple { 3 } else { 1 };
                for m in mask.iter_mut().skip(i).take(len) {
                    *m = false;
                }
                strings.pop();
                in_interp.pop();
                i += len;
                continue;
            }
            if c == b'\n' && !s.triple && s.quote != b'`' && !matches!(lang, Lang::Ruby | Lang::Php | Lang::Shell) {
                // Unterminated single-line string: recover at the end of the line.
                strings.pop();
                in_interp.pop();
                i += 1;
                continue;
            }
            if s.interp == Interp::Brace && (b[i..].starts_with(b"{{") || b[i..].starts_with(b"}}")) {
                mask[i + 1] = false;
                i += 2;
                continue;
            }
            let opens = match s.interp {
                Interp::Dollar => b[i..].starts_with(b"${"),
                Interp::Hash => b[i..].starts_with(b"#{"),
                Interp::Brace => c == b'{',
                Interp::PhpShell => b[i..].starts_with(b"{$") || b[i..].starts_with(b"${"),
                Interp::None => false,
            };
            if opens {
                let skip = if s.interp == Interp::Brace { 1 } else { 2 };
                for m in mask.iter_mut().skip(i).take(skip) {
                    *m = false;
                }
                i += skip;
                if let Some(top) = strings.last_mut() {
                    top.1 = 1;
                }
                if let Some(top) = in_interp.last_mut() {
                    *top = true;
                }
                continue;
            }
            if matches!(s.interp, Interp::PhpShell | Interp::Dollar)
                && c == b'$'
                && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
                && (s.interp == Interp::PhpShell || lang == Lang::Jvm)
            {
                // "$name" / "$obj->name": the variable is code.
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    mask[j] = true;
                    j += 1;
                }
                if b[j..].starts_with(b"->") || b[j..].starts_with(b"[") && lang == Lang::Php {
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'-' | b'>' | b'[' | b']' | b'\''))
                    {
                        mask[j] = true;
                        j += 1;
                    }
                }
                i = j;
                continue;
            }
            i += 1;
            continue;
        }
        // Code (top level, or inside an interpolation).
        if let Some(depth) = strings.last().map(|s| s.1) {
            if c == b'{' {
                if let Some(top) = strings.last_mut() {
                    top.1 = depth + 1;
                }
            } else if c == b'}' {
                if depth <= 1 {
                    mask[i] = false;
                    if let Some(top) = in_interp.last_mut() {
                        *top = false;
                    }
                    if let Some(top) = strings.last_mut() {
                        top.1 = 0;
                    }
                    i += 1;
                    continue;
                }
                if let Some(top) = strings.last_mut() {
                    top.1 = depth - 1;
                }
            }
        }
        // Comments.
        if lang.slash_comments() && b[i..].starts_with(b"//")
            || lang.hash_comments() && c == b'#' && !b[i..].starts_with(b"#{") && hash_starts_comment(b, i, lang)
        {
            let end = b[i..].iter().position(|x| *x == b'\n').map_or(b.len(), |p| i + p);
            for m in &mut mask[i..end] {
                *m = false;
            }
            i = end;
            continue;
        }
        if b[i..].starts_with(b"/*") && lang != Lang::Python && lang != Lang::Ruby {
            let end = find_from(b, i + 2, b"*/").map_or(b.len(), |p| p + 2);
            for m in &mut mask[i..end] {
                *m = false;
            }
            i = end;
            continue;
        }
        if matches!(c, b'"' | b'\'' | b'`') {
            if c == b'\'' && (lang == Lang::Rust || is_apostrophe(b, i, lang)) {
                i += 1;
                continue;
            }
            let triple = lang == Lang::Python && b[i..].starts_with(&[c, c, c])
                || lang == Lang::Jvm && b[i..].starts_with(b"\"\"\"");
            let prefix = prefix_before(b, i);
            let interp = match (lang, c) {
                (Lang::Js, b'`') | (Lang::Jvm, b'"') => Interp::Dollar,
                (Lang::Ruby, b'"') => Interp::Hash,
                (Lang::Python, _) if prefix.contains(['f', 'F']) => Interp::Brace,
                (Lang::CSharp, b'"') if prefix.contains('$') => Interp::Brace,
                (Lang::Php | Lang::Shell, b'"') => Interp::PhpShell,
                _ => Interp::None,
            };
            let len = if triple { 3 } else { 1 };
            for m in mask.iter_mut().skip(i).take(len) {
                *m = false;
            }
            strings.push((Str { quote: c, triple, interp }, 0));
            in_interp.push(false);
            i += len;
            continue;
        }
        i += 1;
    }
    mask
}

fn hash_starts_comment(b: &[u8], i: usize, lang: Lang) -> bool {
    match lang {
        // In YAML/INI/dotenv/PHP, `#` starts a comment at line start or after whitespace only.
        Lang::Yaml | Lang::KeyValue | Lang::Shell | Lang::Other => i == 0 || b[i - 1].is_ascii_whitespace(),
        Lang::Php => !b[i..].starts_with(b"#["),
        _ => true,
    }
}

/// An apostrophe that is not a quote: Rust lifetimes, English in unknown languages.
fn is_apostrophe(b: &[u8], i: usize, lang: Lang) -> bool {
    lang == Lang::Other && i > 0 && b[i - 1].is_ascii_alphabetic() && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
}

fn prefix_before(b: &[u8], i: usize) -> String {
    let mut j = i;
    while j > 0 && (b[j - 1].is_ascii_alphabetic() || b[j - 1] == b'$' || b[j - 1] == b'@') && i - j < 3 {
        j -= 1;
    }
    String::from_utf8_lossy(&b[j..i]).into_owned()
}

fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The byte just after the parenthesis matching the `(` at `open`, skipping strings and comments;
/// `None` when unbalanced within `limit` bytes.
///
/// Most calls close within a few hundred bytes, so the mask is computed over a short window first
/// and the window grows (×4) only when the parenthesis is not closed inside it: masking the whole
/// `limit` for every call made a file's log calls cost `limit` bytes each (a fifth of a scan).
/// The answer is the same as masking the whole region at once: [`code_mask`] writes only forward
/// and looks at most `MASK_LOOKAHEAD` bytes ahead (unbounded searches, for `*/` or a line end,
/// mark to the end of the text either way), so a window's mask equals the region's except in its
/// last `MASK_LOOKAHEAD` bytes, which are not trusted until the window reaches the region's end.
pub fn matching_paren(text: &str, open: usize, lang: Lang, limit: usize) -> Option<usize> {
    let end = floor(text, (open + limit).min(text.len()));
    let mut window = 256;
    loop {
        let stop = if window >= end - open { end } else { floor(text, open + window).max(open) };
        let region = &text[open..stop];
        let trusted = if stop == end { region.len() } else { region.len().saturating_sub(MASK_LOOKAHEAD) };
        let mask = code_mask(region, lang);
        let mut depth = 0i32;
        for (i, c) in region.bytes().enumerate().take(trusted) {
            if !mask[i] {
                continue;
            }
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + i + 1);
                    }
                }
                _ => {}
            }
        }
        if stop == end {
            return None;
        }
        window *= 4;
    }
}

/// How many bytes past the current one [`code_mask`] may look at to decide it (`"""`: 3), plus one.
const MASK_LOOKAHEAD: usize = 4;

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether a byte can be part of an identifier (`$` for PHP/JS, `@` for Ruby ivars).
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The identifier around byte `pos` (empty range when there is none).
pub fn ident_at(text: &str, pos: usize) -> Range<usize> {
    let b = text.as_bytes();
    let mut s = pos.min(b.len());
    while s > 0 && is_ident_byte(b[s - 1]) {
        s -= 1;
    }
    let mut e = pos.min(b.len());
    while e < b.len() && is_ident_byte(b[e]) {
        e += 1;
    }
    s..e
}

/// The lowercase words of an identifier: `cardNumberMasked` → card, number, masked;
/// `CARD_NO` → card, no; `$pan` → pan.
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(char::is_ascii_lowercase) && chars[i - 1].is_ascii_uppercase());
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

static FUNCTION_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b",
        r"|^\s*(?:async\s+)?def\s+[A-Za-z_]",
        r"|^\s*func\s",
        r"|^\s*(?:public|private|protected|internal|static|final|override|async|virtual|abstract|synchronized|suspend|open|fun)\b[^=;]*\(",
        r"|^\s*(?:export\s+)?(?:const|let|var)\s+[A-Za-z_$][A-Za-z0-9_$]*\s*(?::[^=]+)?=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][A-Za-z0-9_$]*\s*=>)",
        r"|^\s*(?:async\s+)?(?:get\s+|static\s+)?[A-Za-z_$][A-Za-z0-9_$]*\s*\([^;]*\)\s*(?::\s*[^{;=]+)?\{\s*$",
        r"|^\s*fun\s",
        r"|^\s*[A-Za-z_$][A-Za-z0-9_$.]*\s*\.\s*(?:get|post|put|patch|delete|all|route|handle|HandleFunc|POST|GET|PUT)\s*\(",
        r"|^\s*[A-Za-z_][A-Za-z0-9_<>,\[\]\s]*\s+[A-Za-z_][A-Za-z0-9_]*\s*\([^;]*\)\s*(?:throws\s+[A-Za-z0-9_., ]+)?\{?\s*$",
    ))
    .expect("a literal regex that is tested")
});

const NOT_FUNCTIONS: &[&str] = &[
    "if", "for", "while", "switch", "catch", "return", "else", "elif", "when", "foreach", "with", "new", "await",
    "throw", "yield", "case", "using", "lock", "until", "unless",
];

/// Whether 0-based line `n` starts a function or method definition.
pub fn is_function_header(line: &str) -> bool {
    if !FUNCTION_HEADER.is_match(line) {
        return false;
    }
    let first = line.trim_start().split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or_default();
    !NOT_FUNCTIONS.contains(&first) && !line.trim_end().ends_with(';')
}

/// Indentation width of a line (tabs count as 4).
pub fn indent(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// The function enclosing 0-based line `n`: (header line, last line), by indentation. `None` for
/// top-level code.
pub fn enclosing_function(view: &FileView<'_>, n: usize) -> Option<(usize, usize)> {
    let mut ind = indent(view.line(n));
    let mut h = n;
    loop {
        let line = view.line(h);
        if !line.trim().is_empty() && (indent(line) < ind || h == n) && is_function_header(line) {
            let end = block_end(view, h);
            if end >= n {
                return Some((h, end));
            }
            // A function that ends before `n` (a sibling): keep looking further out.
            ind = indent(line).min(ind);
        }
        if h == 0 || n - h > 400 {
            return None;
        }
        h -= 1;
    }
}

/// Last line of the block that starts at 0-based line `header` (by indentation: the block ends
/// before the next non-blank line indented no deeper than the header, which it includes when it is
/// a closing bracket or `end`).
pub fn block_end(view: &FileView<'_>, header: usize) -> usize {
    let hind = indent(view.line(header));
    let total = view.line_count();
    let mut last = header;
    let mut i = header + 1;
    // Allman braces: the `{` on its own line belongs to the header; multi-line headers too.
    while i < total
        && (view.line(i).trim() == "{" || view.line(i).trim().is_empty())
        && indent(view.line(i)) <= hind + 1
    {
        if view.line(i).trim() == "{" {
            last = i;
        }
        i += 1;
        if last == i - 1 {
            break;
        }
    }
    while i < total {
        let line = view.line(i);
        let t = line.trim();
        if t.is_empty() {
            i += 1;
            continue;
        }
        if indent(line) <= hind {
            if t.starts_with(['}', ')', ']']) || t == "end" || t.starts_with("end ") || t.starts_with("});") {
                last = i;
            }
            break;
        }
        last = i;
        i += 1;
    }
    last
}

/// The call whose argument list contains byte `pos`: (callee range, position of its `(`). Looks at
/// most 2000 bytes back; strings and comments are skipped.
pub fn enclosing_call(view: &FileView<'_>, pos: usize) -> Option<(Range<usize>, usize)> {
    let text = view.text;
    let mut start = pos.saturating_sub(2_000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let window = &text[start..pos];
    let mask = code_mask(window, view.ctx.lang);
    let b = window.as_bytes();
    let mut depth = 0i32;
    for i in (0..b.len()).rev() {
        if !mask[i] {
            continue;
        }
        match b[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' if depth == 0 => {
                let before = window[..i].trim_end();
                let cs = chain_start(before);
                return Some((start + cs..start + before.len(), start + i));
            }
            // An object or array literal the position is inside: look through it.
            b'{' if depth == 0 => {
                // A block (function body, `if (…) {`) ends the search; an object literal does not.
                let before = window[..i].trim_end();
                if before.ends_with("=>") || before.ends_with(')') || before.ends_with("else") || before.ends_with("do")
                {
                    return None;
                }
            }
            b'[' if depth == 0 => {}
            b'(' | b'[' | b'{' => depth -= 1,
            b';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Start of the identifier chain (`a.b->c::d`) that ends `before`.
fn chain_start(before: &str) -> usize {
    let b = before.as_bytes();
    let mut i = b.len();
    while i > 0 {
        let c = b[i - 1];
        if is_ident_byte(c) || c == b'.' || c == b'@' || c == b':' || c == b'\\' || c == b'?' {
            i -= 1;
        } else if c == b'>' && i >= 2 && b[i - 2] == b'-' {
            i -= 2;
        } else {
            break;
        }
    }
    i
}

/// The identifier chain around byte `pos`: `req.body.card.number`, `$card->number`,
/// `card['number']`, `params[:card_number]`, `payment?.card?.number`.
#[allow(clippy::many_single_char_names)] // a byte scanner: b(ytes), i/j (cursors), s/e (start/end)
pub fn chain_at(text: &str, pos: usize) -> Range<usize> {
    let b = text.as_bytes();
    let seg = ident_at(text, pos);
    let (mut s, mut e) = (seg.start, seg.end);
    // Leftwards over connectors and segments.
    loop {
        let mut i = s;
        let conn = if i >= 2 && matches!(&b[i - 2..i], b"->" | b"?." | b"::") {
            2
        } else {
            usize::from(i >= 1 && b[i - 1] == b'.')
        };
        if conn == 0 {
            // ['key'] / ["key"] / [:key] subscripts end with `]` before an identifier? No: they follow it.
            break;
        }
        i -= conn;
        let mut j = i;
        while j > 0 && (is_ident_byte(b[j - 1]) || b[j - 1] == b'@') {
            j -= 1;
        }
        // Subscripts before the connector: a['b'].c
        if j == i && i > 0 && b[i - 1] == b']' {
            if let Some(open) = text[..i].rfind('[') {
                let mut k = open;
                while k > 0 && is_ident_byte(b[k - 1]) {
                    k -= 1;
                }
                if k < open {
                    s = k;
                    continue;
                }
            }
            break;
        }
        if j == i {
            break;
        }
        s = j;
    }
    // Rightwards over connectors, segments, empty calls (`getCard().getNumber()`) and literal subscripts.
    loop {
        let rest = &text[e..];
        if rest.starts_with("()")
            && (rest[2..].starts_with('.') || rest[2..].starts_with("->") || rest[2..].starts_with("?."))
        {
            e += 2;
            continue;
        }
        let conn = if rest.starts_with("->") || rest.starts_with("?.") || rest.starts_with("::") {
            2
        } else {
            usize::from(rest.starts_with('.'))
        };
        if conn > 0 {
            let seg = ident_at(text, e + conn);
            if seg.start == e + conn && seg.end > seg.start {
                e = seg.end;
                continue;
            }
            break;
        }
        if let Some(inner) = rest.strip_prefix('[') {
            let inner = inner.trim_start();
            let lit = inner.starts_with(['"', '\'', ':']);
            if let Some(close) = inner.find(']').filter(|_| lit) {
                let key = inner[..close].trim().trim_matches(|c| c == '"' || c == '\'' || c == ':');
                if !key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                    e += rest.len() - inner.len() + close + 1;
                    continue;
                }
            }
        }
        break;
    }
    s..e
}

/// The segments of a chain as lowercase word lists: `req.body.cardNumber` → `[[req], [body], [card, number]]`.
pub fn chain_words(chain: &str) -> Vec<Vec<String>> {
    chain
        .split(['.', '[', ']', '\'', '"', ':', '>', '?', '(', ')', '-'])
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut w = words(s);
            if w.len() > 1 && w[0] == "get" {
                w.remove(0);
            }
            w
        })
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, lang: Lang) -> String {
        let m = code_mask(text, lang);
        text.bytes().zip(m).map(|(b, c)| if c { char::from(b) } else { '_' }).collect()
    }

    /// The previous `matching_paren`: one mask over the whole `limit` region.
    fn matching_paren_whole(text: &str, open: usize, lang: Lang, limit: usize) -> Option<usize> {
        let region = &text[open..floor(text, (open + limit).min(text.len()))];
        let mask = code_mask(region, lang);
        let mut depth = 0i32;
        for (i, c) in region.bytes().enumerate() {
            match c {
                _ if !mask[i] => {}
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Growing the mask window finds the same parenthesis as masking the whole region, in every
        /// language, for text made of the pieces the lexer cares about (windows of 256, 1024, 4096).
        #[test]
        fn matching_paren_windows_agree_with_one_mask(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "(", ")", "[", "]", "{", "}", "\"", "'", "`", r#"""""#, "'''", "/*", "*/", "//", "#", "#{", "${",
                "{$", "$x", "->", "\\", "\n", " ", "abc", "f\"", "é", "{{", "}}", "<!--", "--", "#[", "x'y",
            ]), 1..1200),
            lang in proptest::sample::select(vec![
                Lang::Js, Lang::Python, Lang::Php, Lang::Jvm, Lang::Go, Lang::Ruby, Lang::CSharp, Lang::Rust,
                Lang::Shell, Lang::Sql, Lang::Yaml, Lang::Json, Lang::KeyValue, Lang::Xml, Lang::Other,
            ]),
            limit in proptest::sample::select(vec![100usize, 300, 1500, 4_000, 20_000]),
        ) {
            let text = format!("log({})", parts.concat());
            for open in text.match_indices(['(', '[', '{']).map(|(i, _)| i).take(12) {
                proptest::prop_assert_eq!(
                    matching_paren(&text, open, lang, limit),
                    matching_paren_whole(&text, open, lang, limit),
                    "open {} in {:?}", open, text
                );
            }
        }
    }

    #[test]
    fn strings_and_interpolation() {
        assert_eq!(code("log('pan', pan)", Lang::Js), "log(_____, pan)");
        assert_eq!(code("log(`x ${card.number} y`)", Lang::Js), "log(_____card.number____)");
        assert_eq!(code("print(f\"pan {pan}\")", Lang::Python), "print(f______pan__)");
        assert_eq!(code("puts \"pan #{pan}\"", Lang::Ruby), "puts _______pan__");
        assert_eq!(code("error_log(\"pan $pan\");", Lang::Php), "error_log(______pan_);");
        assert_eq!(code("x = 1 // pan", Lang::Js), "x = 1 ______");
        assert_eq!(code("x = 1 # pan", Lang::Python), "x = 1 _____");
    }

    #[test]
    fn keys_and_sections() {
        assert_eq!(assigned_key("const SANDBOX_URL = 'https://x'", 20, Lang::Js), Some("SANDBOX_URL"));
        assert_eq!(assigned_key("  sandbox: 'https://x',", 11, Lang::Js), Some("sandbox"));
        assert_eq!(assigned_key("BASE := \"https://x\"", 8, Lang::Go), Some("BASE"));
        assert_eq!(assigned_key("define('EXIROM_URL', 'https://x');", 21, Lang::Php), Some("EXIROM_URL"));
        let y = "development:\n  url: a\nproduction:\n  url: b\n";
        let v = FileView::new("config/app.yml", y);
        assert_eq!(section_env(&v, 1), Some(crate::probe::static_scan::context::Env::NonProduction));
        assert_eq!(section_env(&v, 3), Some(crate::probe::static_scan::context::Env::Production));
    }

    #[test]
    fn words_split() {
        assert_eq!(words("cardNumberMasked"), ["card", "number", "masked"]);
        assert_eq!(words("CARD_NO"), ["card", "no"]);
        assert_eq!(words("$pan"), ["pan"]);
        assert_eq!(words("PANHash"), ["pan", "hash"]);
    }

    #[test]
    fn finds_log_calls() {
        let src = "console.log('a', x);\nlogger.info(\"b\");\ncatalog.info(y);\nSystem.out.println(z);\nfmt.Printf(\"%s\", p)\nLog::info('x');\nputs \"x\"\n";
        let v = FileView::new("a.js", src);
        let calls: Vec<&str> = log_calls(&v).iter().map(|c| &src[c.callee.clone()]).collect();
        assert_eq!(calls, ["console.log", "logger.info", "System.out.println", "fmt.Printf", "Log::info"]);
    }

    #[test]
    fn functions_by_indentation() {
        let src = "const a = 1;\nasync function pay(o) {\n  const t = await auth();\n  return t;\n}\nfoo();\n";
        let v = FileView::new("a.js", src);
        assert_eq!(enclosing_function(&v, 2), Some((1, 4)));
        assert_eq!(enclosing_function(&v, 5), None);
        let py =
            "class C:\n    def pay(self):\n        x = 1\n        return x\n\n    def other(self):\n        pass\n";
        let v = FileView::new("a.py", py);
        assert_eq!(enclosing_function(&v, 2), Some((1, 3)));
    }
}
