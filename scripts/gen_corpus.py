#!/usr/bin/env python3
"""Writes a deterministic mixed-language merchant tree of about N MB for benchmarking golive scan.

usage: python3 scripts/gen_corpus.py OUT_DIR [MB]

Files: JS/TS, Python, PHP, Java, Go, Ruby, YAML/JSON config, translations (non-ASCII), logs,
lock files and minified bundles. Every 50th code file plants one problem (a GOLIVEFAKE secret, a
sandbox URL in production config, a logged card number, …); the count is printed at the end.
"""
import os
import random
import sys

out = sys.argv[1]
target = int(sys.argv[2]) * 1024 * 1024 if len(sys.argv) > 2 else 100 * 1024 * 1024
rnd = random.Random(42)

JS = [
    "import { Router } from 'express';",
    "const total = items.reduce((sum, i) => sum + i.price * i.quantity, 0);",
    "export async function loadOrder(id) { return db.orders.findOne({ where: { id } }); }",
    "logger.info('order created', { orderId: order.id, amount: order.total });",
    "if (!user) { return res.status(404).json({ error: 'not found' }); }",
    "const token = await getSessionToken(req);",
    "const key = `cart:${session.id}`;",
    "router.get('/products/:id', async (req, res) => res.json(await products.get(req.params.id)));",
    "const createdAt = Date.now(); // 1712345678901",
]
PY = [
    "def total(items):\n    return sum(i.price * i.quantity for i in items)",
    'logger.info("order %s created", order.id)',
    'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
    "class OrderSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Order",
    "created_at = models.DateTimeField(auto_now_add=True)",
]
PHP = [
    "public function show(int $id): Response { return $this->render('order', ['order' => $this->orders->find($id)]); }",
    "$total = array_sum(array_map(fn($i) => $i['price'] * $i['qty'], $items));",
    "Log::info('order created', ['id' => $order->id]);",
]
JAVA = [
    "public Order find(long id) { return repository.findById(id).orElseThrow(); }",
    "private static final Logger log = LoggerFactory.getLogger(OrderService.class);",
    '@GetMapping("/orders/{id}") public Order get(@PathVariable long id) { return service.find(id); }',
]
GO = [
    "func (s *Store) Get(ctx context.Context, id string) (*Order, error) {\n\treturn s.db.Get(ctx, id)\n}",
    'if err != nil {\n\treturn nil, fmt.Errorf("load order %s: %w", id, err)\n}',
    'log.Printf("order %s total %d", o.ID, o.Total)',
]
RB = [
    "def total\n  items.sum { |i| i.price * i.quantity }\nend",
    'Rails.logger.info("order #{order.id} created")',
    "has_many :line_items, dependent: :destroy",
]
I18N = [
    '"checkout.title": "Zur Kasse gehen – Ihre Bestellübersicht",',
    '"checkout.pay": "Оплатить заказ картой",',
    '"checkout.done": "ご注文ありがとうございます。確認メールを送信しました。",',
    '"checkout.error": "Le paiement a échoué, veuillez réessayer.",',
]
LOG = [
    "2026-11-20T10:00:01Z INFO request id=8f2c path=/checkout status=200 ms=42",
    "2026-11-20T10:00:02Z INFO exirom transactionId=733609401625775730 status=SUCCEED card=411111******1111",
    "2026-11-20T10:00:03Z WARN retry attempt=2 requestId=3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
]
PLANTS = [
    ("js", "const merchantSecret = 'GOLIVEFAKE9f8a7c6b5d4e3f2a1b0c';"),
    ("js", "console.log('charging', card.number);"),
    ("py", 'EXIROM_BASE_URL = os.getenv("EXIROM_BASE_URL", "https://sandbox.api.exirom.com/api")'),
    ("php", "curl_setopt($ch, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_0);"),
    ("java", 'private static final String PAN = "4539578763621486";'),
    ("go", 'const base = "http://api.exirom.com/api"'),
    ("rb", "add_column :orders, :cvv, :string"),
]

kinds = [
    ("src/routes", "js", JS, 150),
    ("src/services", "ts", JS, 150),
    ("app/views", "py", PY, 180),
    ("app/Http", "php", PHP, 160),
    ("src/main/java/shop", "java", JAVA, 160),
    ("internal/store", "go", GO, 160),
    ("app/models", "rb", RB, 180),
    ("locales", "json", I18N, 300),
    ("logs", "log", LOG, 400),
    ("public", "min.js", JS, 200),
    ("config", "yml", ["exirom:", "  base_url: ${EXIROM_BASE_URL}", "  timeout: 15"], 120),
]
size = 0
planted = 0
i = 0
while size < target:
    d, ext, lines, n = kinds[i % len(kinds)]
    body = [rnd.choice(lines) for _ in range(n)]
    if ext in ("js", "py", "php", "java", "go", "rb") and i % 50 == 0:
        candidates = [p for p in PLANTS if p[0] == ext]
        if candidates:
            body.insert(rnd.randrange(len(body)), candidates[0][1])
            planted += 1
    text = (";" if ext == "min.js" else "\n").join(body) + "\n"
    path = os.path.join(out, f"pkg{i // 500}", d, f"f{i}.{ext}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    size += len(text.encode())
    i += 1
if i:
    lock = os.path.join(out, "package-lock.json")
    with open(lock, "w") as f:
        f.write('{"lockfileVersion": 3, "packages": {}}\n')
print(f"{i} files, {size / 1024 / 1024:.1f} MB, {planted} planted problems")
