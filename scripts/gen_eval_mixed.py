#!/usr/bin/env python3
"""Writes fixtures/repos/eval-mixed/ and its ground truth fixtures/repos/eval-mixed.truth.

Each planted problem is marked in the source below with a trailing ` @@<rule-id>` (several ids
allowed); the marker is stripped from the written file and recorded as `<rule-id> <path>:<line>`.
Everything else is a near-miss or ordinary code that must stay silent. Sample credentials contain
GOLIVEFAKE; card numbers are test cards or generated Luhn-valid numbers.
Run from the repository root: python3 scripts/gen_eval_mixed.py
"""
import os
import re
import shutil

ROOT = "fixtures/repos/eval-mixed"
TRUTH = "fixtures/repos/eval-mixed.truth"

FILES = {}

FILES["storefront/src/config/index.ts"] = r'''
import dotenv from 'dotenv';
dotenv.config();

export const exirom = {
  baseUrl: process.env.EXIROM_BASE_URL!,
  merchantKey: process.env.EXIROM_MERCHANT_KEY ?? '',
  merchantSecret: process.env.EXIROM_MERCHANT_SECRET || 'GOLIVEFAKEs3cr3tFallback77', @@hardcoded-credential
  mid: process.env.EXIROM_MID,
  webhookSecretHeader: 'X-Checksum',
  tokenRefreshDays: 29,
};

export const sentry = { dsn: process.env.SENTRY_DSN, apiKeyHeader: 'x-sentry-key' };
export const maps = { apiKey: 'AIzaGOLIVEFAKE_0123456789abcdefghijklm' }; @@hardcoded-credential
export const passwordMinLength = 12;
'''

FILES["storefront/src/payments/exiromClient.ts"] = r'''
import axios from 'axios';
import { exirom } from '../config';

const http = axios.create({
  baseURL: process.env.EXIROM_BASE_URL || 'https://sandbox.api.exirom.com/api', @@sandbox-url
  timeout: 15000,
});

async function fetchToken(): Promise<string> {
  const res = await http.post('/v1/auth', { merchantKey: exirom.merchantKey, merchantSecret: exirom.merchantSecret }); @@token-per-request
  return res.data.token;
}

export async function charge(order: Order) {
  const token = await fetchToken();
  return http.post('/v1/payments/card', toRequest(order), { headers: { Authorization: `Bearer ${token}` } });
}

export async function refund(txId: string, amount: string) {
  const token = await fetchToken();
  return http.post('/v1/payments/refund', { transactionId: txId, amount }, { headers: { Authorization: `Bearer ${token}` } });
}
'''

FILES["storefront/src/payments/audit.ts"] = r'''
import winston from 'winston';
import { maskPan } from './mask';

const audit = winston.createLogger({ transports: [new winston.transports.File({ filename: 'audit.log' })] });

export function recordAttempt(payment: Payment) {
  audit.info(`attempt ${payment.id} card=${payment.card.number} amount=${payment.amount}`); @@pan-in-log
  audit.info(`attempt ${payment.id} card=${maskPan(payment.card.number)}`);
  audit.info('attempt', { id: payment.id, last4: payment.card.number.slice(-4), brand: payment.card.brand });
  audit.warn('card number missing', { id: payment.id });
}
'''

FILES["storefront/src/payments/mask.ts"] = r'''
export function maskPan(pan: string): string {
  return pan.slice(0, 6) + '******' + pan.slice(-4);
}
export const EXAMPLE_MASK = '424242******4242';
'''

FILES["storefront/src/payments/fallback.ts"] = r'''
// Hard-coded card kept from the migration from the previous PSP.
export const MIGRATION_CARD = '4786666176031372157'; @@pan-in-source
export const ORDER_SEQUENCE_START = 4786666176031372158;
export const FEATURE_FLAGS_HASH = 'a9f3c2d14786666176031372157be';
export const PREFILL = '4242424242424242'; @@test-card-in-production
'''

FILES["storefront/src/routes/webhooks.ts"] = r'''
import Router from '@koa/router';

export const webhooks = new Router();

webhooks.post('/webhooks/exirom', async (ctx) => { @@webhook-signature-unverified
  ctx.status = 200;
  const { transactionId, transactionStatus, declineCode } = ctx.request.body;
  await orders.transition(transactionId, transactionStatus, declineCode);
});
'''

