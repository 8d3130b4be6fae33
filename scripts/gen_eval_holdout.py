#!/usr/bin/env python3
"""Writes fixtures/repos/eval-holdout/ and its ground truth fixtures/repos/eval-holdout.truth: a second,
held-out evaluation repo, written after the detectors and scored before any tuning on it.

Each planted problem is marked in the source below with a trailing ` @@<rule-id>` (several ids
allowed); the marker is stripped from the written file and recorded as `<rule-id> <path>:<line>`.
Everything else is a near-miss or ordinary code that must stay silent. Sample credentials contain
GOLIVEFAKE; card numbers are test cards or generated Luhn-valid numbers.
Run from the repository root: python3 scripts/gen_eval_holdout.py
"""
import os
import re
import shutil

ROOT = "fixtures/repos/eval-holdout"
TRUTH = "fixtures/repos/eval-holdout.truth"

FILES = {}

FILES["api/src/lib/exiromService.js"] = r'''
'use strict';

const fetch = require('node-fetch');

class ExiromService {
  constructor(opts = {}) {
    this.base = opts.baseUrl || process.env.EXIROM_URL;
    this.key = opts.merchantKey || process.env.EXIROM_KEY;
    this.secret = opts.merchantSecret || 'GOLIVEFAKEsvcSecret5521'; @@hardcoded-credential
  }

  async createCharge(payload) {
    const auth = await fetch(`${this.base}/v1/auth`, { @@token-per-request
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ merchantKey: this.key, merchantSecret: this.secret }),
    });
    const { token } = await auth.json();
    const res = await fetch(`${this.base}/v1/payments/card`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return res.json();
  }
}

module.exports = ExiromService;
'''

FILES["api/pages/api/exirom/webhook.ts"] = r'''
import type { NextApiRequest, NextApiResponse } from 'next';

export default async function handler(req: NextApiRequest, res: NextApiResponse) { @@webhook-signature-unverified
  if (req.method !== 'POST') return res.status(405).end();
  res.status(200).end();
  const { transactionId, transactionStatus } = req.body;
  await markOrder(transactionId, transactionStatus);
}
'''

FILES["api/src/routes/charge.js"] = r'''
const router = require('express').Router();

router.post('/charge', async (req, res) => {
  const body = req.body;
  req.log.info({ pan: body.card.number, amount: body.amount }, 'charge requested'); @@pan-in-log
  req.log.info({ last4: body.card.number.slice(-4) }, 'charge requested');
  const result = await service.createCharge(body);
  res.json({ status: result.transactionStatus });
});

module.exports = router;
'''

FILES["api/src/components/Checkout.stories.tsx"] = r'''
export default { title: 'Checkout' };
export const Filled = () => <Checkout card={{ number: '4242424242424242', cvv: '123' }} />;
'''

FILES["api/src/components/CardInput.tsx"] = r'''
const TEST_MODE_HINT = 'Use 4111 1111 1111 1111 in test mode';
export function CardInput() {
  return <input name="card" placeholder="1234 5678 9012 3456" />;
}
'''

FILES["api/config/default.js"] = r'''
module.exports = {
  exirom: {
    sandbox: { url: 'https://sandbox.api.exirom.com/api' },
    live: { url: 'https://api.exirom.com/api' },
  },
  publicUrl: 'http://localhost:3000',
  docsUrl: 'http://developer.example.com/exirom',
};
'''

FILES["api/docker-compose.prod.yml"] = r'''
services:
  api:
    image: registry.example.com/shop-api:1.8.2
    environment:
      - EXIROM_URL=https://sandbox.api.exirom.com/api @@sandbox-url
      - EXIROM_KEY=${EXIROM_KEY}
      - EXIROM_SECRET=${EXIROM_SECRET}
'''

FILES["api/.env.prod"] = r'''
EXIROM_URL=https://sandbox.api.exirom.com/api @@sandbox-url
EXIROM_KEY=
'''

FILES["api/.env.test"] = r'''
EXIROM_URL=https://sandbox.api.exirom.com/api
EXIROM_SECRET=GOLIVEFAKE-ci-secret
'''

FILES["api/test/charge.spec.js"] = r'''
const card = { number: '4111111111111111', cvv: '737' };
const SECRET = 'GOLIVEFAKEtestSecret123';
describe('charge', () => {
  it('logs masked', () => {
    console.log('card', card.number);
  });
});
'''

FILES["api/.github/workflows/deploy.yml"] = r'''
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      EXIROM_SECRET: ${{ secrets.EXIROM_SECRET }}
      EXIROM_KEY: ${{ secrets.EXIROM_KEY }}
    steps:
      - run: npm ci && npm run deploy
'''

