//! No leaks: the merchant secret and card numbers never reach golive's output.
//!
//! One temp repository holds full card numbers (PANs) and the merchant secret in source, config
//! and `.env` files, and a golive.toml whose webhook URL carries a password and a query token. A
//! `golive simulate` child process (with the same credentials) is the sandbox; a loopback server
//! that answers callbacks with bytes that are not HTTP is the webhook endpoint (so delivery errors
//! carry the HTTP client's own messages, which quote the URL). Then `scan`, `check`, `webhook` and
//! `sandbox` run at every verbosity (`-q`, default, `-v`, `-vv`, `GOLIVE_LOG=trace`), each writing
//! every report format the binary offers (read from `--help`) to files and one to stdout. None of
//! stdout, stderr, the report files or the GitHub job summary may hold the secret, a planted PAN (plain, spaced or
//! dashed), any Luhn-valid card number, the URL's password or its query token.
//!
//! The simulator's request log then shows where the secret went: only to `POST /api/v1/auth`.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::common::golive;

/// Distinctive credentials; the secret must never be printed.
const SECRET: &str = "GOLIVEFAKE-noleak-SECRET-7f3a9c1e";
const KEY: &str = "GOLIVEFAKE-noleak-key";
/// Parts of the webhook URL that must be redacted wherever the URL is printed.
const URL_PASSWORD: &str = "GOLIVEFAKEurlpass93";
const QUERY_TOKEN: &str = "GOLIVEFAKEquerytoken41";

/// The verbosities golive offers: flags, and `GOLIVE_LOG`.
const VERBOSITIES: &[(&str, Option<&str>)] =
    &[("-q", None), ("", None), ("-v", None), ("-vv", None), ("", Some("trace"))];

/// A PAN with its Luhn check digit appended to `body` (14–18 digits).
fn luhn_complete(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Planted PANs: Visa, Mastercard, Amex, none of them a sandbox test card.
fn planted_pans() -> Vec<String> {
    vec![luhn_complete("453957876362148"), luhn_complete("522193744680125"), luhn_complete("37144963539843")]
}

/// `4539 5787 6362 1486` and `4539-5787-6362-1486`.
fn grouped(pan: &str, sep: char) -> String {
    pan.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(&sep.to_string())
}

/// Every leak in `text`, named.
fn leaks(text: &str, allow_test_cards: bool) -> Vec<String> {
    let mut found = Vec::new();
    for (what, needle) in
        [("the merchant secret", SECRET), ("the URL password", URL_PASSWORD), ("the query token", QUERY_TOKEN)]
    {
        if text.contains(needle) {
            found.push(what.to_string());
        }
    }
    for pan in planted_pans() {
        for form in [pan.clone(), grouped(&pan, ' '), grouped(&pan, '-')] {
            if text.contains(&form) {
                found.push(format!("planted PAN {form}"));
            }
        }
    }
    if !allow_test_cards {
        // Any run of 13-19 digits that passes Luhn is a full card number, planted or not.
        let runs = regex::Regex::new(r"\d{13,19}").unwrap();
        for m in runs.find_iter(text) {
            let run = m.as_str();
            let start = text[..m.start()].chars().next_back();
            let end = text[m.end()..].chars().next();
            let bounded =
                !start.is_some_and(|c| c.is_ascii_alphanumeric()) && !end.is_some_and(|c| c.is_ascii_alphanumeric());
            if bounded && luhn_valid(run) && matches!(run.as_bytes()[0], b'3'..=b'6') {
                found.push(format!("card number {run}"));
            }
        }
    }
    found
}

/// The `--format` values `golive check --help` lists.
fn formats() -> Vec<String> {
    let out = golive().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let after = help.split("--format <FORMAT>").nth(1).expect("--format in --help");
    let values = after.split("Possible values:").nth(1).expect("--format lists its values");
    let mut names = Vec::new();
    for line in values.lines().skip(1) {
        let t = line.trim();
        if let Some(item) = t.strip_prefix("- ") {
            names.push(item.split(':').next().unwrap().trim().to_string());
        } else if t.is_empty() || t.starts_with('-') && !t.starts_with("- ") {
            break;
        }
    }
    assert!(names.len() >= 2, "formats from --help: {names:?}");
    names
}

// ---------------------------------------------------------------------------------------------
// The webhook endpoint: answers every connection with bytes that are not HTTP, and keeps what
// golive sent.
// ---------------------------------------------------------------------------------------------

struct Garbage {
    port: u16,
    received: Arc<Mutex<Vec<u8>>>,
}

fn garbage_server() -> Garbage {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let keep = Arc::clone(&keep);
            std::thread::spawn(move || {
                use std::io::Write as _;
                s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
                let mut buf = [0u8; 8192];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    keep.lock().unwrap().extend_from_slice(&buf[..n]);
                    if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let _ = s.write_all(b"GARBAGE/9.9 what\x00\x01\r\n\r\n");
            });
        }
    });
    Garbage { port, received }
}

