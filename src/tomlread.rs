//! A span-keeping TOML reader that collects every problem instead of stopping at the first.
//!
//! serde with `deny_unknown_fields` stops at the first unknown key or wrong type, but golive must
//! report every mistake in a file at once, each pointing at its line. This module parses with
//! `toml::de::DeTable::parse_recoverable` (which keeps a span on every key and value) and offers
//! typed accessors that record a [`Problem`] for each missing key, wrong type or unknown key.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::diag::{Problem, suggest};

/// A parsed document plus the problems found so far.
pub struct Doc<'i> {
    /// The root table.
    pub root: Spanned<DeTable<'i>>,
    /// Problems found while parsing and reading.
    pub problems: Vec<Problem>,
}

impl<'i> Doc<'i> {
    /// Parses `src`, keeping going after syntax errors.
    pub fn parse(src: &'i str) -> Self {
        let (root, errors) = DeTable::parse_recoverable(src);
        let problems = errors
            .into_iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                Problem::at(span, format!("invalid TOML: {}", e.message().trim()))
                    .label("syntax error")
                    .help("see https://toml.io for the syntax; regexes belong in '''literal''' strings")
            })
            .collect();
        Self { root, problems }
    }

    /// A reader over the root table.
    pub fn table(&self) -> Table<'_, 'i> {
        Table { table: self.root.get_ref(), span: self.root.span(), seen: RefCell::default(), path: String::new() }
    }
}

/// A TOML table being read: remembers which keys were read so the rest can be reported unknown.
pub struct Table<'a, 'i> {
    #[allow(clippy::struct_field_names)]
    table: &'a DeTable<'i>,
    span: Range<usize>,
    seen: RefCell<BTreeSet<String>>,
    path: String,
}

