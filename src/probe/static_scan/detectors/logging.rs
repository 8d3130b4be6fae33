//! Logging calls across languages: `console.*`, `logger.*`, `log.*`, `logging.*`, `Log::*`,
//! `System.out.*`, `fmt.Print*`, `slog.*`, `tracing::*!`, `print`/`println`/`printf`, `error_log`,
//! `puts`, paren-less Ruby calls, and variables the file assigns a logger to. `pan-in-log` and
//! `cvv-storage` use them to tell a value that is logged from one that is not.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::super::context::Lang;
use super::FileView;
use super::code::{is_comment_line, matching_paren, words};

/// A logging call: the callee and the argument text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCall {
    /// Byte range of the callee (`logger.info`).
    pub callee: Range<usize>,
    /// Byte range of the arguments (inside the parentheses, or the rest of the line for
    /// paren-less Ruby/Python 2 calls).
    pub args: Range<usize>,
}

/// Method calls whose method is a logging method ([`LOG_METHODS`], or `format` for
/// `System.out.format`), and bare logging functions. Only logging method names are matched: matching
/// every `a.b(` and filtering afterwards cost most of the logging search (callgrind, BENCHMARKS.md).
static LOG_CALLEE: LazyLock<Regex> = LazyLock::new(|| {
    let mut methods: Vec<&str> = LOG_METHODS.iter().copied().chain(["format"]).collect();
    methods.sort_by_key(|m| std::cmp::Reverse(m.len()));
    Regex::new(&format!(
        concat!(
            r"(?P<recv>[A-Za-z_$@][A-Za-z0-9_$]*(?:\s*(?:\.|->|::|\?\.)\s*[A-Za-z_$][A-Za-z0-9_$]*)*)",
            r"\s*(?:\.|->|::|\?\.)\s*(?P<method>(?i:{}))(?-u:\b)[ \t]*(?P<bang>!)?[ \t]*(?P<open>\(|\{{|[ \t]+[\x22'A-Za-z_:$@#])",
            r"|(?-u:\b)(?P<func>print|println|printf|print_r|var_dump|var_export|error_log|puts|pp|NSLog|syslog|log|logger|debug|info|warn|error|trace|eprintln|eprint|dbg)",
            // `[ \t]`, not `\s`: a paren-less call's argument starts on its own line (`x = a.b` then
            // `puts "…"` on the next line is two statements).
            r"[ \t]*(?P<fbang>!)?[ \t]*(?P<fopen>\(|[ \t]+[\x22'A-Za-z_:$@#])",
        ),
        methods.join("|")
    ))
    .expect("a regex built from literal method names, tested")
});

const LOG_METHODS: &[&str] = &[
    "log",
    "info",
    "debug",
    "warn",
    "warning",
    "error",
    "err",
    "trace",
    "fatal",
    "critical",
    "notice",
    "verbose",
    "silly",
    "print",
    "println",
    "printf",
    "print_r",
    "write",
    "writeline",
    "exception",
    "emergency",
    "alert",
    "infof",
    "debugf",
    "warnf",
    "warningf",
    "errorf",
    "fatalf",
    "tracef",
    "infow",
    "debugw",
    "warnw",
    "errorw",
    "infoln",
    "errorln",
    "warnln",
    "debugln",
    "fatalln",
    "panicf",
    "panicln",
    "log_info",
    "log_error",
    "logf",
    "logln",
    // .NET ILogger
    "loginformation",
    "logdebug",
    "logwarning",
    "logerror",
    "logcritical",
    "logtrace",
];

/// Words of a receiver that make it a logger.
const LOGGER_WORDS: &[&str] = &[
    "log",
    "logger",
    "logging",
    "slog",
    "logrus",
    "syslog",
    "console",
    "winston",
    "pino",
    "bunyan",
    "tracing",
    "zap",
    "sugar",
    "logs",
    "monolog",
    "timber",
    "loguru",
    "structlog",
];

/// Every logging call in the file: `console.*`, `logger.*`, `log.*`, `logging.*`, `Log::*`,
/// `System.out.*`, `fmt.Print*`, `slog.*`, `tracing::*!`, `print`/`println`/`printf`,
/// `error_log`, `puts`, `print_r`, `var_dump`, and paren-less Ruby calls (`logger.info "…"`).
pub fn log_calls(view: &FileView<'_>) -> Vec<LogCall> {
    log_calls_in(view, 0..view.text.len())
}

