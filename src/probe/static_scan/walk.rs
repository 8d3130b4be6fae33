//! The walk: which files of the repository the static probe reads, read once each, in parallel.
//!
//! `ignore`'s parallel walker honours `.gitignore`/`.ignore` (also outside a git checkout) and sees
//! dotfiles (`hidden(false)`: `.env` is where secrets live). It skips `.git`, vendored and generated
//! trees (`node_modules`, `vendor`, `dist`, `build`, `target`, `.venv`, …), files with a binary
//! extension or a NUL byte in their first 8 KiB, and files over `[static] max_file_size`. Files it
//! cannot read, files too large to scan and special files (FIFOs, sockets, dangling symlinks) are
//! reported back as [`Skipped`] entries, never silently dropped. A visitor per thread collects
//! results locally and hands them over when the walk ends; callers sort the merged results, so the
//! outcome does not depend on the number of threads.

use std::fs::File;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

/// Directories never descended into (vendored dependencies, build output, tool caches).
pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "vendor",
    "_vendor",
    "vendored",
    "third_party",
    "dist",
    "build",
    "target",
    "out",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".turbo",
    ".cache",
    ".parcel-cache",
    "coverage",
    ".nyc_output",
    ".gradle",
    ".idea",
    ".terraform",
    ".serverless",
    ".bundle",
    ".yarn",
    ".pnpm-store",
    "Pods",
    "Carthage",
    "elm-stuff",
];

/// Extensions of binary formats, skipped without being read.
const BINARY_EXTS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "avif", "tif", "tiff", "psd", "pdf", "zip", "gz", "tgz", "bz2",
    "xz", "7z", "rar", "jar", "war", "ear", "class", "so", "dll", "dylib", "exe", "bin", "o", "a", "lib", "woff",
    "woff2", "ttf", "otf", "eot", "mp3", "mp4", "mov", "avi", "webm", "wav", "ogg", "flac", "sqlite", "db", "pyc",
    "pyo", "wasm", "keystore", "jks", "p12", "pfx", "der", "dat", "parquet", "avro", "xlsx", "docx", "pptx", "ods",
    "odt", "iso", "dmg", "apk", "ipa", "lockb",
];

/// Bytes looked at for a NUL to decide a file is binary.
pub(super) const BINARY_SNIFF: usize = 8 * 1024;

/// What to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions<'a> {
    /// The repository root; reported paths are relative to it.
    pub root: &'a Path,
    /// `[static] paths`: sub-paths to walk instead of the whole root.
    pub paths: &'a [String],
    /// `[static] exclude`, compiled.
    pub exclude: Option<&'a GlobSet>,
    /// Files larger than this are not read.
    pub max_file_size: u64,
    /// Only these files (relative to root), instead of a walk.
    pub only_files: Option<&'a [PathBuf]>,
    /// Worker threads (0 = one per core).
    pub threads: usize,
}

/// Why a path was not scanned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skipped {
    /// It could not be read (permission denied, dangling symlink, I/O error): path and reason.
    Unreadable(String, String),
    /// It is larger than `max_file_size`: path and size in bytes.
    TooLarge(String, u64),
    /// Not a regular file (FIFO, socket, device): path and kind.
    Special(String, &'static str),
}

/// The merged result of a walk.
#[derive(Debug)]
pub struct Walked<T> {
    /// One entry per file for which the visitor returned something, in no particular order.
    pub results: Vec<T>,
    /// Files read and scanned.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Paths not scanned, and why, sorted.
    pub skipped: Vec<Skipped>,
}

/// Walks the tree and calls `scan(relative_path, bytes)` once per text file, on the worker threads.
pub fn walk<T, F>(opts: &WalkOptions<'_>, scan: F) -> Walked<T>
where
    T: Send,
    F: Fn(&str, &[u8]) -> Option<T> + Sync,
{
    let shared = Mutex::new(Local::default());
    if let Some(files) = opts.only_files {
        let mut local = Local::default();
        for rel in files {
            let abs = opts.root.join(rel);
            let rel = rel_string(opts.root, &abs);
            if in_skipped_dir(&rel) || opts.exclude.is_some_and(|g| g.is_match(&rel)) {
                continue;
            }
            match std::fs::symlink_metadata(&abs) {
                Ok(_) => visit_path(opts, &abs, &rel, &scan, &mut local),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::debug!(path = %rel, "skipped: listed file no longer exists");
                }
                Err(e) => local.skipped.push(Skipped::Unreadable(rel, e.to_string())),
            }
        }
        merge(&shared, local);
    } else {
        let mut builder = builder(opts);
        let mut visitors = Builder { opts, scan: &scan, shared: &shared };
        builder.threads(opts.threads).build_parallel().visit(&mut visitors);
    }
    let mut all = shared.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    all.skipped.sort();
    all.skipped.dedup();
    Walked { results: all.results, files: all.files, bytes: all.bytes, skipped: all.skipped }
}