/// The value types a reader can ask for, used in "expected X" messages.
fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl<'a, 'i> Table<'a, 'i> {
    /// The span of the whole table (its header for `[section]` tables).
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// Dotted path of this table, for messages (`webhook.oracle`).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// The raw value under `key`, marking it as read.
    pub fn raw(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.seen.borrow_mut().insert(key.to_string());
        self.table.get(key)
    }

    /// Span of the key itself (for "duplicate" or "unknown" labels).
    pub fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.table.keys().find(|k| k.get_ref().as_ref() == key).map(Spanned::span)
    }

    fn wrong_type(&self, key: &str, v: &Spanned<DeValue<'_>>, want: &str, out: &mut Vec<Problem>) {
        out.push(
            Problem::at(v.span(), format!("`{}` must be {want}, found {}", self.key_path(key), type_name(v.get_ref())))
                .label(format!("expected {want}")),
        );
    }

    /// An optional string.
    pub fn str(&self, key: &str, out: &mut Vec<Problem>) -> Option<Spanned<String>> {
        let v = self.raw(key)?;
        if let DeValue::String(s) = v.get_ref() {
            Some(Spanned::new(v.span(), s.to_string()))
        } else {
            self.wrong_type(key, v, "a string", out);
            None
        }
    }

    /// A required string: records a problem on the table when missing.
    pub fn req_str(&self, key: &str, out: &mut Vec<Problem>) -> Option<Spanned<String>> {
        let v = self.str(key, out);
        if v.is_none() && self.table.get(key).is_none() {
            out.push(
                Problem::at(self.span(), format!("missing required key `{}`", self.key_path(key)))
                    .label(format!("`{key}` missing in this table"))
                    .help(format!("add `{key} = \"…\"`")),
            );
        }
        v
    }

    /// An optional boolean.
    pub fn bool(&self, key: &str, out: &mut Vec<Problem>) -> Option<bool> {
        let v = self.raw(key)?;
        if let DeValue::Boolean(b) = v.get_ref() {
            Some(*b)
        } else {
            self.wrong_type(key, v, "a boolean", out);
            None
        }
    }

    /// An optional non-negative integer.
    pub fn uint(&self, key: &str, out: &mut Vec<Problem>) -> Option<u64> {
        let v = self.raw(key)?;
        if let DeValue::Integer(i) = v.get_ref() {
            if let Ok(n) = u64::from_str_radix(i.as_str(), i.radix()) {
                Some(n)
            } else {
                out.push(Problem::at(v.span(), format!("`{}` must be a non-negative integer", self.key_path(key))));
                None
            }
        } else {
            self.wrong_type(key, v, "an integer", out);
            None
        }
    }

    /// An optional array of strings; a lone string is accepted as a one-element array.
    pub fn strs(&self, key: &str, out: &mut Vec<Problem>) -> Option<Vec<Spanned<String>>> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(vec![Spanned::new(v.span(), s.to_string())]),
            DeValue::Array(items) => {
                let mut res = Vec::with_capacity(items.len());
                for item in items {
                    if let DeValue::String(s) = item.get_ref() {
                        res.push(Spanned::new(item.span(), s.to_string()));
                    } else {
                        out.push(
                            Problem::at(
                                item.span(),
                                format!(
                                    "`{}` must hold strings, found {}",
                                    self.key_path(key),
                                    type_name(item.get_ref())
                                ),
                            )
                            .label("expected a string"),
                        );
                    }
                }
                Some(res)
            }
            _ => {
                self.wrong_type(key, v, "an array of strings", out);
                None
            }
        }
    }

    /// An optional sub-table.
    pub fn table(&self, key: &str, out: &mut Vec<Problem>) -> Option<Table<'a, 'i>> {
        let v = self.raw(key)?;
        if let DeValue::Table(t) = v.get_ref() {
            Some(Table { table: t, span: v.span(), seen: RefCell::default(), path: self.key_path(key) })
        } else {
            self.wrong_type(key, v, "a table", out);
            None
        }
    }

    /// An optional array of tables (`[[key]]`).
    pub fn tables(&self, key: &str, out: &mut Vec<Problem>) -> Vec<Table<'a, 'i>> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        if let DeValue::Array(items) = v.get_ref() {
            array_tables(items, &self.key_path(key), out)
        } else {
            self.wrong_type(key, v, "an array of tables", out);
            Vec::new()
        }
    }

    /// Every entry of this table as (key, span of key, value), for map-like tables.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Range<usize>, &'a Spanned<DeValue<'i>>)> {
        for k in self.table.keys() {
            self.seen.borrow_mut().insert(k.get_ref().to_string());
        }
        self.table.iter().map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
    }

    /// Wraps a value known to be a table as a reader (for map-like tables of tables).
    pub fn sub(&self, key: &str, v: &'a Spanned<DeValue<'i>>, out: &mut Vec<Problem>) -> Option<Table<'a, 'i>> {
        if let DeValue::Table(t) = v.get_ref() {
            Some(Table { table: t, span: v.span(), seen: RefCell::default(), path: self.key_path(key) })
        } else {
            self.wrong_type(key, v, "a table", out);
            None
        }
    }

    /// Reports every key that no accessor read, suggesting the closest known key.
    pub fn deny_unknown(&self, known: &[&str], out: &mut Vec<Problem>) {
        let seen = self.seen.borrow();
        for k in self.table.keys() {
            let name = k.get_ref().as_ref();
            if seen.contains(name) {
                continue;
            }
            let mut p =
                Problem::at(k.span(), format!("unknown key `{}`", self.key_path(name))).label("not a known key");
            p = match suggest(name, known.iter().copied()) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None => p.help(format!("known keys here: {}", known.join(", "))),
            };
            out.push(p);
        }
    }
}

fn array_tables<'a, 'i>(items: &'a DeArray<'i>, path: &str, out: &mut Vec<Problem>) -> Vec<Table<'a, 'i>> {
    let mut res = Vec::with_capacity(items.len());
    for item in items {
        if let DeValue::Table(t) = item.get_ref() {
            res.push(Table { table: t, span: item.span(), seen: RefCell::default(), path: path.to_string() });
        } else {
            out.push(Problem::at(
                item.span(),
                format!("`{path}` entries must be tables, found {}", type_name(item.get_ref())),
            ));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let src = "a = 1\nb = [1, \"x\"]\nc = \"s\"\nzz = true\n";
        let doc = Doc::parse(src);
        let mut out = doc.problems.clone();
        let t = doc.table();
        assert_eq!(t.str("a", &mut out), None);
        assert_eq!(t.strs("b", &mut out).map(|v| v.len()), Some(1));
        assert_eq!(t.str("c", &mut out).map(Spanned::into_inner), Some("s".to_string()));
        t.deny_unknown(&["a", "b", "c", "z"], &mut out);
        assert_eq!(out.len(), 3, "{out:?}");
    }

    #[test]
    fn syntax_errors_do_not_panic() {
        for src in ["[[", "a = ", "a = '''", "\u{0}", "a.b = 1\na = 2", "[x]\n[x]"] {
            let doc = Doc::parse(src);
            let _ = doc.table().str("a", &mut Vec::new());
        }
    }
}
