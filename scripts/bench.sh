#!/usr/bin/env bash
# Compares `golive scan` with ripgrep (given golive's own static-rule regexes), and with ripsecrets
# and detect-secrets when installed, on generated merchant trees of the given sizes (MB).
#
#   apt-get install -y ripgrep hyperfine       # once (python3 >= 3.11 is needed too, for tomllib)
#   cargo install ripsecrets --locked           # optional
#   pip install detect-secrets                  # optional
#   scripts/bench.sh 10 100 1000               # sizes in MB (default: 10 100)
#
# Per size it runs, on the same warm tree:
#   1. hyperfine, golive and rg side by side (RUNS runs each after a warm-up, default 5);
#   2. /usr/bin/time -v of one golive and one rg run: peak RSS, user+sys CPU / wall;
#   3. golive with GOLIVE_THREADS=1, whose findings must equal the default run's;
#   4. hyperfine, one run each (they take minutes), golive, ripsecrets and detect-secrets side by
#      side; detect-secrets only up to DETECT_SECRETS_MAX_MB (default 100: at 0.3 MB/s a 1 GB tree
#      takes about an hour);
#   5. the planted-vs-found check against the tree's PLANTED.json.
# Before each timing it waits (up to QUIET_WAIT seconds, default 600) for the 1-minute load average
# to fall below LOAD_MAX (default 1.0) and prints the load it started with: the machine is shared.
# Everything is also written to bench-corpus/results/ (one JSON per size, summary.md at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10 100)
RUNS=${RUNS:-5}
DETECT_SECRETS_MAX_MB=${DETECT_SECRETS_MAX_MB:-100}
QUIET_WAIT=${QUIET_WAIT:-600}
LOAD_MAX=${LOAD_MAX:-1.0}
for tool in hyperfine rg python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y ripgrep hyperfine time python3)"; exit 2; }
done
cargo build --release --quiet --example gen_corpus
cargo build --release --quiet
GOLIVE=$PWD/target/release/golive
OUT=bench-corpus/results
mkdir -p "$OUT"

# One ripgrep pattern per golive static rule: the rule's own regex, or for the card-number rules
# (native digit-run finder, no regex) the regex that finder implements. Same engine family, same
# count; golive does more on top (file contexts, detectors, Luhn, masking, the evidence rules).
python3 - >"$OUT/rg-patterns.txt" <<'PY'
import tomllib
for r in tomllib.load(open("rules/static.toml", "rb"))["rule"]:
    if r.get("probe") == "static":
        print(r.get("pattern") or "[0-9](?:[ -]?[0-9]){12,18}")
PY
PATTERNS=$PWD/$OUT/rg-patterns.txt

quiet() {
  local waited=0
  while awk -v max="$LOAD_MAX" '{ exit !($1 > max) }' /proc/loadavg && [ "$waited" -lt "$QUIET_WAIT" ]; do
    sleep 30
    waited=$((waited + 30))
  done
  echo "load average before $1: $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited} s)"
  cut -d' ' -f1 /proc/loadavg >"$OUT/load-$1"
}
# /usr/bin/time fields: wall, user, sys, peak RSS (KB)
timed() { local out=$1; shift; /usr/bin/time -o "$out" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true; }