fn builder(opts: &WalkOptions<'_>) -> WalkBuilder {
    let roots: Vec<PathBuf> = if opts.paths.is_empty() {
        vec![opts.root.to_path_buf()]
    } else {
        opts.paths.iter().map(|p| opts.root.join(p)).collect()
    };
    let mut b = WalkBuilder::new(&roots[0]);
    for r in &roots[1..] {
        b.add(r);
    }
    let root = opts.root.to_path_buf();
    let exclude = opts.exclude.cloned();
    b.hidden(false).require_git(false).follow_links(false).filter_entry(move |e: &DirEntry| {
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        if is_dir && e.file_name().to_str().is_some_and(|n| SKIP_DIRS.contains(&n)) {
            tracing::debug!(path = %e.path().display(), "skipped: vendored or generated tree");
            return false;
        }
        if let Some(g) = &exclude {
            let rel = rel_string(&root, e.path());
            if g.is_match(&rel) {
                tracing::debug!(path = %rel, "skipped: [static] exclude");
                return false;
            }
        }
        true
    });
    b
}

struct Local<T> {
    results: Vec<T>,
    files: usize,
    bytes: u64,
    skipped: Vec<Skipped>,
}

impl<T> Default for Local<T> {
    fn default() -> Self {
        Self { results: Vec::new(), files: 0, bytes: 0, skipped: Vec::new() }
    }
}

fn merge<T>(shared: &Mutex<Local<T>>, mut local: Local<T>) {
    let mut g = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    g.results.append(&mut local.results);
    g.files += local.files;
    g.bytes += local.bytes;
    g.skipped.append(&mut local.skipped);
}

struct Builder<'s, T, F> {
    opts: &'s WalkOptions<'s>,
    scan: &'s F,
    shared: &'s Mutex<Local<T>>,
}

impl<'s, T, F> ParallelVisitorBuilder<'s> for Builder<'s, T, F>
where
    T: Send,
    F: Fn(&str, &[u8]) -> Option<T> + Sync,
{
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Visitor { opts: self.opts, scan: self.scan, shared: self.shared, local: Local::default() })
    }
}

struct Visitor<'s, T: Send, F> {
    opts: &'s WalkOptions<'s>,
    scan: &'s F,
    shared: &'s Mutex<Local<T>>,
    local: Local<T>,
}

impl<T: Send, F> Drop for Visitor<'_, T, F> {
    fn drop(&mut self) {
        merge(self.shared, std::mem::take(&mut self.local));
    }
}

impl<T, F> ParallelVisitor for Visitor<'_, T, F>
where
    T: Send,
    F: Fn(&str, &[u8]) -> Option<T> + Sync,
{
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_dir()) {
                    return WalkState::Continue;
                }
                let rel = rel_string(self.opts.root, e.path());
                visit_path(self.opts, e.path(), &rel, self.scan, &mut self.local);
            }
            Err(err) => {
                let (path, msg) = error_parts(self.opts.root, &err);
                self.local.skipped.push(Skipped::Unreadable(path, msg));
            }
        }
        WalkState::Continue
    }
}

/// Reads and scans one path (a file, or a symlink to one).
fn visit_path<T>(
    opts: &WalkOptions<'_>,
    abs: &Path,
    rel: &str,
    scan: &(impl Fn(&str, &[u8]) -> Option<T> + Sync),
    local: &mut Local<T>,
) {
    let meta = match std::fs::metadata(abs) {
        Ok(m) => m,
        Err(e) => {
            let why = if std::fs::symlink_metadata(abs).is_ok_and(|m| m.file_type().is_symlink()) {
                // A target that exists (as another link) means a loop, not a missing file.
                let target = std::fs::read_link(abs).ok().map(|t| abs.parent().unwrap_or(Path::new("")).join(t));
                if target.is_some_and(|t| std::fs::symlink_metadata(t).is_ok()) {
                    format!("symlink loop ({e})")
                } else {
                    format!("dangling symlink ({e})")
                }
            } else {
                e.to_string()
            };
            local.skipped.push(Skipped::Unreadable(rel.to_string(), why));
            return;
        }
    };
    if meta.is_dir() {
        return; // a symlink to a directory: not followed (loops, paths outside the repository)
    }
    if !meta.is_file() {
        local.skipped.push(Skipped::Special(rel.to_string(), special_kind(&meta)));
        return;
    }
    if has_binary_ext(rel) {
        tracing::debug!(path = %rel, "skipped: binary file extension");
        return;
    }
    if meta.len() > opts.max_file_size {
        local.skipped.push(Skipped::TooLarge(rel.to_string(), meta.len()));
        return;
    }
    // The first bytes decide "binary" before the rest is read: a sparse or NUL-filled file under a
    // lifted size limit must not be read (and held) whole.
    let mut buf = Vec::with_capacity(BINARY_SNIFF);
    let read = File::open(abs).and_then(|mut f| {
        (&mut f).take(BINARY_SNIFF as u64).read_to_end(&mut buf)?;
        if buf.contains(&0) {
            return Ok(false);
        }
        buf.reserve(usize::try_from(meta.len()).unwrap_or(0).saturating_sub(buf.len()) + 1);
        f.take((opts.max_file_size + 1).saturating_sub(buf.len() as u64)).read_to_end(&mut buf)?;
        Ok(true)
    });
    match read {
        Err(e) => {
            local.skipped.push(Skipped::Unreadable(rel.to_string(), e.to_string()));
            return;
        }
        Ok(false) => {
            tracing::debug!(path = %rel, "skipped: binary content");
            return;
        }
        Ok(true) => {}
    }
    if buf.len() as u64 > opts.max_file_size {
        local.skipped.push(Skipped::TooLarge(rel.to_string(), buf.len() as u64));
        return;
    }
    local.files += 1;
    local.bytes += buf.len() as u64;
    if let Some(r) = scan(rel, &buf) {
        local.results.push(r);
    }
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "special file"
}

