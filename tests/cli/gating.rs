//! Pull-request gating on temporary git repositories: `scan --changed-since REF` (only new
//! findings, in full changed files, renames, uncommitted and untracked files, a subdirectory root,
//! git errors), `scan --staged` (index content only), and baselines (`baseline create`,
//! `--baseline` on scan and check, stale entries, bad files).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{golive, redact};

// Visibly fake credentials (GOLIVEFAKE), each on its own key: a secret's fingerprint is taken over
// its masked line, so two secrets on the same key and line shape are one finding.
const OLD: &str = "  merchantSecret: 'GOLIVEFAKE9f8a7c6b5d4e3f2a1b0c',\n";
const NEW: &str = "  apiSecret: 'GOLIVEFAKE1234567890abcdef1234',\n";
const UNTOUCHED: &str = "const apiKey = \"GOLIVEFAKE0f1e2d3c4b5a69788796a5b4\";\n";
const RENAMED: &str = "exirom_secret = 'GOLIVEFAKE77aa88bb99cc00dd11ee22ff'\n";
const SANDBOX: &str = "const BASE = 'https://sandbox.api.exirom.com/api';\n";

/// A temporary git repository with a local identity and no user or system git config.
struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new() -> Self {
        let r = Self { dir: tempfile::tempdir().unwrap() };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.name", "golive tests"]);
        r.git(&["config", "user.email", "tests@golive.invalid"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git").arg("-C").arg(self.path()).args(args).envs(git_env()).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, rel: &str, body: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
    }

    /// `golive ARGS` run in the repository; (exit code, stdout, stderr).
    fn golive(&self, args: &[&str]) -> (i32, String, String) {
        run(self.path(), args)
    }

    /// `golive scan . ARGS --format json`, parsed.
    fn scan_json(&self, args: &[&str]) -> Value {
        let mut a = vec!["scan", ".", "--format", "json"];
        a.extend_from_slice(args);
        let (code, out, err) = self.golive(&a);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
    }
}

/// Git must see only the test repository: no inherited hook variables, no user config.
fn git_env() -> Vec<(&'static str, &'static str)> {
    vec![("GIT_CONFIG_GLOBAL", "/dev/null"), ("GIT_CONFIG_NOSYSTEM", "1")]
}

fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = golive();
    c.current_dir(cwd).args(args).envs(git_env());
    for v in ["GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY"] {
        c.env_remove(v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn result<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["results"].as_array().unwrap().iter().find(|r| r["rule"] == rule).unwrap()
}

/// (path, line) of the unsuppressed findings of `rule`.
fn active(report: &Value, rule: &str) -> Vec<(String, u64)> {
    result(report, rule)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect()
}

/// Every path any finding of any rule points at.
fn paths(report: &Value) -> BTreeSet<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()))
        .collect()
}

fn warnings(report: &Value) -> Vec<String> {
    report["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect()
}

fn config_js(lines_above: usize, secrets: &[&str]) -> String {
    let mut s = String::from("// Exirom client configuration.\n");
    for i in 0..lines_above {
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("// note {i}\n"));
    }
    s.push_str("module.exports = {\n  mid: process.env.EXIROM_MID,\n");
    for sec in secrets {
        s.push_str(sec);
    }
    s.push_str("};\n");
    s
}

/// The history of the main case: a secret committed, then the file edited (lines added above it)
/// with a new secret, a file with an old secret renamed, and a file with an old secret untouched.
fn edited_repo() -> Repo {
    let r = Repo::new();
    r.write("src/config.js", &config_js(0, &[OLD]));
    r.write("src/untouched.js", UNTOUCHED);
    r.write("app/legacy.py", RENAMED);
    r.commit_all("first integration");
    r.write("src/config.js", &config_js(3, &[OLD, NEW]));
    r.git(&["mv", "app/legacy.py", "app/exirom_settings.py"]);
    r.commit_all("rework the configuration");
    r
}

/// A changed base config whose production override was not changed: the override is looked up
/// beside it on disk, so the PR scan agrees with a full scan.
#[test]
fn changed_base_config_still_sees_its_unchanged_production_override() {
    let r = Repo::new();
    r.write(
        "src/Shop/appsettings.Production.json",
        "{ \"Exirom\": { \"BaseUrl\": \"https://api.exirom.com/api\" } }\n",
    );
    r.write("src/Shop/appsettings.json", "{}\n");
    r.commit_all("base");
    r.write("src/Shop/appsettings.json", "{ \"Exirom\": { \"BaseUrl\": \"https://sandbox.api.exirom.com/api\" } }\n");
    assert!(active(&r.scan_json(&["--changed-since", "main"]), "sandbox-url").is_empty());
    assert!(active(&r.scan_json(&[]), "sandbox-url").is_empty());
    std::fs::remove_file(r.path().join("src/Shop/appsettings.Production.json")).unwrap();
    assert_eq!(
        active(&r.scan_json(&["--changed-since", "main"]), "sandbox-url"),
        [("src/Shop/appsettings.json".to_string(), 1)]
    );
}

