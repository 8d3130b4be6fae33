//! `golive rules [ID]`: list the checklist's rules, print one rule's docs, or the checklist map;
//! `golive rules test [FILE.toml]` runs rule examples.

use std::fmt::Write as _;
use std::path::Path;

use crate::checklist::{Checklist, Origin, ProbeKind, Rule};
use crate::cli::{Global, RulesArgs};
use crate::error::Error;
use crate::probe::static_scan::{self, ExampleFailure};
use crate::{ExitStatus, commands, output};

/// Prints the rule list, one rule's docs, or the checklist with its rules.
///
/// # Errors
/// An unknown rule id, or an invalid user checklist.
pub fn run(global: &Global, args: &RulesArgs) -> Result<ExitStatus, Error> {
    if args.id.as_deref() == Some("test") {
        return test(args.file.as_deref());
    }
    let (_, checklist) = commands::load_inputs(global, std::path::Path::new("."))?;
    let text = match (&args.id, args.checklist) {
        (Some(id), _) => rule_docs(&checklist, id)?,
        (None, true) => checklist_map(&checklist),
        (None, false) => rule_list(&checklist),
    };
    output::write_stdout(&text);
    Ok(ExitStatus::Pass)
}

/// `golive rules test [FILE.toml]`: loads FILE as a user checklist (on top of the built-in one)
/// and runs the `[rule.examples]` of its static rules; without FILE, runs the built-in rules'
/// examples. Prints one line per rule and every wrong example (masked); exit 1 when any is wrong.
fn test(file: Option<&Path>) -> Result<ExitStatus, Error> {
    let mut checklist = Checklist::builtin().clone();
    let rules: Vec<Rule> = match file {
        Some(path) => {
            if !path.is_file() {
                return Err(Error::usage(
                    format!("checklist file {} does not exist", path.display()),
                    "give the path of a TOML file with [[rule]] entries: golive rules test my-rules.toml",
                ));
            }
            checklist.extend_from_file(path)?;
            checklist
                .rules
                .iter()
                .filter(|r| r.probe == ProbeKind::Static && matches!(&r.origin, Origin::User(p) if p == path))
                .cloned()
                .collect()
        }
        None => checklist.rules.iter().filter(|r| r.probe == ProbeKind::Static).cloned().collect(),
    };
    let (text, failed, total) = test_report(&rules);
    if total == 0 {
        let name = file.map_or_else(|| "the built-in checklist".to_string(), |p| p.display().to_string());
        return Err(Error::usage(
            format!("{name} has no static rules with [rule.examples]"),
            "add match = [\"…\"] and no-match = [\"…\"] under [rule.examples] of each static rule",
        ));
    }
    output::write_stdout(&text);
    Ok(if failed == 0 { ExitStatus::Pass } else { ExitStatus::Fail })
}

/// The report of `rules test`: (text, wrong examples, examples run).
pub fn test_report(rules: &[Rule]) -> (String, usize, usize) {
    let mut out = String::new();
    let (mut failed, mut total) = (0, 0);
    for r in rules {
        let (failures, n) = static_scan::run_examples(r);
        total += n;
        failed += failures.len();
        if failures.is_empty() {
            let _ = writeln!(out, "ok    {} ({n} examples)", r.id);
            continue;
        }
        let _ = writeln!(out, "FAIL  {} ({} of {n} examples wrong)", r.id, failures.len());
        for f in &failures {
            write_failure(&mut out, f);
        }
    }
    let _ = writeln!(
        out,
        "\n{}: {total} examples, {failed} wrong, in {} rule{}",
        if failed == 0 { "PASS" } else { "FAIL" },
        rules.len(),
        if rules.len() == 1 { "" } else { "s" }
    );
    (out, failed, total)
}

fn write_failure(out: &mut String, f: &ExampleFailure) {
    if f.index == 0 {
        let _ = writeln!(out, "      {}", f.masked_text);
        return;
    }
    let what = if f.should_match { "match example" } else { "no-match example" };
    let verdict = if f.should_match { "was not flagged" } else { "was flagged" };
    let _ = writeln!(out, "      {what} #{} (scanned as {}) {verdict}:", f.index, f.path);
    for line in f.masked_text.lines().take(8) {
        let _ = writeln!(out, "        | {line}");
    }
    for at in &f.flagged {
        let _ = writeln!(out, "        flagged at {at}");
    }
}

/// One line per rule: id, probe, severity, title.
pub fn rule_list(c: &Checklist) -> String {
    let width = c.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in &c.rules {
        let _ = writeln!(out, "{:width$}  {:7}  {:5}  {}", r.id, r.probe.as_str(), r.severity.as_str(), r.title);
    }
    out
}

fn rule_docs(c: &Checklist, id: &str) -> Result<String, Error> {
    let Some(r) = c.rule(id) else {
        let ids: Vec<&str> = c.rules.iter().map(|r| r.id.as_str()).collect();
        let help = match crate::diag::suggest(id, ids.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? `golive rules` lists every rule"),
            None => "`golive rules` lists every rule".into(),
        };
        return Err(Error::usage(format!("unknown rule `{id}`"), help));
    };
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", r.id, r.title);
    let _ = writeln!(out, "probe: {}  severity: {}  since: {}", r.probe, r.severity, r.since);
    for item in &r.checklist {
        if let Some((s, i)) = c.item(item) {
            let _ = writeln!(out, "checklist: {} / {} ({item})", s.title, i.text);
        }
    }
    let _ = writeln!(out, "\n{}", r.docs.trim_end());
    Ok(out)
}

/// The checklist, section by section, with the rules that prove each item.
pub fn checklist_map(c: &Checklist) -> String {
    let mut out = String::new();
    for s in &c.sections {
        let _ = writeln!(out, "{}", s.title);
        for i in &s.items {
            let _ = writeln!(out, "  [{}] {}", i.id, i.text);
            let rules: Vec<_> = c.rules.iter().filter(|r| r.checklist.contains(&i.id)).collect();
            if rules.is_empty() {
                let _ = writeln!(out, "      (no rule)");
            }
            for r in rules {
                let _ = writeln!(out, "      {:30} {}", r.id, r.probe);
            }
        }
        out.push('\n');
    }
    out
}

/// The README's rule table (Markdown), generated from the checklist so it cannot drift.
pub fn markdown_table(c: &Checklist) -> String {
    let mut out =
        String::from("| rule | probe | severity | checklist item | what it checks |\n|---|---|---|---|---|\n");
    for r in &c.rules {
        let items = r.checklist.join(", ");
        let _ =
            writeln!(out, "| `{}` | {} | {} | {items} | {} |", r.id, r.probe, r.severity, r.title.replace('|', "\\|"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "<!-- rules:start (generated by `GOLIVE_BLESS=1 cargo test readme`) -->\n";
    const END: &str = "<!-- rules:end -->";

    /// The README's rule table matches `rules/`; `GOLIVE_BLESS=1 cargo test readme` rewrites it.
    #[test]
    fn readme_rule_table_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let table = markdown_table(Checklist::builtin());
        let (Some(s), Some(e)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the generated rule table markers");
        };
        let current = &readme[s + START.len()..e];
        if current != table {
            if crate::secret::env_var("GOLIVE_BLESS").is_some() {
                let updated = format!("{}{START}{table}{}", &readme[..s], &readme[e..]);
                std::fs::write(&path, updated).unwrap();
            } else {
                panic!("README.md rule table is out of date: run `GOLIVE_BLESS=1 cargo test readme`");
            }
        }
    }
}
