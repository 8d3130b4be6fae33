#!/usr/bin/env bash
# Start-up time, and what extra rules cost a file that holds none of their keywords.
#
#   scripts/bench-rules.sh [TREE_MB] [N...]     # default: 100 MB tree, 0 100 1000 extra rules
#
# Writes bench-corpus/rules-N/golive.toml, whose `[checklist] extend` adds N static rules with a
# keyword and pattern (`qzxvNNNNkw`, `QZXVNNNNKW-[0-9]{4}`) that occur nowhere in the generated tree.
# Then:
#   1. hyperfine `golive --version` and `golive rules` (target: < 20 ms each);
#   2. hyperfine `golive scan TREE --config bench-corpus/rules-N/golive.toml` for each N, side by side;
#   3. with valgrind: instructions (callgrind, 1 thread) of the same scan on the 10 MB tree and on an
#      empty tree, for each N. Their difference is what the files cost; loading and compiling the N
#      rules is the empty tree's share.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-100}
shift || true
counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(0 100 1000)
cargo build --release --quiet --example gen_corpus
cargo build --release --quiet
GOLIVE=$PWD/target/release/golive
for t in 10 "$mb"; do
  [ -f "bench-corpus/${t}mb/PLANTED.json" ] || target/release/examples/gen_corpus "bench-corpus/${t}mb" "$t" >/dev/null
done
mkdir -p bench-corpus/empty
for n in "${counts[@]}"; do
  d=bench-corpus/rules-$n
  mkdir -p "$d"
  python3 - "$n" "$d" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(f"{d}/rules.toml", "w") as f:
    for i in range(n):
        f.write(f'[[rule]]\nid = "extra-{i:04}"\nprobe = "static"\nseverity = "error"\n'
                f'checklist = ["production-credentials"]\ntitle = "Extra rule {i}"\n'
                f'keywords = ["qzxv{i:04}kw"]\npattern = \'\'\'QZXV{i:04}KW-[0-9]{{4}}\'\'\'\n\n')
with open(f"{d}/golive.toml", "w") as f:
    f.write('[checklist]\nextend = ["rules.toml"]\n' if n else "")
PY
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 3 --runs 30 "$GOLIVE --version" "$GOLIVE rules" 2>&1 | grep -E "Benchmark|Time"
cmds=()
for n in "${counts[@]}"; do
  cmds+=(-n "$n extra rules" "$GOLIVE scan bench-corpus/${mb}mb --config bench-corpus/rules-$n/golive.toml --format json --output /tmp/golive-bench-rules.json")
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 1 --runs 5 -i "${cmds[@]}" 2>&1 | grep -E "Benchmark|Time|±"
if command -v valgrind >/dev/null; then
  echo "instructions (callgrind, GOLIVE_THREADS=1): rules | empty tree | 10 MB tree | difference (the files' share)"
  for n in "${counts[@]}"; do
    ir() {
      { GOLIVE_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$GOLIVE" scan "$1" \
        --config "bench-corpus/rules-$n/golive.toml" --format json --output /tmp/golive-bench-rules.json 2>&1 ||
        true; } | awk '/Collected/ { print $4 }'
    }
    e=$(ir bench-corpus/empty)
    t=$(ir bench-corpus/10mb)
    echo "$n | $e | $t | $((t - e))"
  done
fi