pub(super) fn has_binary_ext(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').is_some_and(|(_, ext)| BINARY_EXTS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Whether a relative path lies in a [`SKIP_DIRS`] directory.
pub(super) fn in_skipped_dir(rel: &str) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    parts.iter().any(|p| SKIP_DIRS.contains(p))
}

/// `path` relative to `root`, `/`-separated, without a leading `./`.
pub fn rel_string(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    if parts.is_empty() { rel.to_string_lossy().into_owned() } else { parts.join("/") }
}

fn error_parts(root: &Path, err: &ignore::Error) -> (String, String) {
    match err {
        ignore::Error::WithPath { path, err } => (rel_string(root, path), err.to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_parts(root, err),
        ignore::Error::Partial(errs) => {
            errs.first().map_or_else(|| (String::new(), err.to_string()), |e| error_parts(root, e))
        }
        other => (String::new(), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(w: &Walked<String>) -> Vec<String> {
        let mut v = w.results.clone();
        v.sort();
        v
    }

    fn opts(root: &Path) -> WalkOptions<'_> {
        WalkOptions { root, paths: &[], exclude: None, max_file_size: 1024, only_files: None, threads: 2 }
    }

    #[test]
    fn skips_vendored_binary_and_ignored_and_reports_large() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for (p, body) in [
            ("src/app.js", &b"a"[..]),
            (".env", b"X=1"),
            ("node_modules/x/index.js", b"a"),
            ("vendor/lib.php", b"a"),
            (".git/config", b"a"),
            ("img/logo.png", b"a"),
            ("data/blob.txt", b"a\0b"),
            ("ignored.txt", b"a"),
            (".gitignore", b"ignored.txt\n"),
        ] {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), body).unwrap();
        }
        std::fs::write(r.join("big.json"), vec![b'a'; 2000]).unwrap();
        let w = walk(&opts(r), |p, _| Some(p.to_string()));
        assert_eq!(names(&w), [".env", ".gitignore", "src/app.js"]);
        assert_eq!(w.skipped, [Skipped::TooLarge("big.json".into(), 2000)]);
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlinks_and_fifos_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::os::unix::fs::symlink(r.join("nowhere"), r.join("link.js")).unwrap();
        let fifo = std::process::Command::new("mkfifo").arg(r.join("pipe")).status();
        let w = walk(&opts(r), |p, _| Some(p.to_string()));
        assert!(matches!(&w.skipped[0], Skipped::Unreadable(p, why) if p == "link.js" && why.contains("dangling")));
        if fifo.is_ok_and(|s| s.success()) {
            assert!(w.skipped.contains(&Skipped::Special("pipe".into(), "FIFO")), "{:?}", w.skipped);
        }
    }

    #[test]
    fn static_paths_limit_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for p in ["src/a.js", "config/app.yml", "scripts/x.sh"] {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), "x").unwrap();
        }
        let paths = vec!["src".to_string(), "config".to_string()];
        let o = WalkOptions { paths: &paths, ..opts(r) };
        assert_eq!(names(&walk(&o, |p, _| Some(p.to_string()))), ["config/app.yml", "src/a.js"]);
    }

    #[test]
    fn only_files_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for p in ["a.js", "b.js", "legacy/c.js"] {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), "x").unwrap();
        }
        let only = vec![PathBuf::from("a.js"), PathBuf::from("gone.js"), PathBuf::from("legacy/c.js")];
        let ex = super::super::matcher::globs(&["legacy/**".to_string()]).unwrap().unwrap();
        let o = WalkOptions { only_files: Some(&only), exclude: Some(&ex), ..opts(r) };
        let w = walk(&o, |p, _| Some(p.to_string()));
        assert_eq!(names(&w), ["a.js"]);
        let o = WalkOptions { exclude: Some(&ex), ..opts(r) };
        assert_eq!(names(&walk(&o, |p, _| Some(p.to_string()))), ["a.js", "b.js"]);
    }
}