// ---------------------------------------------------------------------------------------------
// `golive simulate` as a child process.
// ---------------------------------------------------------------------------------------------

struct Simulate {
    child: Child,
    base: String,
    root: String,
    stdout: Arc<Mutex<String>>,
}

impl Simulate {
    fn start() -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("golive"))
            .args(["simulate", "--listen", "127.0.0.1:0", "--time-scale", "0.001", "--rate-limit", "0"])
            .env("EXIROM_MERCHANT_KEY", KEY)
            .env("EXIROM_MERCHANT_SECRET", SECRET)
            .env("GOLIVE_LOG", "trace")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stdout.take().unwrap());
        let keep = Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("base URL") {
                    let _ = tx.send(url.trim().to_string());
                }
                let mut s = keep.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(20)).expect("golive simulate printed its base URL");
        let root = base.trim_end_matches("/api").to_string();
        Self { child, base, root, stdout }
    }

    /// `GET /_simulator/log`.
    fn log(&self) -> Vec<Value> {
        use std::io::Write as _;
        let addr = self.root.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET /_simulator/log HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str(body).unwrap_or_else(|e| panic!("log is not JSON ({e}): {body:.300}"))
    }

    /// Stops it with SIGTERM; returns (stdout, stderr).
    fn stop(mut self) -> (String, String) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        let _ = self.child.wait();
        let stdout = self.stdout.lock().unwrap().clone();
        (stdout, stderr)
    }
}

impl Drop for Simulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The repository.
// ---------------------------------------------------------------------------------------------

fn plant_repo(dir: &Path, webhook_port: u16, sandbox_base: &str) -> PathBuf {
    let repo = dir.join("shop");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::create_dir_all(repo.join("config")).unwrap();
    let pans = planted_pans();
    std::fs::write(
        repo.join("src/checkout.py"),
        format!(
            "import logging\nlog = logging.getLogger(__name__)\n\nTEST_CARD = \"{}\"\nEXIROM_MERCHANT_SECRET = \"{SECRET}\"\n\n\
             def charge(card):\n    log.info(\"charging card %s\", \"{}\")\n    return card\n",
            pans[0],
            grouped(&pans[1], ' ')
        ),
    )
    .unwrap();
    std::fs::write(
        repo.join("src/payments.js"),
        format!(
            "const secret = '{SECRET}';\nconsole.log('card', '{}');\nfetch('https://api.exirom.com/api/v1/auth', {{ body: JSON.stringify({{ merchantSecret: secret }}) }});\n",
            grouped(&pans[2], '-')
        ),
    )
    .unwrap();
    std::fs::write(repo.join(".env"), format!("EXIROM_MERCHANT_KEY={KEY}\nEXIROM_MERCHANT_SECRET={SECRET}\n")).unwrap();
    std::fs::write(repo.join("config/cards.csv"), pans.join("\n")).unwrap();
    std::fs::write(
        repo.join("golive.toml"),
        format!(
            "[exirom]\nmid = \"GOLIVEFAKE-MID\"\naccount_id = \"4242\"\n\n\
             [webhook]\nurl = \"http://golive:{URL_PASSWORD}@127.0.0.1:{webhook_port}/exirom/callback?token={QUERY_TOKEN}\"\n\
             timeout_ms = 1000\nconnect_timeout_ms = 500\nallow_private = true\n\n\
             [sandbox]\nbase_url = \"{sandbox_base}\"\n"
        ),
    )
    .unwrap();
    repo
}