FILES["storefront/src/routes/webhooksApm.ts"] = r'''
import Router from '@koa/router';
import scmp from 'tsscmp';

export const apm = new Router();

apm.post('/webhooks/exirom-apm', async (ctx) => {
  ctx.status = 200;
  const signature = ctx.get('X-Checksum');
  if (!scmp(signature, computeChecksum(ctx.request.body))) return;
  await orders.transition(ctx.request.body.transactionId, ctx.request.body.transactionStatus);
});
'''

FILES["storefront/src/routes/orders.ts"] = r'''
import Router from '@koa/router';
import { charge } from '../payments/exiromClient';

export const ordersRouter = new Router();

ordersRouter.post('/orders/:id/pay', async (ctx) => {
  const result = await charge(await orders.get(ctx.params.id));
  ctx.body = { transactionStatus: result.data.transactionStatus, transactionId: result.data.transactionId };
});
'''

FILES["storefront/src/environments/environment.prod.ts"] = r'''
export const environment = {
  production: true,
  exiromUrl: 'https://sandbox.api.exirom.com/api', @@sandbox-url
};
'''

FILES["storefront/src/environments/environment.ts"] = r'''
export const environment = {
  production: false,
  exiromUrl: 'https://sandbox.api.exirom.com/api',
};
'''

FILES["storefront/.env.production"] = r'''
NODE_ENV=production
EXIROM_BASE_URL=https://sandbox.api.exirom.com/api @@sandbox-url
EXIROM_MERCHANT_KEY=GOLIVEFAKEkey2233445566 @@hardcoded-credential
SESSION_SECRET=${SESSION_SECRET}
'''

FILES["storefront/.env.staging"] = r'''
NODE_ENV=production
EXIROM_BASE_URL=https://sandbox.api.exirom.com/api
'''

FILES["storefront/.env.example"] = r'''
EXIROM_BASE_URL=https://sandbox.api.exirom.com/api
EXIROM_MERCHANT_KEY=xxx
EXIROM_MERCHANT_SECRET=replace-me
'''

FILES["storefront/src/__tests__/pay.test.ts"] = r'''
import { charge } from '../payments/exiromClient';

const merchantSecret = 'GOLIVEFAKE-unit-test-secret';

describe('charge', () => {
  it('approves', async () => {
    const res = await charge({ card: { number: '4111111111111111', cvv: '123' } } as any);
    console.log('card', '4111 1111 1111 1111', res);
    expect(res).toBeDefined();
  });
});
'''

FILES["storefront/public/js/vendor.min.js"] = "!function(e){var t=4111111111111111,n=\"sandbox.api.exirom.com\";" + "e.x=function(a){return a+1};" * 120 + "}(window);\n"

FILES["storefront/package-lock.json"] = r'''
{
  "name": "storefront",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/axios": {
      "version": "1.7.2",
      "integrity": "sha512-2A8QhOMrbomlDuiLeK9XibIBzuHeRcqqNOHp0Cyp5EoJ1IFDh+XZH3A6BkXtv0K4gFGCI0Y4BM7B1wOEi0Rmgw=="
    }
  }
}
'''

FILES["storefront/src/checkout/Form.tsx"] = r'''
export function CardForm({ onSubmit }: Props) {
  return (
    <form onSubmit={onSubmit}>
      <input name="cardNumber" inputMode="numeric" placeholder="4242 4242 4242 4242" />
      <input name="cvv" maxLength={4} autoComplete="cc-csc" />
      <input type="password" name="password" />
    </form>
  );
}
'''

FILES["worker/settings/production.py"] = r'''
from .base import *  # noqa

DEBUG = False
EXIROM_BASE_URL = "https://sandbox.api.exirom.com/api" @@sandbox-url
EXIROM_STATUS_URL = "http://api.exirom.com/api/v1/payments/card/status" @@insecure-api-url
EXIROM_MERCHANT_SECRET = "GOLIVEFAKEprodSecret99ab" @@hardcoded-credential
EXIROM_MERCHANT_KEY = env("EXIROM_MERCHANT_KEY")
ALLOWED_HOSTS = ["shop.example"]
'''

FILES["worker/settings/development.py"] = r'''
from .base import *  # noqa

DEBUG = True
EXIROM_BASE_URL = "https://sandbox.api.exirom.com/api"
EXIROM_MERCHANT_SECRET = "dev-secret-not-real"
'''

FILES["worker/settings/base.py"] = r'''
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
EXIROM_BASE_URL = os.environ.get("EXIROM_BASE_URL", "https://api.exirom.com/api")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
'''

