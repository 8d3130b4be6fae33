//! Writes a deterministic, mixed-language merchant repository of about N MB, with a known number of
//! planted go-live problems and near-misses, for benchmarks and accuracy checks.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- bench-corpus/100mb 100
//! ```
//!
//! The tree has JS/TS, Python, PHP, Java, Go and Ruby sources, configs, committed logs, lock files,
//! minified bundles and non-ASCII translations (Unicode-heavy text is where regex engines slow down).
//! `PLANTED.json` at its root lists how many findings each static rule should report; the same seed
//! and size always give the same tree.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// xorshift64*: small, deterministic, good enough for shuffling test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A random base62 token (a planted "secret", generated so no real-looking secret is committed).
fn token(rng: &mut Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect()
}

/// A Luhn-valid Visa number that is not one of the well-known test cards.
fn visa(rng: &mut Rng) -> String {
    let mut digits: Vec<u32> = vec![4, 5, 3, 2];
    while digits.len() < 15 {
        digits.push((rng.next() % 10) as u32);
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    digits.push((10 - sum % 10) % 10);
    digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect()
}

const WORDS: &[&str] = &[
    "order",
    "customer",
    "invoice",
    "cart",
    "shipping",
    "amount",
    "currency",
    "total",
    "discount",
    "product",
    "inventory",
    "session",
    "account",
    "address",
    "payment",
    "status",
    "refund",
    "receipt",
    "basket",
    "price",
];
const UNICODE: &[&str] = &[
    "Zahlung erfolgreich – vielen Dank für Ihre Bestellung",
    "Paiement refusé : veuillez réessayer avec une autre carte",
    "Платёж отклонён банком-эмитентом",
    "支付成功，感谢您的订购",
    "決済が完了しました。ご注文ありがとうございます",
    "Ödeme başarısız oldu, lütfen tekrar deneyin",
];

struct Planted {
    counts: std::collections::BTreeMap<&'static str, usize>,
}

impl Planted {
    fn add(&mut self, rule: &'static str) {
        *self.counts.entry(rule).or_default() += 1;
    }
}

fn filler_js(rng: &mut Rng, lines: usize, out: &mut String) {
    for i in 0..lines {
        let w = rng.pick(WORDS);
        let v = rng.pick(WORDS);
        match rng.below(6) {
            0 => writeln!(out, "function {w}{i}({v}) {{ return {v}.{w} * {}; }}", rng.below(1000)).unwrap(),
            1 => writeln!(out, "const {w}_{i} = await fetch(`/internal/{w}/${{{v}.id}}`);").unwrap(),
            2 => writeln!(out, "// {}", rng.pick(UNICODE)).unwrap(),
            3 => writeln!(
                out,
                "logger.info('{w} updated', {{ id: {v}.id, ts: {} }});",
                1_700_000_000_000u64 + rng.next() % 1_000_000
            )
            .unwrap(),
            4 => writeln!(out, "if ({v}.{w} > {}) {{ {w}{i}({v}); }}", rng.below(50)).unwrap(),
            _ => writeln!(out, "export const {w}Label{i} = \"{}\";", rng.pick(UNICODE)).unwrap(),
        }
    }
}

fn filler_py(rng: &mut Rng, lines: usize, out: &mut String) {
    for i in 0..lines {
        let w = rng.pick(WORDS);
        match rng.below(4) {
            0 => writeln!(out, "def {w}_{i}(obj):\n    return obj.get('{w}', 0) * {}", rng.below(100)).unwrap(),
            1 => writeln!(out, "# {}", rng.pick(UNICODE)).unwrap(),
            2 => writeln!(out, "logger.info(\"%s processed\", {w}_id)").unwrap(),
            _ => writeln!(out, "{w}_{i} = os.environ.get(\"{}_{i}\", \"\")", w.to_uppercase()).unwrap(),
        }
    }
}

fn filler_generic(rng: &mut Rng, lines: usize, comment: &str, out: &mut String) {
    for i in 0..lines {
        let w = rng.pick(WORDS);
        match rng.below(3) {
            0 => writeln!(out, "{comment} {} ({w} {i})", rng.pick(UNICODE)).unwrap(),
            1 => writeln!(out, "    {w}Total{i} = compute{w}({}, {});", rng.below(100), rng.below(100)).unwrap(),
            _ => writeln!(out, "    // order {} ref {:08x}", rng.next() % 1_000_000, rng.next() as u32).unwrap(),
        }
    }
}

fn write(path: &Path, text: &str, total: &mut u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    *total += text.len() as u64;
}

/// One "service" directory: about 200 KB of mixed files, with problems planted at a fixed rate.
fn service(root: &Path, n: usize, rng: &mut Rng, planted: &mut Planted, total: &mut u64) {
    let dir = root.join(format!("services/svc{n:04}"));
    let plant = n.is_multiple_of(4);

    let mut js = String::new();
    js.push_str("const axios = require('axios');\nconst BASE_URL = process.env.EXIROM_BASE_URL || 'https://api.exirom.com/api';\n");
    filler_js(rng, 600, &mut js);
    // Near-misses: masked PAN, env lookup, timestamp, placeholder.
    js.push_str("logger.info(`card ${maskPan(card.number)} 411111******1111`);\n");
    js.push_str("const merchantSecret = process.env.EXIROM_MERCHANT_SECRET; // never hardcode\n");
    js.push_str("const createdAt = 1732612345678;\nconst apiKey = 'changeme';\n");
    if plant {
        writeln!(js, "const merchantSecret = \"{}\";", token(rng, 32)).unwrap();
        planted.add("hardcoded-credential");
        writeln!(js, "console.log('charging card', card.number);").unwrap();
        planted.add("pan-in-log");
    }
    write(&dir.join("src/payments.js"), &js, total);

    let mut ts = String::new();
    filler_js(rng, 400, &mut ts);
    if plant && n.is_multiple_of(8) {
        writeln!(ts, "const fallbackCard = \"{}\";", visa(rng)).unwrap();
        planted.add("pan-in-source");
    }
    write(&dir.join("src/checkout.ts"), &ts, total);

    let mut py = String::from("import os\nimport logging\nlogger = logging.getLogger(__name__)\n");
    filler_py(rng, 500, &mut py);
    if plant {
        py.push_str("EXIROM_URL = \"http://api.exirom.com/api/v1/payments/card\"\n");
        planted.add("insecure-api-url");
    }
    write(&dir.join("worker/tasks.py"), &py, total);

    let mut php = String::from("<?php\n");
    filler_generic(rng, 300, "//", &mut php);
    if plant {
        php.push_str("curl_setopt($ch, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_0);\n");
        planted.add("legacy-tls");
    }
    write(&dir.join("legacy/Gateway.php"), &php, total);

    let mut java = String::from("package shop;\npublic class Billing {\n");
    filler_generic(rng, 300, "//", &mut java);
    if plant {
        java.push_str("    jdbc.update(\"INSERT INTO cards (pan_last4, cvv) VALUES (?, ?)\", last4, cvv);\n");
        planted.add("cvv-storage");
    }
    java.push_str("}\n");
    write(&dir.join("java/Billing.java"), &java, total);

    let mut go = String::from(
        "package billing\n\nimport \"crypto/tls\"\n\nvar cfg = &tls.Config{MinVersion: tls.VersionTLS12}\n",
    );
    filler_generic(rng, 300, "//", &mut go);
    write(&dir.join("go/billing.go"), &go, total);

    let mut rb = String::from("class Orders\n");
    filler_generic(rng, 200, "#", &mut rb);
    if plant && n % 8 == 4 {
        rb.push_str("  TEST_CARD = '4242424242424242'\n");
        planted.add("test-card-in-production");
    }
    rb.push_str("end\n");
    write(&dir.join("app/orders.rb"), &rb, total);

    let mut env = String::from("NODE_ENV=production\nEXIROM_BASE_URL=https://api.exirom.com/api\n");
    if plant {
        env = String::from("NODE_ENV=production\nEXIROM_BASE_URL=https://sandbox.api.exirom.com/api\n");
        planted.add("sandbox-url");
    }
    write(&dir.join(".env.production"), &env, total);
    write(&dir.join(".env.development"), "EXIROM_BASE_URL=https://sandbox.api.exirom.com/api\n", total);

    let mut log = String::new();
    for i in 0..400 {
        writeln!(
            log,
            "2026-11-{:02}T10:{:02}:00Z INFO {} processed id={} card=411111******1111",
            1 + i % 28,
            i % 60,
            rng.pick(WORDS),
            rng.next() % 1_000_000_000
        )
        .unwrap();
    }
    write(&dir.join("logs/app.log"), &log, total);

    let mut lock = String::from("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    for i in 0..300 {
        writeln!(lock, "    \"node_modules/pkg{i}\": {{ \"version\": \"1.{i}.0\", \"integrity\": \"sha512-{:016x}{:016x}{:016x}\" }},", rng.next(), rng.next(), rng.next()).unwrap();
    }
    lock.push_str("  }\n}\n");
    write(&dir.join("package-lock.json"), &lock, total);

    let mut min = String::new();
    for _ in 0..800 {
        write!(min, "var {}=function(a,b){{return a.{}+b*{}}};", rng.pick(WORDS), rng.pick(WORDS), rng.below(999))
            .unwrap();
    }
    write(&dir.join("public/bundle.min.js"), &min, total);

    let mut test = String::from(
        "describe('payments', () => {\n  const card = '4111111111111111';\n  const secret = 'GOLIVEFAKEtestsecret';\n",
    );
    filler_js(rng, 100, &mut test);
    test.push_str("});\n");
    write(&dir.join("test/payments.test.js"), &test, total);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| "bench-corpus/10mb".into()));
    let mb: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_CAFE);
    let mut rng = Rng(seed | 1);
    let mut planted = Planted { counts: std::collections::BTreeMap::default() };
    let mut total = 0u64;
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    let mut n = 0;
    while total < mb * 1024 * 1024 {
        service(&root, n, &mut rng, &mut planted, &mut total);
        n += 1;
    }
    let manifest = serde_json::json!({
        "bytes": total,
        "services": n,
        "seed": seed,
        "planted": planted.counts,
    });
    fs::write(root.join("PLANTED.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    println!("wrote {} ({:.1} MB, {n} services)", root.display(), total as f64 / 1_048_576.0);
}
