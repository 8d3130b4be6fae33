#!/usr/bin/env bash
# Compares `golive scan` with ripgrep (same number of patterns), and with ripsecrets and
# detect-secrets when installed, on generated merchant trees of the given sizes (MB).
#
#   apt-get install -y ripgrep hyperfine      # once
#   scripts/bench.sh 10 100 1000             # sizes in MB (default: 10 100)
#
# Prints wall time (hyperfine mean of warm runs), MB/s, files/s and peak RSS (/usr/bin/time -v)
# per tool, the golive/rg ratio, and whether golive found what PLANTED.json says was planted.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10 100}")
[ $# -eq 0 ] && sizes=(10 100)
command -v hyperfine >/dev/null && command -v rg >/dev/null || { echo "needs hyperfine and rg (apt-get install -y ripgrep hyperfine)"; exit 2; }
cargo build --release --quiet --example gen_corpus
cargo build --release --quiet
GOLIVE=target/release/golive
# One ripgrep pattern per golive static rule (the same count of patterns, comparable work).
PATTERNS=(
  -e '(?i)(merchant_?secret|merchant_?key|api_?key|secret|token|password)\s*[:=]\s*["'"'"'][A-Za-z0-9_\-]{16,}'
  -e 'sandbox\.api\.exirom\.com'
  -e 'http://(sandbox\.)?api\.exirom\.com'
  -e '\b4[0-9]{12}(?:[0-9]{3})?\b|\b5[1-5][0-9]{14}\b'
  -e '(?i)(console\.log|logger\.\w+|print|puts).*card(\.|_)?number'
  -e '(?i)(insert into|update|column).*\bcvv\b'
  -e '(?i)TLSv1_method|PROTOCOL_TLSv1\b|VersionTLS1[01]|CURL_SSLVERSION_TLSv1_[01]'
  -e '4111111111111111|4242424242424242|4000000000003220|5500000000000004'
  -e '(?i)x-checksum'
  -e '/v1/auth'
)
rss() { /usr/bin/time -v "$@" >/dev/null 2>/tmp/golive-bench-time || true; awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' /tmp/golive-bench-time; }
for mb in "${sizes[@]}"; do
  dir="bench-corpus/${mb}mb"
  [ -f "$dir/PLANTED.json" ] || target/release/examples/gen_corpus "$dir" "$mb" >/dev/null
  bytes=$(du -sb "$dir" | cut -f1); files=$(find "$dir" -type f | wc -l)
  echo; echo "== ${mb} MB tree: $files files, $bytes bytes ($(nproc) cores)"
  cmds=("$GOLIVE scan $dir --format json --output /tmp/golive-bench.json" "rg -c ${PATTERNS[*]@Q} $dir")
  command -v ripsecrets >/dev/null && cmds+=("ripsecrets $dir")
  command -v detect-secrets >/dev/null && [ "$mb" -le 100 ] && cmds+=("detect-secrets scan $dir")
  hyperfine --warmup 1 --runs 5 -i --export-json /tmp/golive-bench-h.json "${cmds[@]}" >/dev/null
  python3 - "$bytes" "$files" <<'PY'
import json, sys
b, f = int(sys.argv[1]), int(sys.argv[2])
res = json.load(open("/tmp/golive-bench-h.json"))["results"]
base = {r["command"].split()[0].split("/")[-1]: r["mean"] for r in res}
for r in res:
    name = r["command"].split()[0].split("/")[-1]
    print(f"{name:15} {r['mean']*1000:9.1f} ms  {b/r['mean']/1e6:8.1f} MB/s  {f/r['mean']:10.0f} files/s")
if "golive" in base and "rg" in base:
    print(f"golive / rg wall-time ratio: {base['golive']/base['rg']:.2f}")
PY
  echo "peak RSS: golive $(rss $GOLIVE scan "$dir" --format json --output /tmp/golive-bench.json) KB, rg $(rss rg -c "${PATTERNS[@]}" "$dir") KB"
  python3 - "$dir/PLANTED.json" /tmp/golive-bench.json <<'PY'
import json, sys
planted = json.load(open(sys.argv[1]))["planted"]
report = json.load(open(sys.argv[2]))
found = {r["rule"]: sum(1 for f in r["findings"] if "suppressed" not in f) for r in report["results"]}
for rule, n in sorted(planted.items()):
    print(f"  {rule:28} planted {n:5}  found {found.get(rule, 0):5}")
PY
done