FILES["worker/tasks/capture.py"] = r'''
import logging

logger = logging.getLogger(__name__)


def capture(payment):
    logger.debug("capturing card %s for %s", payment["card"]["number"], payment["amount"]) @@pan-in-log
    logger.info("capturing card ending %s", payment["card"]["number"][-4:])
    logger.info("capturing %s", payment["card_mask"])
    return client.capture(payment)
'''

FILES["worker/tasks/retry.py"] = r'''
from django.core.cache import cache


def remember_for_retry(order_id, card):
    cache.set(f"retry:{order_id}:cvv", card["cvv"], timeout=900) @@cvv-storage
    cache.set(f"retry:{order_id}:mask", card["mask"], timeout=900)


def forget(card):
    card["cvv"] = None
    card.pop("cvc", None)
'''

FILES["worker/models.py"] = r'''
from sqlalchemy import Column, Integer, String, Boolean
from .db import Base


class PendingCharge(Base):
    __tablename__ = "pending_charges"
    id = Column(Integer, primary_key=True)
    card_mask = Column(String(19))
    card_cvv = Column(String(4)) @@cvv-storage
    cvv_passed = Column(Boolean)
'''

FILES["worker/http.py"] = r'''
import ssl
from requests.adapters import HTTPAdapter


class LegacyTLSAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_version"] = ssl.PROTOCOL_TLSv1 @@legacy-tls
        return super().init_poolmanager(*args, **kwargs)


def modern_context():
    ctx = ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_SSLv3 | ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    return ctx
'''

FILES["worker/exirom_auth.py"] = r'''
import functools
import os

import requests


@functools.lru_cache(maxsize=1)
def token():
    r = requests.post(os.environ["EXIROM_BASE_URL"] + "/v1/auth", json=credentials(), timeout=10)
    return r.json()["token"]


def pay(body):
    return requests.post(os.environ["EXIROM_BASE_URL"] + "/v1/payments/card", json=body, headers={"Authorization": "Bearer " + token()})
'''

FILES["worker/fixtures_prod.py"] = r'''
# Cards loaded into the production database by the 2024 import.
IMPORTED = [
    {"pan": "4960 3082 4628 1940", "holder": "A. Customer"}, @@pan-in-source
    {"pan": "496030******1940", "holder": "B. Customer"},
]
'''

FILES["worker/tests/test_capture.py"] = r'''
from worker.tasks.capture import capture

CARD = {"number": "4960308246281940", "cvv": "123"}
MERCHANT_SECRET = "GOLIVEFAKE-pytest-secret"


def test_capture(caplog):
    capture({"card": CARD, "amount": "10.00"})
    assert "4960308246281940" not in caplog.text
'''

FILES["admin/config/exirom.php"] = r'''
<?php
return [
    'base_url' => env('EXIROM_BASE_URL', 'https://api.exirom.com/api'),
    'merchant_key' => env('EXIROM_MERCHANT_KEY'),
    'merchant_secret' => 'GOLIVEFAKEphpSecret4455', @@hardcoded-credential
    'timeout' => 15,
];
'''

FILES["admin/config/checkout.php"] = r'''
<?php
return [
    'prefill_card' => '5500 0000 0000 0004', @@test-card-in-production
    'mask_format' => '######******####',
];
'''

FILES["admin/app/Http/Controllers/ExiromWebhookController.php"] = r'''
<?php
namespace App\Http\Controllers;

use Illuminate\Http\Request;

class ExiromWebhookController extends Controller
{
    public function __invoke(Request $request)
    {
        $given = $request->server('HTTP_X_CHECKSUM');
        $calc = base64_encode(hash_hmac('sha256', $this->signedFields($request), config('exirom.merchant_secret'), true));
        if (strcmp($given, $calc) !== 0) { @@webhook-signature-unverified
            return response('', 200);
        }
        Order::settle($request->input('transactionId'), $request->input('transactionStatus'));
        return response('', 200);
    }
}
'''

FILES["admin/app/Services/PaymentLogger.php"] = r'''
<?php
namespace App\Services;

class PaymentLogger
{
    public function __construct(private \Psr\Log\LoggerInterface $logger) {}

    public function attempt(string $cardNumber, string $amount): void
    {
        $this->logger->info("Card {$cardNumber} charged {$amount}"); @@pan-in-log
        $this->logger->info('Card charged', ['last4' => substr($cardNumber, -4)]);
    }
}
'''

