//! No data lost on Ctrl-C: SIGINT in the middle of a long `golive webhook` run (an endpoint that
//! takes every callback and never answers, with a 30 s delivery timeout) ends the run at once,
//! prints the partial report with the unfinished rules as `error` ("interrupted"), and leaves
//! `report.json` either as the previous complete report or as a complete new one, never
//! truncated, with no temporary file behind.
//!
//! The signal is sent with `kill -INT <pid>` (libc is not a dependency).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The delivery timeout of the long runs: far longer than any test waits.
const TIMEOUT_MS: u64 = 30_000;
/// After SIGINT, golive must be gone within this.
const EXIT_WITHIN: Duration = Duration::from_secs(10);

/// A plain-HTTP endpoint that reads every request and never answers; counts requests.
fn silent_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/exirom/callback", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                let mut buf = [0u8; 8192];
                let mut counted = false;
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if !counted && buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        seen.fetch_add(1, Ordering::SeqCst);
                        counted = true;
                    }
                }
            });
        }
    });
    (url, requests)
}

fn config(dir: &Path) -> PathBuf {
    let p = dir.join("golive.toml");
    std::fs::write(
        &p,
        format!("[webhook]\ntimeout_ms = {TIMEOUT_MS}\nconnect_timeout_ms = 2000\nallow_private = true\n"),
    )
    .unwrap();
    p
}

/// `golive webhook URL`: JSON to `report.json`, the human report on stdout.
fn spawn(dir: &Path, url: &str) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("golive"))
        .current_dir(dir)
        .env_remove("EXIROM_MERCHANT_KEY")
        .env("EXIROM_MERCHANT_SECRET", "GOLIVEFAKE-interrupt-secret")
        .env_remove("GOLIVE_LOG")
        .env("NO_COLOR", "1")
        .args(["webhook", url, "--config"])
        .arg(config(dir))
        .args(["--format", "json", "--format", "human", "--output", "report.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn interrupt(child: &Child) {
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success(), "kill -INT failed");
}

/// Waits for the exit; kills and fails past `EXIT_WITHIN`. Returns (code, stdout, stderr).
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let deadline = Instant::now() + EXIT_WITHIN;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("golive was still running {EXIT_WITHIN:?} after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code(), out, err)
}

/// Waits until the endpoint has seen `n` requests (the run is delivering callbacks).
fn wait_for_requests(requests: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while requests.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "golive sent no callback within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What `report.json` holds: the previous bytes, or a complete report.
fn assert_whole(report: &Path, previous: &str) -> Option<Value> {
    let text = std::fs::read_to_string(report).unwrap();
    if text == previous {
        return None;
    }
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("report.json is not whole JSON ({e}):\n{text}"));
    assert_eq!(v["schema"], "golive-report/1");
    assert_eq!(v["results"].as_array().unwrap().len(), 12, "one result per webhook rule");
    Some(v)
}

fn no_temp_files(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".golive-"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[test]
fn ctrl_c_mid_run_writes_a_complete_partial_report_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let (url, requests) = silent_endpoint();
    let previous = "{\"schema\": \"golive-report/1\", \"previous\": true}\n";
    std::fs::write(dir.path().join("report.json"), previous).unwrap();

    let started = Instant::now();
    let child = spawn(dir.path(), &url);
    wait_for_requests(&requests, 1);
    let sent_at = Instant::now();
    interrupt(&child);
    let (code, stdout, stderr) = finish(child);
    let after_signal = sent_at.elapsed();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(after_signal < EXIT_WITHIN && started.elapsed() < Duration::from_millis(TIMEOUT_MS), "{after_signal:?}");

    // A complete new report, with what finished and what did not.
    let report = assert_whole(&dir.path().join("report.json"), previous).expect("a new report was written");
    let results = report["results"].as_array().unwrap();
    let interrupted: Vec<&Value> =
        results.iter().filter(|r| r["message"].as_str().unwrap().contains("interrupted")).collect();
    assert!(!interrupted.is_empty(), "{report:#}");
    assert!(interrupted.iter().all(|r| r["status"] == "error"), "{report:#}");
    let https = results.iter().find(|r| r["rule"] == "webhook-https").unwrap();
    assert_eq!(https["status"], "fail", "a check that finished keeps its result: {https}");
    assert!(
        report["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("interrupted (Ctrl-C)"))
    );
    assert_eq!(report["verdict"], "fail");
    assert_eq!(code, Some(1), "an interrupted run is not a pass\n{stderr}");

    // The partial summary on stdout (the human report) and a line on stderr.
    assert!(stdout.contains("interrupted before this rule finished"), "{stdout}");
    assert!(stdout.contains("interrupted (Ctrl-C)"), "{stdout}");
    assert!(stdout.lines().last().unwrap().starts_with("FAIL: "), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    no_temp_files(dir.path());
}

#[test]
fn ctrl_c_at_any_moment_never_leaves_a_truncated_report() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = silent_endpoint();
    let report = dir.path().join("report.json");
    let previous = "{\"schema\": \"golive-report/1\", \"previous\": true}\n";
    // From before the signal handler exists (the default action kills golive: the previous
    // report stays) to well into the deliveries (a new, complete report).
    for delay_ms in [0, 5, 20, 60, 150, 400, 900] {
        std::fs::write(&report, previous).unwrap();
        let child = spawn(dir.path(), &url);
        std::thread::sleep(Duration::from_millis(delay_ms));
        interrupt(&child);
        let (_, _, stderr) = finish(child);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_whole(&report, previous);
        no_temp_files(dir.path());
    }
}

#[test]
fn ctrl_c_during_a_long_scan_ends_at_once() {
    // A scan that takes minutes in a debug build: a 20 MB file with findings on every line. The
    // static probe runs on a blocking thread that cannot be aborted; golive must not wait for it.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let line = "fetch(\"http://api.exirom.com/api/v1/payments/card\",{s:\"https://sandbox.api.exirom.com/api\",merchantSecret:\"Zq8vLx2Rk9TmWp4NcY7b\",card:\"4539578763621486\"});\n";
    std::fs::write(repo.join("fixtures.js"), line.repeat(128_000)).unwrap();
    let cfg = dir.path().join("golive.toml");
    std::fs::write(&cfg, "[static]\nmax_file_size = 104857600\n").unwrap();
    let child = Command::new(assert_cmd::cargo::cargo_bin("golive"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("GOLIVE_LOG")
        .args(["scan", "repo", "--config"])
        .arg(&cfg)
        .args(["--format", "json", "--output", "report.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let sent = Instant::now();
    interrupt(&child);
    let (code, _, stderr) = finish(child);
    assert!(sent.elapsed() < Duration::from_secs(5), "golive took {:?} to stop", sent.elapsed());
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let results = report["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["status"] == "error" && r["message"].as_str().unwrap().contains("interrupted")));
    assert_eq!(code, Some(1));
}