FILES["billing/app/webhooks.py"] = r'''
from fastapi import APIRouter, Request, Response

router = APIRouter()


@router.post("/exirom/webhook")
async def exirom_webhook(request: Request):
    payload = await request.json()
    sig = request.headers.get("x-checksum")
    if sig != compute_checksum(payload): @@webhook-signature-unverified
        return Response(status_code=200)
    await settle(payload["transactionId"], payload["transactionStatus"])
    return Response(status_code=200)
'''

FILES["billing/app/views.py"] = r'''
import hmac

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def exirom_callback(request):
    data = json.loads(request.body)
    received = request.META.get("HTTP_X_CHECKSUM", "")
    if not hmac.compare_digest(received, checksum_for(data)):
        return HttpResponse(status=200)
    Order.objects.filter(exirom_id=data["transactionId"]).update(status=data["transactionStatus"])
    return HttpResponse(status=200)
'''

FILES["billing/app/settings.py"] = r'''
import os

EXIROM = {
    "BASE_URL": os.environ.get("EXIROM_BASE_URL", "https://api.exirom.com/api"),
    "KEY": os.environ.get("EXIROM_KEY"),
    "SECRET": "GOLIVEFAKEdjangoSecret77", @@hardcoded-credential
}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "changeme")
'''

FILES["billing/app/payments.py"] = r'''
import logging
import ssl

import requests
import urllib3

log = logging.getLogger(__name__)
BASE = "https://api.exirom.com/api"
AUTH_URL = f"{BASE}/v1/auth"

http = urllib3.PoolManager(ssl_version=ssl.PROTOCOL_TLSv1_1) @@legacy-tls
modern = urllib3.PoolManager(ssl_version=ssl.PROTOCOL_TLS_CLIENT)


def charge(order, card):
    token = requests.post(AUTH_URL, json=CREDS, timeout=10).json()["token"] @@token-per-request
    print(f"charging order {order.id} with {card['number']}") @@pan-in-log
    log.info("charging order %s card %s", order.id, mask(card["number"]))
    return requests.post(f"{BASE}/v1/payments/card", json=build(order, card), headers={"Authorization": f"Bearer {token}"})
'''

FILES["billing/app/store.py"] = r'''
from sqlalchemy import text


def remember(session, order_id, card):
    session.execute(text("INSERT INTO pending (order_id, cvc) VALUES (:o, :c)"), {"o": order_id, "c": card["cvc"]}) @@cvv-storage
    session.execute(text("INSERT INTO pending_masks (order_id, mask) VALUES (:o, :m)"), {"o": order_id, "m": card["mask"]})
'''

FILES["billing/tests/test_webhooks.py"] = r'''
SECRET = "GOLIVEFAKE-pytest"
CARD = "4539578763621486"


def test_webhook(client):
    r = client.post("/exirom/webhook", json={"transactionId": "1", "transactionStatus": "SUCCEED"})
    assert r.status_code == 200
'''

FILES["shop-php/src/Controller/ExiromCallbackController.php"] = r'''
<?php
namespace App\Controller;

use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\Routing\Attribute\Route;

class ExiromCallbackController
{
    #[Route('/exirom/callback', methods: ['POST'])]
    public function callback(Request $request): Response @@webhook-signature-unverified
    {
        $data = $request->toArray();
        $this->orders->apply($data['transactionId'], $data['transactionStatus']);
        return new Response('', 200);
    }
}
'''

FILES["shop-php/plugin/exirom-gateway/callback.php"] = r'''
<?php
$data = json_decode(file_get_contents('php://input'), true);
$expected = base64_encode(hash_hmac('sha256', implode('|', [$data['mid'], $data['orderAmount'], $data['orderCurrency'], $data['transactionId']]), EXIROM_SECRET, true));
if ($_SERVER['HTTP_X_CHECKSUM'] === $expected) { @@webhook-signature-unverified
    exirom_update_order($data['transactionId'], $data['transactionStatus']);
}
http_response_code(200);
'''

FILES["shop-php/plugin/exirom-gateway/config.php"] = r'''
<?php
define( 'EXIROM_SECRET', 'GOLIVEFAKEwpSecret90210' ); @@hardcoded-credential
define( 'EXIROM_KEY', getenv( 'EXIROM_KEY' ) );
'''

