//! Git plumbing for pull-request gating, through `git -C ROOT …` (no library: the git a developer
//! and a CI runner already have is the one whose config, worktrees and `GIT_INDEX_FILE` count).
//!
//! Every command runs with `--no-optional-locks` (a pre-commit hook must not race the commit it
//! checks), machine-readable output (`-z`, `--raw --no-abbrev`) and explicit `-M` and
//! `--no-relative`, so user settings (`diff.renames`, `diff.relative`, `core.quotePath`) cannot
//! change what is parsed.
//!
//! What "changed since REF" means: the files that differ between the merge base of REF and `HEAD`
//! and the **working tree** (committed, staged and unstaged changes), plus untracked files that
//! are not ignored. The merge base rather than REF itself, because on a pull request REF is the
//! target branch, which may have moved on since the branch forked: its later changes are not the
//! pull request's. The working tree rather than `HEAD`, because a developer checks before
//! committing and a CI checkout has no uncommitted changes anyway.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use thiserror::Error;

use super::{BaseVersion, ChangedFile, Mode, Scope};

/// Blob modes that are not regular files: symlinks (120000) and submodules (160000).
const NOT_REGULAR: &[&str] = &["120000", "160000"];

/// Why git could not tell what changed.
#[derive(Debug, Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// The root is not inside a git work tree.
    #[error("{root} is not in a git work tree")]
    NotARepo {
        /// The scanned root.
        root: String,
    },
    /// The ref does not name a commit.
    #[error("unknown git ref `{rev}`: it does not name a commit in this repository")]
    UnknownRef {
        /// The ref as given.
        rev: String,
    },
    /// REF and HEAD share no history (unrelated histories, or a shallow clone).
    #[error("`{rev}` and HEAD have no common ancestor in this clone")]
    NoMergeBase {
        /// The ref as given.
        rev: String,
    },
    /// A git command failed.
    #[error("`git {command}` failed: {stderr}")]
    Failed {
        /// The arguments.
        command: String,
        /// What git said.
        stderr: String,
    },
    /// Git printed something this module cannot parse.
    #[error("unexpected output from `git {command}`: {what}")]
    Parse {
        /// The arguments.
        command: String,
        /// What was wrong.
        what: String,
    },
}

impl GitError {
    /// A suggested fix, for the usage error the command turns this into.
    pub fn help(&self) -> &'static str {
        match self {
            Self::Spawn(_) => "install git, or scan without --changed-since/--staged",
            Self::NotARepo { .. } => "run golive inside a git checkout, or scan without --changed-since/--staged",
            Self::UnknownRef { .. } | Self::NoMergeBase { .. } => {
                "fetch the ref and enough history to reach it (GitHub: actions/checkout with `fetch-depth: 0`; \
                 GitLab: `GIT_DEPTH: 0`), or name a commit or branch that exists here"
            }
            Self::Failed { .. } | Self::Parse { .. } => "check the repository with `git status`",
        }
    }
}

/// Runs `git -C root --no-optional-locks ARGS`, returning stdout.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("--no-optional-locks")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed {
            command: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().lines().next().unwrap_or("").to_string(),
        })
    }
}

/// Like [`git`], for commands whose output is one line of text.
fn git_line(root: &Path, args: &[&str]) -> Result<String, GitError> {
    Ok(String::from_utf8_lossy(&git(root, args)?).trim_end_matches(['\n', '\r']).to_string())
}

/// The root's path inside the repository (`services/shop/`, or empty at the top level).
fn prefix(root: &Path) -> Result<String, GitError> {
    let inside = git_line(root, &["rev-parse", "--is-inside-work-tree"]).ok();
    if inside.as_deref() != Some("true") {
        return Err(GitError::NotARepo { root: root.display().to_string() });
    }
    git_line(root, &["rev-parse", "--show-prefix"])
}

/// The full id of the commit `rev` names.
fn commit_of(root: &Path, rev: &str) -> Result<String, GitError> {
    if rev.starts_with('-') {
        return Err(GitError::UnknownRef { rev: rev.to_string() });
    }
    let spec = format!("{rev}^{{commit}}");
    git_line(root, &["rev-parse", "--verify", "--quiet", &spec])
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| GitError::UnknownRef { rev: rev.to_string() })
}

