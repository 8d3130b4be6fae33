//! Each exit code, and configuration diagnostics that point into the file.

use crate::common::{golive, redact};

#[test]
fn version_and_help_exit_zero() {
    golive().arg("--version").assert().code(0);
    golive().args(["rules"]).assert().code(0).stdout(predicates::str::contains("attest-monitoring"));
}

#[test]
fn usage_error_exits_two() {
    golive().args(["check", "--no-such-flag"]).assert().code(2);
    golive().args(["rules", "no-such-rule"]).assert().code(2).stderr(predicates::str::contains("unknown rule"));
    golive().args(["check", "does/not/exist"]).assert().code(2);
}

#[test]
fn config_with_three_mistakes_shows_all_three() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("golive.toml");
    std::fs::write(
        &cfg,
        "[webhook]\nurl = 42\n\n[sandbox]\ncurrencies = [\"euro\"]\n\n[checklist]\ndisable = [\"attest-monitorin\"]\n",
    )
    .unwrap();
    let out = golive().args(["check"]).arg(dir.path()).env("NO_COLOR", "1").env("COLUMNS", "100").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = redact(&String::from_utf8_lossy(&out.stderr), Some(dir.path()));
    insta::assert_snapshot!(stderr);
}

#[test]
fn garbage_config_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("golive.toml");
    for garbage in [&b"\xff\xfe\x00garbage"[..], b"[[[", b"a = \"unterminated", b"[webhook]\nurl = { x = [1, {}] }\n"] {
        std::fs::write(&cfg, garbage).unwrap();
        let out = golive().args(["check"]).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}