FILES["shop-php/plugin/exirom-gateway/orders.php"] = r'''
<?php
function exirom_save_order($wpdb, $order) {
    $wpdb->insert('exirom_orders', ['order_id' => $order['id'], 'cvv' => $_POST['cvv']]); @@cvv-storage
    $wpdb->insert('exirom_masks', ['order_id' => $order['id'], 'mask' => $order['mask']]);
}
'''

FILES["shop-php/config/packages/prod/exirom.yaml"] = r'''
exirom:
    base_url: '%env(EXIROM_BASE_URL)%'
    default_card: '4111111111111111' @@test-card-in-production
'''

FILES["shop-php/config/packages/exirom.yaml"] = r'''
exirom:
    base_url: '%env(EXIROM_BASE_URL)%'
    secret: '%env(EXIROM_SECRET)%'
'''

FILES["shop-php/storage/logs/laravel.log"] = r'''
[2026-10-02 11:00:00] production.INFO: charge {"order":77,"card_number":"4024007103939509","amount":"25.00"} @@pan-in-log
[2026-10-02 11:00:01] production.INFO: charge {"order":78,"card_number":"402400******9509","amount":"25.00"}
'''

FILES["kt-service/src/main/kotlin/shop/CallbackController.kt"] = r'''
package shop

@RestController
class CallbackController(private val signer: Signer, private val orders: Orders) {
    @PostMapping("/callbacks/exirom")
    fun onCallback(@RequestHeader("X-Checksum") checksum: String, @RequestBody body: Callback): ResponseEntity<Unit> {
        if (checksum != signer.sign(body)) return ResponseEntity.ok().build() @@webhook-signature-unverified
        orders.apply(body.transactionId, body.transactionStatus)
        return ResponseEntity.ok().build()
    }
}
'''

FILES["kt-service/src/main/java/shop/CardLogger.java"] = r'''
package shop;

public class CardLogger {
    private static final Logger log = LoggerFactory.getLogger(CardLogger.class);

    public void charge(ChargeDto dto) {
        log.debug("card={}", dto.getCardNumber()); @@pan-in-log
        log.debug("card={}", Masking.pan(dto.getCardNumber()));
    }
}
'''

FILES["kt-service/src/main/java/shop/StoredCard.java"] = r'''
package shop;

@Entity
public class StoredCard {
    @Id private Long id;
    @Column(name = "card_cvc")
    private String cardCvc; @@cvv-storage
    @Column(name = "cvc_check")
    private String cvcCheck;
}
'''

FILES["kt-service/src/main/java/shop/Tls.java"] = r'''
package shop;

public class Tls {
    SSLContext legacy() throws Exception { return SSLContext.getInstance("SSLv3"); } @@legacy-tls
    SSLContext modern() throws Exception { return SSLContext.getInstance("TLS"); }
}
'''

FILES["kt-service/src/main/resources/application-prd.yml"] = r'''
exirom:
  url: https://sandbox.api.exirom.com/api @@sandbox-url
'''

FILES["kt-service/src/main/resources/application-local.yml"] = r'''
exirom:
  url: https://sandbox.api.exirom.com/api
'''

FILES["go-gw/handlers/webhook.go"] = r'''
package handlers

import "github.com/gin-gonic/gin"

func Register(r *gin.Engine) {
	r.POST("/webhooks/exirom", func(c *gin.Context) { @@webhook-signature-unverified
		var cb Callback
		if err := c.BindJSON(&cb); err != nil {
			return
		}
		c.Status(200)
		apply(cb.TransactionID, cb.TransactionStatus)
	})
}
'''

FILES["go-gw/handlers/apm.go"] = r'''
package handlers

import (
	"crypto/subtle"
	"net/http"
)

func APM(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	cb := decode(r.Body)
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Checksum")), sign(cb)) != 1 {
		return
	}
	apply(cb.TransactionID, cb.TransactionStatus)
}
'''

FILES["go-gw/exirom/keys.go"] = r'''
package exirom

var apiKey = "GOLIVEFAKEgoApiKey4411" @@hardcoded-credential
var keyHeader = "X-Api-Key"
'''

FILES["go-gw/exirom/transport.go"] = r'''
package exirom

import "crypto/tls"

var cfg = &tls.Config{MaxVersion: tls.VersionTLS11} @@legacy-tls
'''

FILES["go-gw/exirom/log.go"] = r'''
package exirom

import "log/slog"

func logCharge(req ChargeRequest) {
	slog.Info("charge", "pan", req.Card.Number, "amount", req.Amount) @@pan-in-log
	slog.Info("charge", "bin", req.Card.Number[:6], "amount", req.Amount)
}
'''

