//! Static probe benchmarks: the matcher over an in-memory mixed-language corpus (MB/s, all
//! built-in static rules), the card-number scanner, and masking.
//!
//! Run with `cargo bench --bench static_scan`. The corpus is generated deterministically and
//! includes non-ASCII text (translations), minified bundles, lock files and logs, because purely
//! ASCII code hides the cost of Unicode-aware regexes.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use golive::checklist::{Checklist, ProbeKind, Rule};
use golive::probe::static_scan::matcher::Matcher;
use golive::probe::static_scan::{card, mask};

/// A tiny deterministic PRNG (xorshift), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const JS: &[&str] = &[
    "import { Router } from 'express';",
    "const total = items.reduce((sum, i) => sum + i.price * i.quantity, 0);",
    "export async function loadOrder(id) { return db.orders.findOne({ where: { id } }); }",
    "logger.info('order created', { orderId: order.id, amount: order.total });",
    "if (!user) { return res.status(404).json({ error: 'not found' }); }",
    "const token = await getSessionToken(req);",
    "const key = `cart:${session.id}`;",
    "router.get('/products/:id', async (req, res) => res.json(await products.get(req.params.id)));",
];
const PY: &[&str] = &[
    "def total(items):\n    return sum(i.price * i.quantity for i in items)",
    "logger.info(\"order %s created\", order.id)",
    "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]",
    "class OrderSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Order",
    "created_at = models.DateTimeField(auto_now_add=True)",
];
const GO: &[&str] = &[
    "func (s *Store) Get(ctx context.Context, id string) (*Order, error) {\n\treturn s.db.Get(ctx, id)\n}",
    "if err != nil {\n\treturn nil, fmt.Errorf(\"load order %s: %w\", id, err)\n}",
    "log.Printf(\"order %s total %d\", o.ID, o.Total)",
];
const JAVA: &[&str] = &[
    "public Order find(long id) { return repository.findById(id).orElseThrow(); }",
    "private static final Logger log = LoggerFactory.getLogger(OrderService.class);",
    "@GetMapping(\"/orders/{id}\") public Order get(@PathVariable long id) { return service.find(id); }",
];
const I18N: &[&str] = &[
    "\"checkout.title\": \"Zur Kasse gehen – Ihre Bestellübersicht\",",
    "\"checkout.pay\": \"Оплатить заказ картой\",",
    "\"checkout.done\": \"ご注文ありがとうございます。確認メールを送信しました。\",",
    "\"checkout.error\": \"Le paiement a échoué, veuillez réessayer.\",",
];
const LOG: &[&str] = &[
    "2026-11-20T10:00:01Z INFO request id=8f2c path=/checkout status=200 ms=42",
    "2026-11-20T10:00:02Z INFO exirom transactionId=733609401625775730 status=SUCCEED card=411111******1111",
    "2026-11-20T10:00:03Z WARN retry attempt=2 requestId=3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
];

fn file(rng: &mut Rng, lines: &[&str], n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(rng.pick(lines));
        s.push('\n');
    }
    s
}

/// About `mb` megabytes of mixed files: (path, text).
fn corpus(mb: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < mb * 1024 * 1024 {
        let (path, text) = match i % 8 {
            0 => (format!("src/routes/r{i}.js"), file(&mut rng, JS, 120)),
            1 => (format!("app/views/v{i}.py"), file(&mut rng, PY, 150)),
            2 => (format!("internal/store/s{i}.go"), file(&mut rng, GO, 150)),
            3 => (format!("src/main/java/shop/S{i}.java"), file(&mut rng, JAVA, 150)),
            4 => (format!("locales/l{i}.json"), file(&mut rng, I18N, 200)),
            5 => (format!("logs/app-{i}.log"), file(&mut rng, LOG, 200)),
            6 => (format!("public/bundle{i}.min.js"), file(&mut rng, JS, 150).replace('\n', ";")),
            _ => (
                format!("config/settings{i}.yml"),
                "exirom:\n  base_url: ${EXIROM_BASE_URL}\n  timeout: 15\n".repeat(40),
            ),
        };
        size += text.len();
        out.push((path, text));
        i += 1;
    }
    out
}

fn static_rules() -> Vec<Rule> {
    Checklist::builtin().rules.iter().filter(|r| r.probe == ProbeKind::Static).cloned().collect()
}

fn bench_matcher(c: &mut Criterion) {
    let rules = static_rules();
    let refs: Vec<&Rule> = rules.iter().collect();
    let matcher = Matcher::compile(&refs);
    let files = corpus(8);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut g = c.benchmark_group("matcher");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("all_static_rules_mixed_corpus", |b| {
        b.iter(|| {
            let mut n = 0;
            for (p, t) in &files {
                n += matcher.scan(p, t).findings.len();
            }
            black_box(n)
        });
    });
    g.bench_function("compile_rules", |b| b.iter(|| black_box(Matcher::compile(&refs).rules().len())));
    g.finish();

    // Each rule alone: where the time goes.
    let mut g = c.benchmark_group("rule");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    for r in &refs {
        let one = Matcher::compile(&[*r]);
        g.bench_function(r.id.as_str(), |b| {
            b.iter(|| files.iter().map(|(p, t)| one.scan(p, t).findings.len()).sum::<usize>());
        });
    }
    g.finish();
}

fn bench_pan(c: &mut Criterion) {
    let mut text = String::new();
    for i in 0..20_000u64 {
        text.push_str(&format!(
            "order={} ts={} card=411111******1111 ref=453957876362148{} phone=+1 415 555 {:04}\n",
            4_000_000_000_000_000u64 + i * 7,
            1_712_345_678_901u64 + i,
            i % 10,
            i % 10_000
        ));
    }
    let mut g = c.benchmark_group("pan");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("find_pans_digit_heavy", |b| b.iter(|| black_box(card::find_pans(&text).len())));
    g.finish();
}

fn bench_mask(c: &mut Criterion) {
    let lines: Vec<String> = (0..10_000)
        .map(|i| format!("const merchantSecret_{i} = 'GOLIVEFAKE{i:08}abcdef'; // card 4539578763621486 token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.R09MSVZFRkFLRXNpZ25hdHVyZQ"))
        .collect();
    let bytes: usize = lines.iter().map(String::len).sum();
    let mut g = c.benchmark_group("mask");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("redact_lines", |b| b.iter(|| lines.iter().map(|l| mask::redact(l).len()).sum::<usize>()));
    g.bench_function("mask_line_spans", |b| {
        b.iter(|| lines.iter().map(|l| mask::mask_line(l, &[(22..60, mask::Sensitive::Secret)]).len()).sum::<usize>());
    });
    g.finish();
}

criterion_group!(benches, bench_matcher, bench_pan, bench_mask);
criterion_main!(benches);