failed=0
for mb in "${sizes[@]}"; do
  dir="bench-corpus/${mb}mb"
  [ -f "$dir/PLANTED.json" ] || target/release/examples/gen_corpus "$dir" "$mb" >/dev/null
  bytes=$(find "$dir" -type f ! -name PLANTED.json -printf '%s\n' | awk '{ s += $1 } END { print s }')
  files=$(find "$dir" -type f ! -name PLANTED.json | wc -l)
  find "$dir" -type f -exec cat {} + >/dev/null # warm the page cache
  echo
  echo "== ${mb} MB tree: $files files, $bytes bytes, $(nproc) cores"
  g=(scan "$dir" --format json)
  quiet "${mb}mb-fast"
  hyperfine -N --warmup 1 --runs "$RUNS" -i --export-json "$OUT/${mb}mb-fast.json" \
    -n golive "$GOLIVE ${g[*]} --output /tmp/golive-bench.json" \
    -n rg "rg --hidden -c -f $PATTERNS $dir" >/dev/null
  timed "$OUT/${mb}mb-golive.time" "$GOLIVE" "${g[@]}" --output "$OUT/${mb}mb-golive.json"
  timed "$OUT/${mb}mb-rg.time" rg --hidden -c -f "$PATTERNS" "$dir"
  GOLIVE_THREADS=1 timed "$OUT/${mb}mb-golive-1thread.time" "$GOLIVE" "${g[@]}" --output "$OUT/${mb}mb-golive-1thread.json"
  slow=(-n golive "/usr/bin/time -o $OUT/${mb}mb-golive-slowrun.time -f %e_%U_%S_%M $GOLIVE ${g[*]} --output /tmp/golive-bench.json")
  command -v ripsecrets >/dev/null &&
    slow+=(-n ripsecrets "/usr/bin/time -o $OUT/${mb}mb-ripsecrets.time -f %e_%U_%S_%M ripsecrets $dir")
  command -v detect-secrets >/dev/null && [ "$mb" -le "$DETECT_SECRETS_MAX_MB" ] &&
    slow+=(-n detect-secrets "/usr/bin/time -o $OUT/${mb}mb-detect-secrets.time -f %e_%U_%S_%M detect-secrets scan --all-files $dir")
  rm -f "$OUT/${mb}mb-slow.json"
  if [ ${#slow[@]} -gt 3 ]; then
    quiet "${mb}mb-slow"
    hyperfine -N --runs 1 -i --export-json "$OUT/${mb}mb-slow.json" "${slow[@]}" >/dev/null
  fi
  python3 - "$mb" "$bytes" "$files" "$dir/PLANTED.json" "$OUT" <<'PY' || failed=1
import json, os, sys
mb, b, f, planted_path, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def load(p):
    return json.load(open(p)) if os.path.exists(p) else None
def timefile(name):
    p = f"{out}/{mb}mb-{name}.time"
    if not os.path.exists(p):
        return None
    # the last line ("wall user sys rss", `_`-separated in the hyperfine runs); a line before it
    # may say "Command exited with non-zero status 1" (findings, for golive and ripsecrets)
    w, u, s, rss = (float(x) for x in open(p).read().strip().splitlines()[-1].replace("_", " ").split())
    return {"wall": w, "user": u, "sys": s, "rss_kb": rss}
fast = {r["command"]: r for r in load(f"{out}/{mb}mb-fast.json")["results"]}
slow = {r["command"]: r for r in (load(f"{out}/{mb}mb-slow.json") or {"results": []})["results"]}
rows = {}
for name, r in fast.items():
    rows[name] = {"mean": r["mean"], "stddev": r["stddev"] or 0.0, "runs": len(r["times"]), "run": "fast"}
for name, r in slow.items():
    key = name if name not in rows else "golive (slow run)"
    rows[key] = {"mean": r["mean"], "stddev": 0.0, "runs": len(r["times"]), "run": "slow"}
tf = {"golive": "golive", "rg": "rg", "ripsecrets": "ripsecrets", "detect-secrets": "detect-secrets",
      "golive (slow run)": "golive-slowrun"}
for name, row in rows.items():
    t = timefile(tf[name])
    if t:
        row["rss_mb"] = t["rss_kb"] / 1024
        row["cpu"] = (t["user"] + t["sys"]) / t["wall"] if t["wall"] else None
print(f"{'tool':18} {'wall':>16} {'MB/s':>8} {'files/s':>10} {'peak RSS':>10} {'CPU/wall':>9}")
for name, row in rows.items():
    cpu = f"{row['cpu']:.2f}" if row.get("cpu") else "-"
    rss = f"{row['rss_mb']:.1f} MB" if row.get("rss_mb") else "-"
    print(f"{name:18} {row['mean']*1000:9.1f} ± {row['stddev']*1000:4.0f} ms {b/row['mean']/1e6:8.1f} {f/row['mean']:10.0f} {rss:>10} {cpu:>9}  ({row['runs']} runs)")
ratios = {"golive/rg": rows["golive"]["mean"] / rows["rg"]["mean"]}
g_slow = rows.get("golive (slow run)", {}).get("mean")
if g_slow and "ripsecrets" in rows:
    ratios["golive/ripsecrets"] = g_slow / rows["ripsecrets"]["mean"]
if g_slow and "detect-secrets" in rows:
    ratios["detect-secrets/golive"] = rows["detect-secrets"]["mean"] / g_slow
print("  ".join(f"{k} = {v:.3f}" for k, v in ratios.items()))
# Findings: the default run and the single-threaded run must agree; and each planted problem found.
def findings(p):
    r = load(p)
    return [(x["rule"], x["status"], x.get("message"), x.get("findings")) for x in r["results"]], r["warnings"]
same = findings(f"{out}/{mb}mb-golive.json") == findings(f"{out}/{mb}mb-golive-1thread.json")
t1 = timefile("golive-1thread")
print(f"GOLIVE_THREADS=1: {t1['wall']*1000:.0f} ms wall, findings {'identical' if same else 'DIFFERENT'} to the default run")
planted = load(planted_path)["planted"]
report = load(f"{out}/{mb}mb-golive.json")
found = {r["rule"]: sum(1 for x in r.get("findings", []) if "suppressed" not in x) for r in report["results"]}
ok = True
for rule, n in sorted(planted.items()):
    ok &= found.get(rule, 0) == n
    print(f"  {rule:28} planted {n:5}  found {found.get(rule, 0):5}")
load1 = {k: open(f"{out}/load-{mb}mb-{k}").read().strip() for k in ("fast", "slow") if os.path.exists(f"{out}/load-{mb}mb-{k}")}
json.dump({"mb": int(mb), "bytes": b, "files": f, "rows": rows, "ratios": ratios, "single_thread_identical": same,
           "single_thread_wall": t1["wall"], "planted_found": ok, "load": load1}, open(f"{out}/{mb}mb.json", "w"), indent=1)
if not same or not ok:
    sys.exit("findings check failed: " + ("single-threaded run differs" if not same else "a planted finding was not found"))
PY
done

# Summary over all sizes: the table for BENCHMARKS.md and the linearity of time per byte.
python3 - "$OUT" "${sizes[@]}" <<'PY' | tee "$OUT/summary.md"
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
res = [json.load(open(f"{out}/{mb}mb.json")) for mb in sizes]
print("| tree | tool | wall | MB/s | files/s | peak RSS | CPU (user+sys)/wall |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in res:
    for name, row in r["rows"].items():
        rss = f"{row['rss_mb']:.1f} MB" if row.get("rss_mb") else "–"
        cpu = f"{row['cpu']:.2f}" if row.get("cpu") else "–"
        wall = f"{row['mean']*1000:.0f} ± {row['stddev']*1000:.0f} ms" if row["runs"] > 1 else f"{row['mean']*1000:.0f} ms (1 run)"
        print(f"| {r['mb']} MB, {r['files']} files | {name} | {wall} | {r['bytes']/row['mean']/1e6:.0f} | {r['files']/row['mean']:.0f} | {rss} | {cpu} |")
print()
print("| tree | load (1 min) | golive / rg | golive / ripsecrets | detect-secrets / golive | 1-thread findings identical |")
print("| --- | --- | --- | --- | --- | --- |")
for r in res:
    q = r["ratios"]
    fmt = lambda k: f"{q[k]:.3f}" if k in q else "–"
    load = " / ".join(r["load"].get(k, "?") for k in ("fast", "slow"))
    print(f"| {r['mb']} MB | {load} | {fmt('golive/rg')} | {fmt('golive/ripsecrets')} | {fmt('detect-secrets/golive')} | {r['single_thread_identical']} |")
print()
print("Linearity (ns per byte, relative to the smallest tree):")
for tool in ("golive", "rg"):
    base = None
    parts = []
    for r in res:
        ns = r["rows"][tool]["mean"] / r["bytes"] * 1e9
        base = base or ns
        parts.append(f"{r['mb']} MB {ns:.2f} ns/B ({ns/base:.2f}×)")
    print(f"- {tool}: " + ", ".join(parts))
PY
[ "$failed" -eq 0 ] || { echo "findings check failed (see above)"; exit 1; }