FILES["admin/app/Services/ExiromToken.php"] = r'''
<?php
namespace App\Services;

use Illuminate\Support\Facades\Cache;

class ExiromToken
{
    public function get(): string
    {
        return Cache::remember('exirom.token', now()->addDays(29), function () {
            return Http::post(config('exirom.base_url') . '/v1/auth', $this->credentials())->json('token');
        });
    }

    public function pay(array $body): array
    {
        return Http::withToken($this->get())->post(config('exirom.base_url') . '/v1/payments/card', $body)->json();
    }
}
'''

FILES["admin/app/Services/Curl.php"] = r'''
<?php
namespace App\Services;

class Curl
{
    public static function options(): array
    {
        return [
            CURLOPT_TIMEOUT => 15,
            CURLOPT_SSLVERSION => 4, @@legacy-tls
        ];
    }
}
'''

FILES["admin/database/migrations/2026_01_01_000000_create_payments_table.php"] = r'''
<?php
use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration {
    public function up(): void
    {
        Schema::create('payments', function (Blueprint $table) {
            $table->id();
            $table->string('card_mask', 19);
            $table->string('card_security_code', 4)->nullable(); @@cvv-storage
            $table->boolean('cvv_matched')->default(false);
        });
    }
};
'''

FILES["admin/database/seed.sql"] = r'''
INSERT INTO customers (name, card_mask) VALUES ('Ada', '466131******9090');
INSERT INTO legacy_cards (name, pan) VALUES ('Bob', '4661318609139090'); @@pan-in-source
'''

FILES["admin/.env.example"] = r'''
EXIROM_BASE_URL=https://sandbox.api.exirom.com/api
EXIROM_MERCHANT_SECRET=
DB_PASSWORD=secret
'''

FILES["reconciliation/src/main/resources/application-production.properties"] = r'''
exirom.base-url=https://sandbox.api.exirom.com/api @@sandbox-url
exirom.merchant-secret=GOLIVEFAKEjavaProdSecret12 @@hardcoded-credential
exirom.merchant-key=${EXIROM_MERCHANT_KEY}
spring.datasource.password=${DB_PASSWORD}
'''

FILES["reconciliation/src/main/resources/application-staging.properties"] = r'''
exirom.base-url=https://sandbox.api.exirom.com/api
'''

FILES["reconciliation/src/main/java/com/shop/recon/ExiromHttp.java"] = r'''
package com.shop.recon;

import javax.net.ssl.SSLContext;
import org.springframework.web.client.RestTemplate;

public class ExiromHttp {
    private final RestTemplate rest = new RestTemplate();
    private final String baseUrl = System.getenv("EXIROM_BASE_URL");

    SSLContext context() throws Exception {
        return SSLContext.getInstance("TLSv1.1"); @@legacy-tls
    }

    public PaymentResult pay(PaymentRequest request) {
        String token = rest.postForObject(baseUrl + "/v1/auth", credentials(), String.class); @@token-per-request
        return rest.postForObject(baseUrl + "/v1/payments/card", withBearer(request, token), PaymentResult.class);
    }
}
'''

FILES["reconciliation/src/main/java/com/shop/recon/CardAudit.java"] = r'''
package com.shop.recon;

public class CardAudit {
    private static final Logger logger = LoggerFactory.getLogger(CardAudit.class);

    void flag(Card card) {
        logger.warn("Suspicious card " + card.getPan()); @@pan-in-log
        logger.warn("Suspicious card ending " + card.getPanLast4());
        logger.info("Card brand {} masked {}", card.getBrand(), card.getMaskedPan());
    }
}
'''

FILES["reconciliation/src/main/java/com/shop/recon/CallbackResource.java"] = r'''
package com.shop.recon;

@RestController
@RequestMapping("/exirom")
public class CallbackResource {
    @PostMapping("/notify")
    public ResponseEntity<Void> notify(@RequestHeader("X-Checksum") String checksum, @RequestBody Notification n) {
        byte[] expected = signer.sign(n).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, checksum.getBytes(StandardCharsets.UTF_8))) {
            return ResponseEntity.ok().build();
        }
        ledger.record(n.getTransactionId(), n.getTransactionStatus());
        return ResponseEntity.ok().build();
    }
}
'''