/// The logging calls whose callee starts within byte range `within` (see [`log_calls`]).
pub fn log_calls_in<'a>(view: &FileView<'a>, within: Range<usize>) -> Vec<LogCall> {
    let text = view.text;
    let lang = view.ctx.lang;
    let mut out = Vec::new();
    let base = within.start;
    for c in LOG_CALLEE.captures_iter(&text[within]) {
        let Some(all) = c.get(0) else {
            continue;
        };
        let shift = |m: regex::Match<'a>| (m.start() + base, m.end() + base, m.as_str());
        let all = shift(all);
        // Skip matches that start inside a comment.
        let line_no = view.line_of(all.0);
        let line_range = view.line_range(line_no);
        let line = &text[line_range.clone()];
        if is_comment_line(line, lang) {
            continue;
        }
        let (is_log, open) =
            if let (Some(recv), Some(method), Some(open)) = (c.name("recv"), c.name("method"), c.name("open")) {
                (is_logger(recv.as_str(), method.as_str(), view.logger_names()), shift(open))
            } else if let (Some(func), Some(open)) = (c.name("func"), c.name("fopen")) {
                let func = shift(func);
                let prev = text[..func.0].trim_end().as_bytes().last().copied();
                // `obj.print(` is a method (handled above); `def print(` and `function log(` are definitions.
                let before = text[line_range.start.min(func.0)..func.0].trim_end();
                let defn =
                    ["def", "function", "fn", "func", "void", "public", "private"].iter().any(|d| before.ends_with(d));
                let bare_ok = !matches!(prev, Some(b'.' | b'>' | b':' | b'$')) && !defn;
                let bang_macro = c.name("fbang").is_some();
                let name = func.2;
                let ok = bare_ok
                    && match name {
                        "info" | "warn" | "error" | "trace" | "eprintln" | "eprint" | "dbg" => bang_macro,
                        "debug" => bang_macro || lang == Lang::Js,
                        _ => true,
                    };
                (ok, shift(open))
            } else {
                continue;
            };
        if !is_log {
            continue;
        }
        // `(…)`, or a Kotlin logging lambda `logger.info { "…" }`.
        if open.2 == "{" && lang != Lang::Jvm {
            continue;
        }
        let args = if open.2 == "(" || open.2 == "{" {
            match matching_paren(text, open.0, lang, 4_000) {
                Some(end) => open.0 + 1..end - 1,
                None => continue,
            }
        } else {
            // Paren-less call (Ruby `logger.info "…"`, Python 2 `print "…"`): the rest of the line.
            if !matches!(lang, Lang::Ruby | Lang::Python | Lang::Other) {
                continue;
            }
            let start = open.1 - 1;
            start..line_range.end.max(start)
        };
        let callee_start = c.name("recv").or_else(|| c.name("func")).map_or(all.0, |m| m.start() + base);
        out.push(LogCall { callee: callee_start..open.0, args });
    }
    out
}

fn is_logger(recv: &str, method: &str, extra: &[String]) -> bool {
    let m = method.to_ascii_lowercase();
    let segments: Vec<&str> = recv.split(['.', ':', '-', '>', '?']).map(str::trim).filter(|s| !s.is_empty()).collect();
    let last = segments.last().copied().unwrap_or_default();
    let last_lower = last.trim_start_matches(['$', '@']).to_ascii_lowercase();
    if (last_lower == "out" || last_lower == "err") && segments.contains(&"System") {
        return matches!(m.as_str(), "println" | "print" | "printf" | "format" | "write");
    }
    if last_lower == "fmt" {
        return matches!(m.as_str(), "print" | "println" | "printf");
    }
    if matches!(last_lower.as_str(), "debug" | "trace") && last.starts_with(char::is_uppercase) {
        return matches!(m.as_str(), "log" | "writeline" | "write" | "print" | "logerror" | "logwarning");
    }
    let logger = last_lower == "console" && segments.len() == 1
        || extra.iter().any(|n| n == last.trim_start_matches(['$', '@']))
        || words(last).iter().any(|w| LOGGER_WORDS.contains(&w.as_str()))
        || last == "Console";
    logger && LOG_METHODS.contains(&m.as_str())
}
