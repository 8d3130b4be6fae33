//! `golive rules [ID]`: list the checklist's rules, print one rule's docs, or the checklist map.

use std::fmt::Write as _;

use crate::checklist::Checklist;
use crate::cli::{Global, RulesArgs};
use crate::error::Error;
use crate::{ExitStatus, commands, output};

/// Prints the rule list, one rule's docs, or the checklist with its rules.
///
/// # Errors
/// An unknown rule id, or an invalid user checklist.
pub fn run(global: &Global, args: &RulesArgs) -> Result<ExitStatus, Error> {
    let (_, checklist) = commands::load_inputs(global, std::path::Path::new("."))?;
    let text = match (&args.id, args.checklist) {
        (Some(id), _) => rule_docs(&checklist, id)?,
        (None, true) => checklist_map(&checklist),
        (None, false) => rule_list(&checklist),
    };
    output::write_stdout(&text);
    Ok(ExitStatus::Pass)
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