FILES["go-gw/exirom/client.go"] = r'''
package exirom

const statusURL = "http://api.exirom.com/api/v1/payments/card/status/" @@insecure-api-url
const localMock = "http://localhost:4010/api"
'''

FILES["rb-app/app.rb"] = r'''
require "sinatra"

post "/exirom/callback" do
  payload = JSON.parse(request.body.read)
  halt 200 unless Rack::Utils.secure_compare(request.env["HTTP_X_CHECKSUM"].to_s, checksum(payload))
  Order.settle(payload["transactionId"], payload["transactionStatus"])
  200
end
'''

FILES["rb-app/config/exirom.yml"] = r'''
exirom:
  merchant_key: <%= ENV["EXIROM_KEY"] %>
  merchant_secret: GOLIVEFAKErbYmlSecret33 @@hardcoded-credential
'''

FILES["rb-app/app/jobs/retry_job.rb"] = r'''
class RetryJob
  def perform(order, params)
    Rails.cache.write("cvv_#{order.id}", params[:cvv], expires_in: 10.minutes) @@cvv-storage
    Rails.cache.write("mask_#{order.id}", params[:mask])
  end
end
'''

FILES["rb-app/lib/exirom_client.rb"] = r'''
class ExiromClient
  BASE = "https://api.exirom.com/api"
  def charge(body)
    token = HTTP.post("#{BASE}/v1/auth", json: creds).parse["token"] @@token-per-request
    HTTP.auth("Bearer #{token}").post("#{BASE}/v1/payments/card", json: body)
  end
end
'''

FILES["infra/nginx/site.conf"] = r'''
server {
    listen 443 ssl;
    ssl_protocols TLSv1.1 TLSv1.2; @@legacy-tls
}
'''

FILES["infra/terraform/variables.tf"] = r'''
variable "exirom_secret" {
  type    = string
  default = "GOLIVEFAKEtfDefault8812" @@hardcoded-credential
}
variable "region" {
  default = "eu-central-1"
}
'''

FILES["infra/k8s/secret.yaml"] = r'''
apiVersion: v1
kind: Secret
metadata:
  name: exirom
stringData:
  EXIROM_SECRET: GOLIVEFAKEk8sSecret4455 @@hardcoded-credential
'''

FILES["logs/access.log"] = r'''
10.0.0.1 - - [02/Oct/2026:11:00:00 +0000] "POST /charge?order=4539578763621487 HTTP/1.1" 200 512 1759402800000
10.0.0.2 - - [02/Oct/2026:11:00:01 +0000] "GET /status/733609401625775730 HTTP/1.1" 200 128 +14155552671
'''


FILES["billing/app/legacy_import.py"] = r'''
# One-off import of the cards stored by the old checkout (to be deleted)
LEGACY_CARDS = [
    {"customer": 1, "card": "4716 1089 9971 6531"}, @@pan-in-source
    {"customer": 2, "card": "471610******6531"},
]
ORDER_REFERENCE = "4716108999716532"
BATCH_TS = 1759402800000
'''

FILES["go-gw/exirom/corporate.go"] = r'''
package exirom

// corporateCard pays the monthly platform fee.
var corporateCard = "3712-345678-90120" @@pan-in-source
var corporateCardMask = "371234*****0120"
'''

FILES["README.md"] = r'''
# Shop platform

Callbacks: verify `X-Checksum` with `crypto.timingSafeEqual` / `hmac.compare_digest` / `hash_equals`.

    curl -H "Authorization: Bearer <token>" https://sandbox.api.exirom.com/api/v1/payments/card/status/1

Test card: 4111 1111 1111 1111. Masked: 411111******1111 or 4111********1111.
'''


def main():
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    truth = []
    marker = re.compile(r"\s+@@([a-z-]+(?:\s+@@[a-z-]+)*)\s*$")
    for path, body in FILES.items():
        lines = body.lstrip("\n").split("\n")
        out = []
        for i, line in enumerate(lines, start=1):
            m = marker.search(line)
            if m:
                for rule in re.findall(r"@@([a-z-]+)", m.group(0)):
                    truth.append(f"{rule} {path}:{i}")
                line = line[: m.start()]
            out.append(line)
        full = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write("\n".join(out))
    truth.sort()
    with open(TRUTH, "w") as f:
        f.write("# rule path:line, one planted problem per line (generated by scripts/gen_eval_holdout.py)\n")
        f.write("\n".join(truth) + "\n")
    print(f"{len(FILES)} files, {len(truth)} planted problems")


if __name__ == "__main__":
    main()
