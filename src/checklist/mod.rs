//! The go-live checklist: its sections and items (`rules/checklist.toml`) and the rules that prove
//! them (`rules/*.toml` plus the user's own files).
//!
//! The built-in files are embedded with `include_str!` and parsed once per process. Adding a rule is
//! adding a `[[rule]]` entry (and, for webhook and sandbox rules, one registry line in the probe).

pub mod builtin;
pub mod load;
pub mod regex_cache;
pub mod rule;

use std::collections::BTreeSet;
use std::path::Path;

pub use rule::{Origin, ProbeKind, Rule, Severity};

use crate::diag::{FileDiagnostics, Problem};
use crate::tomlread::Doc;

/// One item of the Exirom pre-launch checklist.
#[derive(Debug, Clone)]
pub struct Item {
    /// Stable id (`production-base-url`).
    pub id: String,
    /// The checklist text.
    pub text: String,
}

/// A section of the checklist (Configuration, Code Quality, …).
#[derive(Debug, Clone)]
pub struct Section {
    /// Stable id (`configuration`).
    pub id: String,
    /// Heading as the Exirom guide writes it.
    pub title: String,
    /// Its items, in the guide's order.
    pub items: Vec<Item>,
}

/// The checklist and every rule, built-in and user-defined.
#[derive(Debug, Clone)]
pub struct Checklist {
    /// Version of the built-in ruleset (`rules/checklist.toml` `version`).
    pub version: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Rules in definition order (built-in first).
    pub rules: Vec<Rule>,
}

impl Checklist {
    /// The built-in Exirom checklist.
    pub fn builtin() -> &'static Checklist {
        builtin::get()
    }

    /// Looks up a rule by id or alias.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id || r.aliases.iter().any(|a| a == id))
    }

    /// Every item id.
    pub fn item_ids(&self) -> BTreeSet<String> {
        self.sections.iter().flat_map(|s| s.items.iter().map(|i| i.id.clone())).collect()
    }

    /// The section and item a checklist item id belongs to.
    pub fn item(&self, id: &str) -> Option<(&Section, &Item)> {
        self.sections.iter().find_map(|s| s.items.iter().find(|i| i.id == id).map(|i| (s, i)))
    }

    /// Position of a rule in checklist order: (section index, item index) of its first item.
    pub fn order_of(&self, rule: &Rule) -> (usize, usize) {
        let first = rule.checklist.first().map(String::as_str).unwrap_or_default();
        self.sections
            .iter()
            .enumerate()
            .find_map(|(si, s)| s.items.iter().position(|i| i.id == first).map(|ii| (si, ii)))
            .unwrap_or((usize::MAX, usize::MAX))
    }

    /// Adds the rules of a user checklist file. A rule whose id already exists is an error unless
    /// it says `override = true`, in which case it replaces the earlier rule.
    ///
    /// # Errors
    /// Every problem in the file, with spans.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), FileDiagnostics> {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| {
            FileDiagnostics::new(&name, "", vec![Problem::whole(format!("cannot read checklist file: {e}"))])
        })?;
        self.extend_from_str(&name, &src, &Origin::User(path.to_path_buf()))
    }

    /// Adds the rules in `src` (see [`Checklist::extend_from_file`]).
    ///
    /// # Errors
    /// Every problem in the source, with spans.
    pub fn extend_from_str(&mut self, name: &str, src: &str, origin: &Origin) -> Result<(), FileDiagnostics> {
        let items = self.item_ids();
        let mut parsed = load::parse_rules(src, origin, &items, &crate::probe::implements);
        let doc = Doc::parse(src);
        let root = doc.table();
        let mut scratch = Vec::new();
        for t in root.tables("rule", &mut scratch) {
            let Some(id) = t.str("id", &mut scratch) else {
                continue;
            };
            if self.rule(id.get_ref()).is_some() && !parsed.overrides.contains(id.get_ref()) {
                parsed.problems.push(
                    Problem::at(id.span(), format!("rule `{}` is already defined", id.get_ref()))
                        .label("duplicate id")
                        .help("pick a new id, or set `override = true` to replace the existing rule"),
                );
            }
        }
        if !parsed.problems.is_empty() {
            return Err(FileDiagnostics::new(name, src, parsed.problems));
        }
        for rule in parsed.rules {
            if let Some(pos) = self.rules.iter().position(|r| r.id == rule.id) {
                self.rules[pos] = rule;
            } else {
                self.rules.push(rule);
            }
        }
        Ok(())
    }

    /// Items that no rule proves (the coverage test keeps this empty for the built-in set).
    pub fn uncovered_items(&self) -> Vec<&Item> {
        let covered: BTreeSet<&str> = self.rules.iter().flat_map(|r| r.checklist.iter().map(String::as_str)).collect();
        self.sections.iter().flat_map(|s| &s.items).filter(|i| !covered.contains(i.id.as_str())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of the pre-launch checklist is proved by at least one built-in rule, so a
    /// go-live report is never silent on an item.
    #[test]
    fn every_checklist_item_has_a_rule() {
        let c = Checklist::builtin();
        let uncovered: Vec<String> = c.uncovered_items().iter().map(|i| format!("{} ({})", i.id, i.text)).collect();
        assert!(uncovered.is_empty(), "checklist items without a rule:\n{}", uncovered.join("\n"));
    }

    /// Sections come in the guide's order with the titles reports group by.
    #[test]
    fn sections_in_the_guides_order() {
        let titles: Vec<&str> = Checklist::builtin().sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Configuration", "Code Quality", "Testing", "Webhook endpoint tests", "Operations", "PCI DSS"]
        );
    }

    #[test]
    fn uncovered_items_sees_a_new_item() {
        let mut c = Checklist::builtin().clone();
        c.sections[0].items.push(Item { id: "brand-new".into(), text: "A new item".into() });
        let ids: Vec<&str> = c.uncovered_items().iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["brand-new"]);
    }
}