/// Runs one golive command with every format and one verbosity; returns every text it produced.
fn run_everywhere(
    repo: &Path,
    out_dir: &Path,
    args: &[&str],
    verbosity: (&str, Option<&str>),
) -> Vec<(String, String)> {
    let formats = formats();
    std::fs::create_dir_all(out_dir).unwrap();
    let mut cmd = golive();
    cmd.current_dir(repo).args(args).env("EXIROM_MERCHANT_KEY", KEY).env("EXIROM_MERCHANT_SECRET", SECRET);
    if !verbosity.0.is_empty() {
        cmd.arg(verbosity.0);
    }
    if let Some(filter) = verbosity.1 {
        cmd.env("GOLIVE_LOG", filter);
    }
    // `--format github` also appends the Markdown ticket to the job summary file.
    let summary = out_dir.join("step-summary.md");
    cmd.env("GITHUB_STEP_SUMMARY", &summary);
    let mut files = vec![summary];
    for f in &formats {
        cmd.args(["--format", f]);
    }
    // The first format again, on stdout (the one --format without an --output).
    cmd.args(["--format", &formats[0]]);
    for f in &formats {
        let p = out_dir.join(format!("report.{f}"));
        cmd.arg("--output").arg(&p);
        files.push(p);
    }
    let out = cmd.timeout(Duration::from_secs(60)).output().unwrap();
    let label = format!(
        "golive {} {}{}",
        args.join(" "),
        verbosity.0,
        verbosity.1.map(|f| format!(" GOLIVE_LOG={f}")).unwrap_or_default()
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{label} exited {:?}: {stderr}", out.status.code());
    let mut texts = vec![
        (format!("{label}: stdout"), String::from_utf8_lossy(&out.stdout).into_owned()),
        (format!("{label}: stderr"), stderr),
    ];
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{label}: no {} ({e})", p.display()));
        assert!(!text.trim().is_empty(), "{label}: {} is empty", p.display());
        texts.push((format!("{label}: {}", p.display()), text));
    }
    texts
}

#[test]
fn no_secret_pan_or_url_credential_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let webhook = garbage_server();
    let sim = Simulate::start();
    let repo = plant_repo(dir.path(), webhook.port, &sim.base);

    let commands: &[&[&str]] = &[&["scan", "."], &["check", "."], &["webhook"], &["sandbox", "."]];
    let mut problems = Vec::new();
    let mut runs = 0;
    for (i, args) in commands.iter().enumerate() {
        for (j, v) in VERBOSITIES.iter().enumerate() {
            let out_dir = dir.path().join(format!("out-{i}-{j}"));
            for (what, text) in run_everywhere(&repo, &out_dir, args, *v) {
                for leak in leaks(&text, false) {
                    problems.push(format!("{what}: {leak}"));
                }
            }
            runs += 1;
        }
    }
    assert_eq!(runs, commands.len() * VERBOSITIES.len());

    // The probes really ran: the webhook endpoint got callbacks, the sandbox got requests.
    let sent = String::from_utf8_lossy(&webhook.received.lock().unwrap()).into_owned();
    assert!(sent.contains("POST /exirom/callback?token="), "the webhook endpoint got no callback");
    assert!(!sent.contains(SECRET), "the merchant secret was sent to the webhook endpoint");
    let log = sim.log();
    let requests: Vec<&Value> = log.iter().filter(|e| e["kind"] == "request").collect();
    assert!(requests.iter().any(|r| r["path"] == "/api/v1/auth"), "no sandbox run authenticated");
    assert!(requests.len() > 10, "{} requests", requests.len());
    for r in &requests {
        let to_auth = r["method"] == "POST" && r["path"] == "/api/v1/auth";
        if r["secretSeen"] == true && !to_auth {
            problems.push(format!("the secret was sent to {} {}", r["method"], r["path"]));
        }
        if r["merchantSecret"] == true && !to_auth {
            problems.push(format!("a merchantSecret field was sent to {} {}", r["method"], r["path"]));
        }
    }

    // The simulator's own output: its banner lists the sandbox test cards by design, but never
    // the secret it was given nor a planted PAN.
    let (stdout, stderr) = sim.stop();
    assert!(stdout.contains("(from EXIROM_MERCHANT_SECRET, not shown)"), "{stdout}");
    for (what, text) in [("golive simulate: stdout", stdout), ("golive simulate: stderr", stderr)] {
        for leak in leaks(&text, true) {
            problems.push(format!("{what}: {leak}"));
        }
    }
    assert!(problems.is_empty(), "{} leaks:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_leak_detector_finds_what_it_looks_for() {
    let pans = planted_pans();
    assert!(pans.iter().all(|p| luhn_valid(p)));
    assert_eq!(leaks("nothing here 1234567890123 4111111111111112", false), Vec::<String>::new());
    assert_eq!(leaks(&format!("x{SECRET}x"), false), vec!["the merchant secret"]);
    assert_eq!(leaks(&format!("card {}", grouped(&pans[0], ' ')), false).len(), 1);
    assert_eq!(leaks("card 4111111111111111.", false), vec!["card number 4111111111111111"]);
    assert!(leaks("card 4111111111111111.", true).is_empty());
    assert_eq!(leaks(&format!("https://shop.example/cb?token={QUERY_TOKEN}"), false), vec!["the query token"]);
}
