//! The go-live ticket as one self-contained HTML page: the Markdown ticket's content (verdict,
//! summary, a table per checklist section, attestations, warnings, audit context with the JSON
//! digest) with inline CSS and nothing else: no scripts, no external stylesheets, fonts or images,
//! so it opens offline and prints to PDF as it looks (`@media print` rules keep rows whole and
//! colours printed).
//!
//! Every piece of report text is HTML-escaped; links are only ever `http(s)` URLs.

use std::fmt::Write as _;

use super::ticket::{self, Cell};
use super::{Report, RuleResult, Verdict};
use crate::probe::Status;

const CSS: &str = r"
:root { color-scheme: light; --pass:#1a7f37; --fail:#cf222e; --warn:#9a6700; --skip:#57606a; --error:#a40e26;
  --manual:#0969da; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color:#1f2328; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace;
  font-size: 0.9em; background:#f6f8fa; padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
table.rules { table-layout: fixed; }
col.c-status { width: 11%; } col.c-rule { width: 25%; } col.c-evidence { width: 46%; } col.c-fix { width: 18%; }
td { overflow-wrap: anywhere; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background:#f6f8fa; }
td.status { white-space: nowrap; }
.badge { display: inline-block; min-width: 58px; text-align: center; padding: 1px 8px; border-radius: 10px;
  font-size: 12px; font-weight: 700; letter-spacing: 0.03em; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.warn { background: var(--warn); } .badge.skip { background: var(--skip); }
.badge.error { background: var(--error); } .badge.manual { background: var(--manual); }
ul.evidence { margin: 0; padding-left: 18px; }
.muted { color: var(--muted); }
.verdict { display: flex; align-items: center; gap: 16px; padding: 12px 16px; border-radius: 8px;
  border: 2px solid; margin-bottom: 12px; }
.verdict strong { font-size: 22px; white-space: nowrap; }
.verdict .badge { font-size: 20px; padding: 2px 14px; border-radius: 14px; }
.verdict.pass { border-color: var(--pass); background:#dafbe1; }
.verdict.fail { border-color: var(--fail); background:#ffebe9; }
.summary td, .summary th { text-align: center; }
.s-pass { color: var(--pass); } .s-fail { color: var(--fail); } .s-warn { color: var(--warn); }
.s-skip { color: var(--skip); } .s-error { color: var(--error); } .s-manual { color: var(--manual); }
tr.row-fail td, tr.row-error td { background:#fff5f5; }
tr.row-warn td { background:#fffbe6; }
dl.audit { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.audit dt { font-weight: 600; } dl.audit dd { margin: 0; word-break: break-all; }
footer { margin-top: 24px; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  tr, .verdict, dl.audit { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  a[href]:not(.url)::after { content: ' <' attr(href) '>'; font-size: 8px; color: var(--muted); }
}
";

/// Renders the go-live ticket as a self-contained HTML page.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let title = ticket::title(report);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"golive {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&report.tool.version),
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let (class, word) = match report.verdict {
        Verdict::Pass => ("pass", "PASS"),
        Verdict::Fail => ("fail", "FAIL"),
    };
    let _ = writeln!(
        out,
        "<div class=\"verdict {class}\"><strong>Verdict: <span class=\"badge {class}\">{word}</span></strong><span>{}</span></div>",
        escape(&ticket::verdict_sentence(report))
    );
    write_summary(&mut out, report);
    let c = &report.context;
    let _ = writeln!(
        out,
        "<p class=\"muted\">Checked by golive {} (ruleset {}) at {}{}. The audit context is at the end.</p>",
        escape(&report.tool.version),
        escape(&c.ruleset_version),
        escape(&report.started_at),
        c.commit.as_deref().map(|h| format!(" on commit <code>{}</code>", escape(h))).unwrap_or_default()
    );
    for (section, results) in report.by_section() {
        let _ = writeln!(out, "<h2>{}</h2>", escape(section));
        let _ = writeln!(
            out,
            "<table class=\"rules\">\n<colgroup><col class=\"c-status\"><col class=\"c-rule\"><col class=\"c-evidence\">\
             <col class=\"c-fix\"></colgroup>\n<thead><tr><th>Status</th><th>Rule</th><th>Evidence</th><th>Fix</th></tr></thead>\n<tbody>"
        );
        for r in results {
            write_row(&mut out, r);
        }
        let _ = writeln!(out, "</tbody>\n</table>");
    }
    write_attestations(&mut out, report);
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "<h2>Warnings</h2>\n<ul>");
        for w in &report.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(w));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "<h2>Audit context</h2>\n<dl class=\"audit\">");
    for (name, cell) in ticket::audit_rows(report) {
        let value = match cell {
            Cell::Text(t) => escape(&t),
            Cell::Code(t) => format!("<code>{}</code>", escape(&t)),
            Cell::Link(u) => url_link(&u),
        };
        let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", escape(name));
    }
    let _ = writeln!(out, "</dl>");
    let note = ticket::DIGEST_NOTE.replace('`', "");
    let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(&note));
    let _ = writeln!(out, "<footer class=\"muted\">Generated by golive {}.</footer>", escape(&report.tool.version));
    let _ = writeln!(out, "</body>\n</html>");
    out
}

fn status_class(st: Status) -> &'static str {
    st.as_str()
}

/// A coloured status badge. Text, not emoji: a printed page or a machine without an emoji font
/// would show empty boxes.
fn label(st: Status) -> String {
    let (_, word) = ticket::status_label(st);
    format!("<span class=\"badge {}\">{word}</span>", status_class(st))
}

fn write_summary(out: &mut String, report: &Report) {
    let _ = write!(out, "<table class=\"summary\"><thead><tr>");
    for st in Status::ALL {
        let _ = write!(out, "<th>{}</th>", label(st));
    }
    let _ = write!(out, "</tr></thead><tbody><tr>");
    for st in Status::ALL {
        let _ = write!(out, "<td class=\"s-{}\">{}</td>", status_class(st), report.summary.get(st));
    }
    let _ = writeln!(out, "</tr></tbody></table>");
}

fn write_row(out: &mut String, r: &RuleResult) {
    let st = status_class(r.status);
    let _ = write!(
        out,
        "<tr class=\"row-{st}\"><td class=\"status\">{}</td><td class=\"rule\"><code>{}</code><br>{}</td><td>",
        label(r.status),
        escape(&r.rule),
        escape(&r.title)
    );
    if !r.message.is_empty() {
        let _ = write!(out, "{}", escape(&r.message));
    }
    let (shown, more) = ticket::shown_findings(r);
    if !shown.is_empty() || !r.measurements.is_empty() {
        let _ = write!(out, "<ul class=\"evidence\">");
        for f in shown {
            let _ = write!(
                out,
                "<li><code>{}</code> <code>{}</code>",
                escape(&ticket::location(f)),
                escape(f.snippet.trim())
            );
            if let Some(why) = &f.suppressed {
                let _ = write!(out, " <span class=\"muted\">(suppressed: {})</span>", escape(why));
            }
            let _ = write!(out, "</li>");
        }
        if more > 0 {
            let _ = write!(out, "<li class=\"muted\">… and {more} more (see the JSON or SARIF report)</li>");
        }
        for (k, v) in &r.measurements {
            let _ = write!(out, "<li>{}: <code>{}</code></li>", escape(k), escape(&ticket::value_text(v)));
        }
        let _ = write!(out, "</ul>");
    }
    let _ = write!(out, "</td><td class=\"fix\">");
    let mut fix = Vec::new();
    if let Some(url) = &r.docs_url {
        fix.push(link("Exirom docs", url));
    }
    if matches!(r.status, Status::Fail | Status::Warn | Status::Error | Status::Manual) {
        fix.push(format!("<code>golive rules {}</code>", escape(&r.rule)));
    }
    let _ = writeln!(out, "{}</td></tr>", fix.join("<br>"));
}

fn write_attestations(out: &mut String, report: &Report) {
    let _ = writeln!(out, "<h2>Attestations</h2>");
    let att = &report.context.attestations;
    if att.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No attestations recorded in golive.toml.</p>");
        return;
    }
    let _ = writeln!(
        out,
        "<table>\n<thead><tr><th>Attestation</th><th>Who</th><th>When</th><th>Evidence</th></tr></thead>\n<tbody>"
    );
    for a in att {
        let evidence = match a.evidence.as_deref() {
            Some(e) => url_link(e),
            None => "<span class=\"muted\">none given</span>".into(),
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{evidence}</td></tr>",
            escape(&a.name),
            escape(&a.who),
            escape(&a.when)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

/// A link for `http(s)` URLs; anything else (a `javascript:` URL, a note) is shown as text.
fn link(text: &str, url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!("<a href=\"{}\">{}</a>", escape(url), escape(text))
    } else {
        escape(text)
    }
}

/// A link that shows its own URL (not repeated when printed).
fn url_link(url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!("<a class=\"url\" href=\"{}\">{}</a>", escape(url), escape(url))
    } else {
        escape(url)
    }
}

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    /// The JSON digest changes with any JSON change; its correctness has its own test.
    fn snapshot(name: &str, text: &str) {
        insta::with_settings!({ filters => vec![(r"\b[0-9a-f]{64}\b", "[SHA-256]")] }, {
            insta::assert_snapshot!(name, text);
        });
    }

    #[test]
    fn output() {
        snapshot("output", &render(&sample()));
    }

    #[test]
    fn empty() {
        snapshot("empty", &render(&Report::empty()));
    }

    #[test]
    fn self_contained() {
        let page = render(&sample()).to_ascii_lowercase();
        for banned in ["<script", "<link", "src=", "@import", "url(", "<iframe", "<img", "<object"] {
            assert!(!page.contains(banned), "{banned}");
        }
        assert!(page.contains("@media print"));
        let hrefs: Vec<&str> = page.split("href=\"").skip(1).collect();
        assert!(!hrefs.is_empty());
        assert!(hrefs.iter().all(|h| h.starts_with("http")), "only http(s) links");
    }

    #[test]
    fn report_text_is_escaped() {
        let mut r = sample();
        r.results[0].message = "<script>alert('x')</script> & \"q\"".into();
        r.context.attestations[0].evidence = Some("javascript:alert(1)".into());
        let page = render(&r);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        assert!(!page.contains("href=\"javascript"));
    }
}