FILES["reconciliation/src/test/java/com/shop/recon/CardAuditTest.java"] = r'''
package com.shop.recon;

class CardAuditTest {
    private static final String PAN = "4526018159083012";
    private static final String SECRET = "GOLIVEFAKE-junit";
}
'''

FILES["gateway/internal/config/config.go"] = r'''
package config

import "os"

func getenv(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return fallback
}

var BaseURL = getenv("EXIROM_BASE_URL", "https://sandbox.api.exirom.com/api") @@sandbox-url
var StatusURL = "http://api.exirom.com/api/v1/payments/apm/info" @@insecure-api-url
var MerchantKey = os.Getenv("EXIROM_MERCHANT_KEY")
'''

FILES["gateway/internal/webhook/webhook.go"] = r'''
package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
)

type Notification struct {
	TransactionID     string `json:"transactionId"`
	TransactionStatus string `json:"transactionStatus"`
}

func Receive(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	var n Notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		return
	}
	got := []byte(r.Header.Get("X-Checksum"))
	if !bytes.Equal(got, sign(n)) { @@webhook-signature-unverified
		return
	}
	settle(n.TransactionID, n.TransactionStatus)
}
'''

FILES["gateway/internal/tlsconf/tls.go"] = r'''
package tlsconf

import "crypto/tls"

var Client = &tls.Config{
	MinVersion: tls.VersionTLS10, @@legacy-tls
	MaxVersion: tls.VersionTLS13,
}

var Strict = &tls.Config{MinVersion: tls.VersionTLS12}

var names = map[uint16]string{
	tls.VersionTLS10: "TLS 1.0",
	tls.VersionTLS11: "TLS 1.1",
	tls.VersionTLS12: "TLS 1.2",
}
'''

FILES["gateway/internal/exirom/client.go"] = r'''
package exirom

import "sync"

type Client struct {
	once  sync.Once
	token string
}

func (c *Client) Token() string {
	c.once.Do(func() {
		c.token = c.postJSON("/v1/auth", c.creds())
	})
	return c.token
}

func (c *Client) Pay(p Payment) Result {
	return c.postAuthed("/v1/payments/card", p, c.Token())
}
'''

FILES["gateway/internal/store/cards.go"] = r'''
package store

const insertCard = `INSERT INTO cards (card_mask, cvv, created_at) VALUES ($1, $2, now())` @@cvv-storage
const selectMask = `SELECT card_mask FROM cards WHERE id = $1`
'''

FILES["gateway/internal/smoke/smoke.go"] = r'''
package smoke

// Card charged by the post-deploy smoke test.
const smokeCard = "4000 0000 0000 3220" @@test-card-in-production
'''

FILES["gateway/cmd/gateway/main.go"] = r'''
package main

func main() {
	cfg := Config{
		BaseURL: os.Getenv("EXIROM_BASE_URL"),
		Secret:  "GOLIVEFAKEgoSecretAbC123", @@hardcoded-credential
		Timeout: 15 * time.Second,
	}
	run(cfg)
}
'''

FILES["shopfront-rb/config/initializers/exirom.rb"] = r'''
Exirom.configure do |c|
  c.base_url = ENV.fetch("EXIROM_BASE_URL")
  c.merchant_key = ENV.fetch("EXIROM_MERCHANT_KEY")
  c.merchant_secret = "GOLIVEFAKErubySecret55" @@hardcoded-credential
end
'''

FILES["shopfront-rb/config/environments/production.rb"] = r'''
Rails.application.configure do
  config.eager_load = true
  config.x.exirom_url = "https://sandbox.api.exirom.com/api" @@sandbox-url
end
'''

FILES["shopfront-rb/config/environments/development.rb"] = r'''
Rails.application.configure do
  config.x.exirom_url = "https://sandbox.api.exirom.com/api"
end
'''

FILES["shopfront-rb/config/exirom.yml"] = r'''
default: &default
  timeout: 15
development:
  <<: *default
  url: https://sandbox.api.exirom.com/api
production:
  <<: *default
  url: http://api.exirom.com/api @@insecure-api-url
'''

FILES["shopfront-rb/app/controllers/exirom_webhooks_controller.rb"] = r'''
class ExiromWebhooksController < ApplicationController
  skip_before_action :verify_authenticity_token

  def create
    head :ok
    expected = ExiromChecksum.compute(params.to_unsafe_h)
    return unless request.headers["X-Checksum"] == expected @@webhook-signature-unverified
    Order.settle(params[:transactionId], params[:transactionStatus])
  end
end
'''

