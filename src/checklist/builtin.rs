//! The built-in Exirom checklist, embedded in the binary and parsed once per process.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::rule::Origin;
use super::{Checklist, Item, Section};
use crate::diag::{FileDiagnostics, Problem};
use crate::tomlread::Doc;

/// The embedded checklist definition.
pub const CHECKLIST_TOML: &str = include_str!("../../rules/checklist.toml");

/// The embedded rule files, in report order. Adding a file of rules means adding a line here.
pub const RULE_FILES: &[(&str, &str)] = &[
    ("static.toml", include_str!("../../rules/static.toml")),
    ("evidence.toml", include_str!("../../rules/evidence.toml")),
    ("webhook.toml", include_str!("../../rules/webhook.toml")),
    ("sandbox.toml", include_str!("../../rules/sandbox.toml")),
    ("manual.toml", include_str!("../../rules/manual.toml")),
];

static BUILTIN: OnceLock<Checklist> = OnceLock::new();

/// The parsed built-in checklist.
///
/// # Panics
/// Never for a released binary: the `builtin_checklist_loads` test proves the embedded files valid.
#[allow(clippy::panic)]
pub fn get() -> &'static Checklist {
    BUILTIN.get_or_init(|| match load() {
        Ok(c) => c,
        Err(e) => panic!(
            "the built-in checklist is invalid (a test catches this before release): {:?}",
            miette::Report::new(e)
        ),
    })
}

/// Parses the embedded files, returning every problem.
///
/// # Errors
/// The problems of the first invalid file.
pub fn load() -> Result<Checklist, FileDiagnostics> {
    let (version, sections) =
        parse_sections(CHECKLIST_TOML).map_err(|p| FileDiagnostics::new("rules/checklist.toml", CHECKLIST_TOML, p))?;
    let mut checklist = Checklist { version, sections, rules: Vec::new() };
    for (name, src) in RULE_FILES {
        checklist.extend_from_str(&format!("rules/{name}"), src, &Origin::Builtin(name))?;
    }
    Ok(checklist)
}

fn parse_sections(src: &str) -> Result<(String, Vec<Section>), Vec<Problem>> {
    let doc = Doc::parse(src);
    let mut out = doc.problems.clone();
    let root = doc.table();
    let version = root.req_str("version", &mut out).map(toml::Spanned::into_inner).unwrap_or_default();
    let mut ids = BTreeSet::new();
    let mut sections = Vec::new();
    for s in root.tables("section", &mut out) {
        let id = s.req_str("id", &mut out);
        let title = s.req_str("title", &mut out);
        let mut items = Vec::new();
        for i in s.tables("item", &mut out) {
            let (Some(iid), Some(text)) = (i.req_str("id", &mut out), i.req_str("text", &mut out)) else {
                continue;
            };
            if !ids.insert(iid.get_ref().clone()) {
                out.push(Problem::at(iid.span(), format!("duplicate checklist item `{}`", iid.get_ref())));
            }
            i.deny_unknown(&["id", "text"], &mut out);
            items.push(Item { id: iid.into_inner(), text: text.into_inner() });
        }
        s.deny_unknown(&["id", "title", "item"], &mut out);
        if let (Some(id), Some(title)) = (id, title) {
            sections.push(Section { id: id.into_inner(), title: title.into_inner(), items });
        }
    }
    root.deny_unknown(&["version", "section"], &mut out);
    if out.is_empty() { Ok((version, sections)) } else { Err(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_checklist_loads() {
        if let Err(e) = load() {
            panic!("{:?}", miette::Report::new(e));
        }
    }

    #[test]
    fn every_builtin_rule_documents_what_why_and_fix() {
        for r in &get().rules {
            for h in ["## What it checks", "## Why it matters", "## How to fix"] {
                assert!(r.docs.contains(h), "rule {} docs lack `{h}`", r.id);
            }
            assert!(r.docs_url().is_some(), "rule {} docs cite no Exirom page", r.id);
        }
    }
}
