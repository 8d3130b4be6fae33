//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root (where fixtures live).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The golive binary with a clean, deterministic environment (no colour, no credentials).
pub(crate) fn golive() -> Command {
    let mut c = Command::cargo_bin("golive").expect("binary built by cargo test");
    c.env_remove("EXIROM_MERCHANT_KEY")
        .env_remove("EXIROM_MERCHANT_SECRET")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GOLIVE_LOG")
        .env_remove("GOLIVE_SANDBOX_MAX_WAIT_MS")
        .env_remove("GOLIVE_CALLBACK_LISTEN")
        .env("NO_COLOR", "1")
        .current_dir(root());
    c
}

/// Text with the run-dependent parts (durations, timestamps, temp dirs) replaced.
pub(crate) fn redact(text: &str, tmp: Option<&Path>) -> String {
    let mut s = text.replace(&root().display().to_string(), "[ROOT]");
    if let Some(t) = tmp {
        s = s.replace(&t.display().to_string(), "[TMP]");
    }
    let ms = regex::Regex::new(r"\(\d+ ms\)").unwrap();
    s = ms.replace_all(&s, "([N] ms)").into_owned();
    let dur = regex::Regex::new(r#""duration_ms": \d+"#).unwrap();
    s = dur.replace_all(&s, r#""duration_ms": 0"#).into_owned();
    let ts = regex::Regex::new(r#""started_at": "[^"]+""#).unwrap();
    ts.replace_all(&s, r#""started_at": "[TIME]""#).into_owned()
}