/// The files changed since `rev` (see the module docs for what that means), with their blobs at
/// the merge base of `rev` and `HEAD`.
///
/// # Errors
/// Not a git work tree, unknown ref, no common history, or a failing git command.
pub fn changed_since(root: &Path, rev: &str) -> Result<Scope, GitError> {
    let prefix = prefix(root)?;
    let commit = commit_of(root, rev)?;
    let base = git_line(root, &["merge-base", &commit, "HEAD"])
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| GitError::NoMergeBase { rev: rev.to_string() })?;
    if base != commit {
        tracing::debug!(rev, %commit, merge_base = %base, "comparing with the merge base of the ref and HEAD");
    }
    let args = ["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-relative", "--no-ext-diff", &base, "--"];
    let raw = git(root, &args)?;
    let (mut files, deleted) = parse_raw(&raw, &prefix, Mode::ChangedSince)
        .map_err(|what| GitError::Parse { command: args.join(" "), what })?;
    let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "--full-name", "-z"])?;
    for top in split_z(&untracked) {
        if let Some(path) = strip(&top, &prefix) {
            // Untracked now but tracked at the base (`git rm --cached`): compare with that version.
            let base = deleted.get(&path).cloned();
            files.push(ChangedFile { path, blob: None, base });
        }
    }
    Ok(scope(Mode::ChangedSince, rev, Some(base), files))
}

/// The files staged for commit, with their index blobs and their blobs at `HEAD` (none before
/// the first commit).
///
/// # Errors
/// Not a git work tree, or a failing git command.
pub fn staged(root: &Path) -> Result<Scope, GitError> {
    let prefix = prefix(root)?;
    let head = commit_of(root, "HEAD").ok();
    // Without a revision, `--cached` compares the index with HEAD, or with nothing on an unborn branch.
    let args = ["diff", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-relative", "--no-ext-diff", "--"];
    let raw = git(root, &args)?;
    let (files, _) =
        parse_raw(&raw, &prefix, Mode::Staged).map_err(|what| GitError::Parse { command: args.join(" "), what })?;
    Ok(scope(Mode::Staged, "HEAD", head, files))
}

fn scope(mode: Mode, label: &str, base_commit: Option<String>, mut files: Vec<ChangedFile>) -> Scope {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Scope { mode, base_label: label.to_string(), base_commit, files }
}

/// Parses `git diff --raw -z` output into the files that exist after the change, relative to the
/// root (files outside it dropped), and the base versions of the deleted ones by path.
fn parse_raw(raw: &[u8], prefix: &str, mode: Mode) -> Result<(Vec<ChangedFile>, HashMap<String, BaseVersion>), String> {
    let tokens = split_z(raw);
    let mut files = Vec::new();
    let mut deleted = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let header = &tokens[i];
        // :old_mode new_mode old_blob new_blob status
        let fields: Vec<&str> = header.trim_start_matches(':').split(' ').collect();
        let [old_mode, new_mode, old_blob, new_blob, status] = fields[..] else {
            return Err(format!("not a raw diff record: {header:?}"));
        };
        let letter = status.chars().next().unwrap_or('?');
        let two_paths = matches!(letter, 'R' | 'C');
        let n = if two_paths { 3 } else { 2 };
        if i + n > tokens.len() {
            return Err(format!("record without its path: {header:?}"));
        }
        let old_top = &tokens[i + 1];
        let new_top = &tokens[i + n - 1];
        i += n;
        if letter == 'D' {
            if let Some(path) = strip(old_top, prefix).filter(|_| !NOT_REGULAR.contains(&old_mode)) {
                deleted.insert(path.clone(), BaseVersion { blob: old_blob.to_string(), path });
            }
            continue;
        }
        if NOT_REGULAR.contains(&new_mode) {
            continue;
        }
        let Some(path) = strip(new_top, prefix) else {
            continue;
        };
        let base = (letter != 'A' && !is_null(old_blob) && !NOT_REGULAR.contains(&old_mode)).then(|| BaseVersion {
            blob: old_blob.to_string(),
            path: strip(old_top, prefix).unwrap_or_else(|| path.clone()),
        });
        // A copy's source still exists unchanged: its findings are not the copy's history.
        let base = if letter == 'C' { None } else { base };
        let blob = (mode == Mode::Staged).then(|| new_blob.to_string()).filter(|b| !is_null(b));
        files.push(ChangedFile { path, blob, base });
    }
    Ok((files, deleted))
}

fn is_null(blob: &str) -> bool {
    blob.bytes().all(|b| b == b'0')
}

/// NUL-separated tokens, lossily decoded (paths that are not UTF-8 are reported lossily anyway).
fn split_z(raw: &[u8]) -> Vec<String> {
    raw.split(|b| *b == 0).filter(|t| !t.is_empty()).map(|t| String::from_utf8_lossy(t).into_owned()).collect()
}

/// A top-level-relative path made relative to the root, or `None` when it lies outside the root.
fn strip(top: &str, prefix: &str) -> Option<String> {
    top.strip_prefix(prefix).filter(|p| !p.is_empty()).map(str::to_string)
}

/// A blob's content, as [`read_blobs`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blob {
    /// The bytes.
    Bytes(Vec<u8>),
    /// Larger than the limit: its size in bytes (not read).
    TooLarge(u64),
    /// Not in the repository (or not a blob).
    Missing,
}