FILES["shopfront-rb/app/services/charge_card.rb"] = r'''
class ChargeCard
  def initialize(logger: Rails.logger)
    @logger = logger
  end

  def call(card, amount)
    @logger.info("Charging #{card[:number]} #{amount}") @@pan-in-log
    @logger.info("Charging #{card[:number].last(4)}")
    exirom.charge(card: card, amount: amount)
  end

  def exirom
    @exirom ||= ExiromClient.new
  end
end
'''

FILES["shopfront-rb/app/services/exirom_client.rb"] = r'''
class ExiromClient
  def token
    @token ||= post("/v1/auth", credentials).fetch("token")
  end

  def charge(body)
    post("/v1/payments/card", body, token)
  end
end
'''

FILES["shopfront-rb/db/migrate/20261015120000_add_cvv_to_orders.rb"] = r'''
class AddCvvToOrders < ActiveRecord::Migration[7.1]
  def change
    add_column :orders, :card_cvv, :string @@cvv-storage
    add_column :orders, :cvv_result, :string
  end
end
'''

FILES["shopfront-rb/spec/services/charge_card_spec.rb"] = r'''
RSpec.describe ChargeCard do
  let(:card) { { number: "4111111111111111", cvv: "123" } }
  let(:secret) { "GOLIVEFAKE-rspec-secret" }
  it "charges" do
    expect(described_class.new.call(card, "10.00")).to be_truthy
  end
end
'''

FILES["deploy/k8s/production/configmap.yaml"] = r'''
apiVersion: v1
kind: ConfigMap
metadata:
  name: storefront
data:
  EXIROM_BASE_URL: "https://sandbox.api.exirom.com/api" @@sandbox-url
  LOG_LEVEL: info
'''

FILES["deploy/k8s/staging/configmap.yaml"] = r'''
apiVersion: v1
kind: ConfigMap
metadata:
  name: storefront
data:
  EXIROM_BASE_URL: "https://sandbox.api.exirom.com/api"
'''

FILES["deploy/k8s/production/secret-ref.yaml"] = r'''
env:
  - name: EXIROM_MERCHANT_SECRET
    valueFrom:
      secretKeyRef:
        name: exirom
        key: merchantSecret
'''

FILES["deploy/haproxy.cfg"] = r'''
global
    ssl-default-bind-options ssl-min-ver TLSv1.0 @@legacy-tls
    ssl-default-server-options no-sslv3 no-tlsv10 no-tlsv11
'''

FILES["deploy/terraform/prod.tfvars"] = r'''
environment            = "production"
exirom_merchant_secret = "GOLIVEFAKEtfSecret0099" @@hardcoded-credential
exirom_base_url        = "https://api.exirom.com/api"
'''

FILES["deploy/terraform/variables.tf"] = r'''
variable "exirom_merchant_secret" {
  type      = string
  sensitive = true
}
'''

FILES["logs/checkout-2026-10.log"] = r'''
2026-10-01T09:00:00Z INFO checkout order=501 card=5537865797543235 amount=19.99 @@pan-in-log
2026-10-01T09:00:01Z INFO exirom transactionId=733609401625775730 status=SUCCEED card=553786******3235
2026-10-01T09:05:00Z WARN retry order=502 pan=2720-1948-7574-9117 attempt=2 @@pan-in-log
2026-10-01T09:05:02Z INFO exirom traceId=00000000000000000000 requestAt=1759309502000
'''

FILES["docs/integration.md"] = r'''
# Exirom integration

Sandbox: https://sandbox.api.exirom.com/api — test with 4111 1111 1111 1111.

```js
const secret = process.env.EXIROM_MERCHANT_SECRET; // never 'GOLIVEFAKEdocsSecret'
if (crypto.timingSafeEqual(a, b)) { /* ok */ }
```

Never use `http://api.exirom.com` or TLSv1.
'''

FILES["README.md"] = r'''
# Shop monorepo

storefront (TypeScript), worker (Python), admin (PHP), reconciliation (Java), gateway (Go),
shopfront-rb (Ruby). Card numbers are always logged masked (411111******1111).
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
        f.write("# rule path:line, one planted problem per line (generated by scripts/gen_eval_mixed.py)\n")
        f.write("\n".join(truth) + "\n")
    print(f"{len(FILES)} files, {len(truth)} planted problems")


if __name__ == "__main__":
    main()
