//! Pull-request gating: scan only what changed, report only what is new, and adopt golive on an
//! existing codebase without fixing everything first.
//!
//! - `golive scan --changed-since REF` ([`git::changed_since`]) scans every file that differs
//!   between REF and the working tree, in full, and drops the findings that were already present
//!   in that file at REF (same rule, same content [`fingerprint`](crate::probe::static_scan::fingerprint())).
//! - `golive scan --staged` ([`git::staged`]) scans the staged (index) content of the staged files
//!   and drops the findings already present in the file at `HEAD`: the pre-commit hook.
//! - `golive baseline create` writes a [`baseline`] file; `--baseline FILE` reports the findings it
//!   lists as suppressed ("baselined") and warns about entries that match nothing any more.
//!
//! The command builds a [`Scope`] (what changed, and where each file's earlier version is) and
//! hands it to the static probe through the run context; the probe scans, then applies it
//! (`probe::static_scan::gating`).

pub mod baseline;
pub mod git;

pub use baseline::Baseline;

/// Which kind of partial scan a [`Scope`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--changed-since REF`: the working tree's files, compared with REF.
    ChangedSince,
    /// `--staged`: the index's content, compared with `HEAD`.
    Staged,
}

/// The files a partial scan covers, and where their earlier versions are.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Changed since a ref, or staged.
    pub mode: Mode,
    /// The base as the user named it (`origin/main`, `HEAD~1`; `HEAD` for `--staged`): findings
    /// already present there are not reported again.
    pub base_label: String,
    /// The base commit, full hex id (`None` for `--staged` before the first commit).
    pub base_commit: Option<String>,
    /// The files to scan, sorted by path. Deleted files are not listed.
    pub files: Vec<ChangedFile>,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// The blob to scan (`--staged`: the index entry); `None`: read the working tree file.
    pub blob: Option<String>,
    /// The file's version at the base, when it had one: its blob and the path it had there
    /// (relative to the root; a renamed file's old path).
    pub base: Option<BaseVersion>,
}

/// A file's version at the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseVersion {
    /// Blob id.
    pub blob: String,
    /// Path at the base, relative to the scanned root (the old path of a renamed file; the new
    /// path when the old one lies outside the root).
    pub path: String,
}

impl Scope {
    /// Keeps only the files under one of `paths` (the `[static] paths` setting; empty = all), so
    /// a partial scan covers what a full scan would.
    pub fn retain_under(&mut self, paths: &[String]) {
        if paths.is_empty() {
            return;
        }
        let prefixes: Vec<String> = paths
            .iter()
            .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
            .filter(|p| !p.is_empty() && p != ".")
            .collect();
        if prefixes.len() < paths.len() {
            return; // "." or "./": the whole root
        }
        self.files.retain(|f| prefixes.iter().any(|p| f.path == *p || f.path.starts_with(&format!("{p}/"))));
    }

    /// The paths of the files to scan.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        self.files.iter().map(|f| std::path::PathBuf::from(&f.path)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(paths: &[&str]) -> Scope {
        Scope {
            mode: Mode::ChangedSince,
            base_label: "main".into(),
            base_commit: None,
            files: paths.iter().map(|p| ChangedFile { path: (*p).into(), blob: None, base: None }).collect(),
        }
    }

    #[test]
    fn retain_under_static_paths() {
        let mut s = scope(&["src/a.js", "srcx/b.js", "docs/c.md", "src"]);
        s.retain_under(&["./src/".into()]);
        assert_eq!(s.paths(), [std::path::PathBuf::from("src/a.js"), "src".into()]);
        let mut s = scope(&["src/a.js", "docs/c.md"]);
        s.retain_under(&["docs".into(), ".".into()]);
        assert_eq!(s.files.len(), 2);
        s.retain_under(&[]);
        assert_eq!(s.files.len(), 2);
    }
}