/// Reads blobs with one `git cat-file --batch`, keeping at most `max_size` bytes per blob in
/// memory (larger ones are skipped as [`Blob::TooLarge`]).
///
/// # Errors
/// git cannot be run, or its output is cut short.
pub fn read_blobs(root: &Path, ids: &[String], max_size: u64) -> Result<HashMap<String, Blob>, GitError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let command = "cat-file --batch";
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["--no-optional-locks", "cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let mut input = ids.join("\n");
    input.push('\n');
    let mut stdin = child.stdin.take();
    // Written from another thread: git answers while it reads, and both pipes have finite buffers.
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(input.as_bytes());
        }
        drop(stdin);
    });
    let parse = |what: String| GitError::Parse { command: command.to_string(), what };
    let result = (|| {
        let stdout = child.stdout.take().ok_or_else(|| parse("no output".into()))?;
        let mut reader = BufReader::new(stdout);
        for id in ids {
            let mut header = String::new();
            reader.read_line(&mut header).map_err(|e| parse(e.to_string()))?;
            let fields: Vec<&str> = header.trim_end().split(' ').collect();
            match fields[..] {
                [_, "missing"] => {
                    out.insert(id.clone(), Blob::Missing);
                }
                [_, kind, size] => {
                    let size: u64 = size.parse().map_err(|_| parse(format!("bad header {header:?}")))?;
                    if kind == "blob" && size <= max_size {
                        let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                        (&mut reader).take(size).read_to_end(&mut buf).map_err(|e| parse(e.to_string()))?;
                        if buf.len() as u64 != size {
                            return Err(parse(format!("{id}: cut short")));
                        }
                        out.insert(id.clone(), Blob::Bytes(buf));
                    } else {
                        let skipped = std::io::copy(&mut (&mut reader).take(size), &mut std::io::sink())
                            .map_err(|e| parse(e.to_string()))?;
                        if skipped != size {
                            return Err(parse(format!("{id}: cut short")));
                        }
                        out.insert(id.clone(), if kind == "blob" { Blob::TooLarge(size) } else { Blob::Missing });
                    }
                    let mut nl = [0u8; 1];
                    reader.read_exact(&mut nl).map_err(|e| parse(e.to_string()))?;
                }
                _ => {
                    return Err(parse(if header.is_empty() {
                        "output ended early".into()
                    } else {
                        format!("bad header {header:?}")
                    }));
                }
            }
        }
        Ok(())
    })();
    let _ = writer.join();
    let status = child.wait().map_err(GitError::Spawn)?;
    match result {
        Ok(()) if status.success() => Ok(out),
        Ok(()) => Err(GitError::Failed { command: command.into(), stderr: format!("exited with {status}") }),
        Err(e) => {
            let mut stderr = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut stderr);
            }
            if stderr.trim().is_empty() {
                Err(e)
            } else {
                Err(GitError::Failed { command: command.into(), stderr: stderr.trim().to_string() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    fn raw(records: &[(&str, &[&str])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (h, paths) in records {
            v.extend_from_slice(h.as_bytes());
            v.push(0);
            for p in *paths {
                v.extend_from_slice(p.as_bytes());
                v.push(0);
            }
        }
        v
    }

    #[test]
    fn parses_modified_added_renamed_deleted() {
        let r = raw(&[
            (&format!(":100644 100644 {A} {Z} M"), &["app/a.js"]),
            (&format!(":000000 100644 {Z} {B} A"), &["app/new.js"]),
            (&format!(":100644 100644 {A} {B} R087"), &["app/old.js", "app/moved.js"]),
            (&format!(":100644 000000 {A} {Z} D"), &["app/gone.js"]),
            (&format!(":100644 100644 {A} {B} R100"), &["lib/x.js", "app/x.js"]),
            (&format!(":000000 160000 {Z} {B} A"), &["app/submodule"]),
            (&format!(":100644 100644 {A} {Z} M"), &["other/b.js"]),
        ]);
        let (files, deleted) = parse_raw(&r, "app/", Mode::ChangedSince).unwrap();
        let base = |blob: &str, path: &str| Some(BaseVersion { blob: blob.into(), path: path.into() });
        assert_eq!(
            files,
            [
                ChangedFile { path: "a.js".into(), blob: None, base: base(A, "a.js") },
                ChangedFile { path: "new.js".into(), blob: None, base: None },
                ChangedFile { path: "moved.js".into(), blob: None, base: base(A, "old.js") },
                ChangedFile { path: "x.js".into(), blob: None, base: base(A, "x.js") },
            ]
        );
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted["gone.js"], BaseVersion { blob: A.into(), path: "gone.js".into() });
        let (staged, _) = parse_raw(&r, "", Mode::Staged).unwrap();
        assert_eq!(staged[1].blob.as_deref(), Some(B));
        assert_eq!(staged[0].blob, None);
        assert!(parse_raw(b":100644 M\0a\0", "", Mode::Staged).is_err());
        assert!(parse_raw(format!(":100644 100644 {A} {B} R100\0a\0").as_bytes(), "", Mode::Staged).is_err());
    }
}