#[test]
fn changed_since_reports_only_new_findings() {
    let r = edited_repo();

    // A full scan sees all four secrets.
    let full = r.scan_json(&[]);
    assert_eq!(active(&full, "hardcoded-credential").len(), 4, "{full:#}");

    let report = r.scan_json(&["--changed-since", "HEAD~1"]);
    assert_eq!(report["verdict"], "fail");
    // Only the new secret; the old one moved from line 4 to 7 and is not re-reported.
    assert_eq!(active(&report, "hardcoded-credential"), [("src/config.js".to_string(), 8)]);
    let hc = result(&report, "hardcoded-credential");
    assert_eq!(hc["findings"].as_array().unwrap().len(), 1, "{hc:#}");
    assert_eq!(hc["measurements"]["already_present"], 2, "{hc:#}");
    let msg = hc["message"].as_str().unwrap();
    assert_eq!(msg, "1 finding in 1 file; 2 findings already present at HEAD~1, not re-reported");
    // The unchanged file is not scanned at all: two changed files.
    assert!(!paths(&report).contains("src/untouched.js"));
    assert_eq!(result(&report, "sandbox-url")["message"], "nothing found in 2 files");
    assert_eq!(result(&report, "sandbox-url")["measurements"]["already_present"], 0);
    assert!(warnings(&report).is_empty(), "{:?}", warnings(&report));

    // Against the commit itself, nothing changed: nothing scanned, pass.
    let (code, out, err) = r.golive(&["scan", ".", "--changed-since", "HEAD"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("nothing found in 0 files"), "{out}");

    let (code, human, _) = r.golive(&["scan", &r.path().display().to_string(), "--changed-since", "HEAD~1"]);
    assert_eq!(code, 1);
    assert!(!human.contains("GOLIVEFAKE"), "{human}");
    insta::assert_snapshot!("changed_since_human", redact(&human, Some(r.path())));
}

#[test]
fn renamed_file_with_an_old_secret_is_not_re_reported() {
    let r = edited_repo();
    let report = r.scan_json(&["--changed-since", "HEAD~1"]);
    // The renamed file was scanned (it is a changed file) but its secret is from before.
    assert!(!paths(&report).contains("app/exirom_settings.py"), "{report:#}");
    // A copy of an old secret into a new file is a new finding.
    r.write("app/copy.py", RENAMED);
    let report = r.scan_json(&["--changed-since", "HEAD~1"]);
    assert_eq!(active(&report, "hardcoded-credential"), [("app/copy.py".into(), 1), ("src/config.js".into(), 8)]);
}

#[test]
fn uncommitted_and_untracked_files_count_but_ignored_ones_do_not() {
    let r = edited_repo();
    r.write("src/untouched.js", &format!("{UNTOUCHED}{SANDBOX}"));
    r.write("src/new-module.js", SANDBOX);
    r.write(".gitignore", "local/\n");
    r.write("local/scratch.js", SANDBOX);
    let report = r.scan_json(&["--changed-since", "HEAD"]);
    assert_eq!(active(&report, "sandbox-url"), [("src/new-module.js".into(), 1), ("src/untouched.js".into(), 2)]);
    // untouched.js is scanned in full now, but its old secret is not new.
    assert!(active(&report, "hardcoded-credential").is_empty(), "{report:#}");
    assert!(!paths(&report).iter().any(|p| p.starts_with("local/")), "{report:#}");
    // Untracked now, tracked before: its old secret is still old.
    r.git(&["rm", "-q", "--cached", "src/config.js"]);
    let report = r.scan_json(&["--changed-since", "HEAD"]);
    assert!(active(&report, "hardcoded-credential").is_empty(), "{report:#}");
    assert_eq!(result(&report, "hardcoded-credential")["measurements"]["already_present"], 3);
}

#[test]
fn changed_since_a_branch_compares_with_the_merge_base() {
    let r = Repo::new();
    r.write("src/config.js", &config_js(0, &[OLD]));
    r.commit_all("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/pay.js", SANDBOX);
    r.commit_all("feature work");
    // main moves on: it removes the old secret after the branch forked.
    r.git(&["checkout", "-q", "main"]);
    r.write("src/config.js", &config_js(0, &[]));
    r.write("src/other.js", &format!("{SANDBOX}// main only\n"));
    r.commit_all("main: remove the secret");
    r.git(&["checkout", "-q", "feature"]);
    let report = r.scan_json(&["--changed-since", "main"]);
    // Only the branch's own change; config.js (changed on main, not here) is not blamed on it.
    assert_eq!(active(&report, "sandbox-url"), [("src/pay.js".into(), 1)]);
    assert!(active(&report, "hardcoded-credential").is_empty(), "{report:#}");
    assert_eq!(result(&report, "sandbox-url")["message"], "1 finding in 1 file: hard-coded sandbox base URL (1)");
}

#[test]
fn a_subdirectory_root_sees_only_its_own_changes() {
    let r = Repo::new();
    r.write("services/shop/src/config.js", &config_js(0, &[OLD]));
    r.write("services/admin/config.js", &config_js(0, &[OLD]));
    r.commit_all("two services");
    r.write("services/shop/src/config.js", &config_js(1, &[OLD, NEW]));
    r.write("services/admin/config.js", &config_js(1, &[OLD, NEW]));
    r.git(&["mv", "services/shop/src/config.js", "services/shop/src/exirom.js"]);
    let (code, out, err) =
        run(&r.path().join("services/shop"), &["scan", ".", "--changed-since", "HEAD", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(active(&report, "hardcoded-credential"), [("src/exirom.js".into(), 6)]);
    assert_eq!(result(&report, "hardcoded-credential")["measurements"]["already_present"], 1);
}

#[test]
fn git_problems_are_usage_errors() {
    let r = edited_repo();
    let (code, _, err) = r.golive(&["scan", ".", "--changed-since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown git ref `no-such-branch`") && err.contains("fetch-depth: 0"), "{err}");
    let (code, _, err) = r.golive(&["scan", ".", "--changed-since", "HEAD", "--staged"]);
    assert_eq!(code, 2, "{err}");

    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.js"), SANDBOX).unwrap();
    let (code, _, err) = run(plain.path(), &["scan", ".", "--changed-since", "HEAD~1"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in a git work tree"), "{err}");
    let (code, _, err) = run(plain.path(), &["scan", ".", "--staged"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in a git work tree"), "{err}");
}

#[test]
fn staged_scans_the_staged_content_only() {
    let r = Repo::new();
    r.write("src/config.js", &config_js(0, &[OLD]));
    r.write("src/untouched.js", UNTOUCHED);
    r.commit_all("first");
    // Staged: the old secret moved down and a new one. Then the working copy drops the new one
    // (not staged): the commit would still contain it.
    r.write("src/config.js", &config_js(2, &[OLD, NEW]));
    r.git(&["add", "src/config.js"]);
    r.write("src/config.js", &config_js(2, &[OLD]));
    // Staged clean, secret only in the working copy: the commit is clean.
    r.write("src/pay.js", "const BASE = process.env.EXIROM_BASE_URL;\n");
    r.git(&["add", "src/pay.js"]);
    r.write("src/pay.js", SANDBOX);
    // Untracked and unchanged files are not part of the commit.
    r.write("src/scratch.js", SANDBOX);

    let report = r.scan_json(&["--staged"]);
    assert_eq!(active(&report, "hardcoded-credential"), [("src/config.js".into(), 7)]);
    assert_eq!(result(&report, "hardcoded-credential")["measurements"]["already_present"], 1);
    assert!(active(&report, "sandbox-url").is_empty(), "{report:#}");
    assert_eq!(result(&report, "sandbox-url")["message"], "nothing found in 2 files");
    let (code, _, _) = r.golive(&["scan", ".", "--staged"]);
    assert_eq!(code, 1);

    // `git commit -a` and `git commit PATH` run hooks with their own index in GIT_INDEX_FILE.
    let alt = r.path().join(".git/alt-index");
    let alt_env = [("GIT_INDEX_FILE", alt.to_str().unwrap())];
    let git_alt = |args: &[&str]| {
        let out =
            Command::new("git").arg("-C").arg(r.path()).args(args).envs(git_env()).envs(alt_env).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git_alt(&["read-tree", "HEAD"]);
    git_alt(&["add", "src/scratch.js"]);
    let out = golive()
        .current_dir(r.path())
        .args(["scan", ".", "--staged", "--format", "json"])
        .envs(git_env())
        .envs(alt_env)
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(active(&report, "sandbox-url"), [("src/scratch.js".into(), 1)]);
    assert!(active(&report, "hardcoded-credential").is_empty(), "{report:#}");

    // Once the index matches what is committed, the hook passes.
    r.git(&["reset", "-q"]);
    let (code, out, _) = r.golive(&["scan", ".", "--staged"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn staged_before_the_first_commit_reports_everything_staged() {
    let r = Repo::new();
    r.write("src/config.js", &config_js(0, &[OLD]));
    r.write("notes/ignored.js", SANDBOX);
    r.git(&["add", "src/config.js"]);
    let report = r.scan_json(&["--staged"]);
    assert_eq!(active(&report, "hardcoded-credential"), [("src/config.js".into(), 4)]);
    assert!(active(&report, "sandbox-url").is_empty());
    assert!(!result(&report, "hardcoded-credential")["message"].as_str().unwrap().contains("already"));
}

#[test]
fn staged_applies_the_walk_filters() {
    let r = Repo::new();
    r.write("node_modules/lib/index.js", SANDBOX);
    r.write("img/logo.png", SANDBOX);
    r.write("legacy/old.js", SANDBOX);
    r.write("src/big.js", &format!("{SANDBOX}{}", "// padding\n".repeat(200)));
    r.write("src/ok.js", SANDBOX);
    r.write("golive.toml", "[static]\nexclude = [\"legacy/**\"]\nmax_file_size = 1000\n");
    r.git(&["add", "-A", "-f"]);
    let report = r.scan_json(&["--staged"]);
    assert_eq!(active(&report, "sandbox-url"), [("src/ok.js".into(), 1)]);
    let w = warnings(&report);
    assert!(w.iter().any(|w| w.contains("src/big.js") && w.contains("max_file_size")), "{w:?}");
}

fn baseline_repo() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, body: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    write("src/config.js", &config_js(0, &[OLD]));
    write("src/pay.js", &format!("{UNTOUCHED}{SANDBOX}"));
    write("src/waived.js", &format!("// golive:ignore sandbox-url docs page\n{SANDBOX}"));
    // Problem detectors only: the repository-level evidence rules are not what baselines are about.
    let detectors_only = std::fs::read_to_string(crate::common::fixture("config/valid/detectors-only.toml")).unwrap();
    write("golive.toml", &detectors_only);
    dir
}

fn schema_errors(json: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!("../../schema/golive-baseline-1.json")).unwrap();
    let value: Value = serde_json::from_str(json).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(&value).map(|e| format!("{e} at {:?}", e.instance_path)).collect()
}

#[test]
fn baseline_create_then_scan_passes_and_new_findings_fail() {
    let dir = baseline_repo();
    let root = dir.path();
    let out_file: PathBuf = root.join("golive-baseline.json");
    let (code, out, err) = run(root, &["baseline", "create", "."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "wrote golive-baseline.json: 3 findings of 2 rules (hardcoded-credential 2, sandbox-url 1)\n");
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(schema_errors(&text), Vec::<String>::new(), "{text}");
    assert!(!text.contains("GOLIVEFAKE"), "{text}");
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["schema"], "golive-baseline/1");
    let entries = file["findings"].as_array().unwrap();
    let listed: Vec<(&str, &str)> =
        entries.iter().map(|e| (e["rule"].as_str().unwrap(), e["path"].as_str().unwrap())).collect();
    // Sorted; the inline-suppressed finding of waived.js is not recorded.
    assert_eq!(
        listed,
        [
            ("hardcoded-credential", "src/config.js"),
            ("hardcoded-credential", "src/pay.js"),
            ("sandbox-url", "src/pay.js")
        ]
    );
    assert!(entries.iter().all(|e| e["reason"] == ""));

    // Re-creating gives the same entries (only created_at differs).
    run(root, &["baseline", "create", ".", "--out", "again.json"]);
    let again: Value = serde_json::from_str(&std::fs::read_to_string(root.join("again.json")).unwrap()).unwrap();
    assert_eq!(again["findings"], file["findings"]);

    // With the baseline: pass, the known findings shown as suppressed ("baselined").
    let (code, human, _) = run(root, &["scan", ".", "--baseline", "golive-baseline.json"]);
    assert_eq!(code, 0, "{human}");
    assert!(human.contains("[suppressed: baselined]"), "{human}");
    let json_args = ["scan", ".", "--baseline", "golive-baseline.json", "--format", "json"];
    let report: Value = serde_json::from_str(&run(root, &json_args).1).unwrap();
    assert_eq!(result(&report, "hardcoded-credential")["status"], "skip");
    assert_eq!(result(&report, "hardcoded-credential")["message"], "2 findings suppressed: baselined");
    assert_eq!(result(&report, "sandbox-url")["status"], "skip");
    assert!(warnings(&report).is_empty(), "{:?}", warnings(&report));

    // `check` reads it too.
    let (code, out, err) = run(root, &["check", ".", "--baseline", "golive-baseline.json", "--format", "json"]);
    let check: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(result(&check, "hardcoded-credential")["status"], "skip", "exit {code}");

    // A new secret in a baselined file still fails; the old one stays baselined even though it moved.
    std::fs::write(root.join("src/config.js"), config_js(4, &[OLD, NEW])).unwrap();
    let report: Value = serde_json::from_str(&run(root, &json_args).1).unwrap();
    assert_eq!(report["verdict"], "fail");
    assert_eq!(active(&report, "hardcoded-credential"), [("src/config.js".into(), 9)]);
    assert_eq!(result(&report, "hardcoded-credential")["message"], "1 finding in 1 file; 2 more suppressed");

    // A fixed finding turns its entry into a stale-entry warning.
    std::fs::write(root.join("src/pay.js"), UNTOUCHED).unwrap();
    let report: Value = serde_json::from_str(&run(root, &json_args).1).unwrap();
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("golive-baseline.json: 1 entry matches no finding (fixed, or moved to another file): sandbox-url in src/pay.js ("),
        "{w:?}"
    );
    assert!(w[0].ends_with("refresh the file with `golive baseline create`"), "{w:?}");
}

#[test]
fn baseline_refresh_keeps_reasons() {
    let dir = baseline_repo();
    let root = dir.path();
    run(root, &["baseline", "create", ".", "--out", "b.json"]);
    let text = std::fs::read_to_string(root.join("b.json")).unwrap();
    let text = text.replacen("\"reason\": \"\"", "\"reason\": \"rotated; removal tracked in SHOP-12\"", 1);
    std::fs::write(root.join("b.json"), &text).unwrap();
    let report: Value =
        serde_json::from_str(&run(root, &["scan", ".", "--baseline", "b.json", "--format", "json"]).1).unwrap();
    let reasons: BTreeSet<&str> = result(&report, "hardcoded-credential")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suppressed"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, BTreeSet::from(["baselined", "baselined: rotated; removal tracked in SHOP-12"]));
    let (code, out, err) = run(root, &["baseline", "create", ".", "--out", "b.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::read_to_string(root.join("b.json")).unwrap().contains("rotated; removal tracked in SHOP-12"));
}

#[test]
fn baseline_with_changed_since_checks_staleness_of_changed_files_only() {
    let r = edited_repo();
    let (code, _, err) = r.golive(&["baseline", "create", ".", "--out", "bl.json"]);
    assert_eq!(code, 0, "{err}");
    r.write(".gitignore", "bl.json\n");
    // Fix the secret in untouched.js; add a sandbox URL in config.js.
    r.write("src/untouched.js", "const apiKey = process.env.EXIROM_API_KEY;\n");
    r.write("src/config.js", &format!("{}{SANDBOX}", config_js(3, &[OLD, NEW])));
    let report = r.scan_json(&["--changed-since", "HEAD", "--baseline", "bl.json"]);
    assert_eq!(active(&report, "sandbox-url"), [("src/config.js".into(), 10)]);
    assert!(active(&report, "hardcoded-credential").is_empty(), "{report:#}");
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("hardcoded-credential in src/untouched.js"), "{w:?}");
}

#[test]
fn bad_baseline_files_are_usage_errors() {
    let dir = baseline_repo();
    let root = dir.path();
    let (code, _, err) = run(root, &["scan", ".", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("baseline file missing.json does not exist"), "{err}");

    std::fs::write(root.join("broken.json"), "{\"schema\": \"golive-baseline/1\", \"findings\": [}").unwrap();
    let (code, _, err) = run(root, &["check", ".", "--baseline", "broken.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid JSON"), "{err}");

    std::fs::write(
        root.join("wrong.json"),
        "{\"schema\": \"golive-baseline/2\", \"findings\": [{\"rule\": \"sandbox-url\", \"path\": \"a.js\", \"fingerprint\": \"12\"}]}",
    )
    .unwrap();
    let (code, _, err) = run(root, &["scan", ".", "--baseline", "wrong.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("2 problems in wrong.json"), "{err}");
    assert!(err.contains("unsupported baseline schema") && err.contains("findings[0].fingerprint"), "{err}");

    // `baseline create` does not overwrite a file that is not a baseline.
    let (code, _, err) = run(root, &["baseline", "create", ".", "--out", "wrong.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(std::fs::read_to_string(root.join("wrong.json")).unwrap().contains("golive-baseline/2"));
}
