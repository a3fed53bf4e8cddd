#!/usr/bin/env bash
# Benchmark: jixiao convert against the calamine floor on N generated forms.
#
#   scripts/bench.sh N [ROUNDS]
#
# Builds release, generates N target forms mixed with every other kind (examples/bulk.rs: targets
# of every layout, self-evaluations, monitoring forms, department-wide forms, a flat export of at
# least 1,000 rows; cached in $BENCH_DIR or /tmp/jixiao-bench-N), then runs ROUNDS rounds (default
# 7), each one of every command in turn, so that a machine's drift hits all alike (with a `sync`
# before each, untimed, so that none pays for the writes of the one before):
#   floor     — examples/floor.rs: open every workbook, read every cell and merged region, on all
#               cores, nothing else
#   read      — jixiao convert --no-write (read + locate + extract + normalize + review + totals)
#   convert   — jixiao convert (everything: the review on, every output written and synced)
#   store     — jixiao convert --store (the same, the batch kept in a new store)
# and prints, per command, the median time and peak RSS, and per ratio (read/floor, convert/floor,
# store/convert) the median of the rounds' ratios with their min–max. Finally it checks the convert
# outputs against the totals the generator expects.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/bench.sh N [ROUNDS]}
runs=${2:-7}
dir=${BENCH_DIR:-/tmp/jixiao-bench-$n}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet --bin jixiao --example floor --example bulk
if [ ! -f "$dir/expected.json" ]; then
  ./target/release/examples/bulk "$n" "$dir" > /dev/null
fi
forms="$dir/forms"
jobs=$(nproc)

measure() { # name command... → appends "seconds rss_kb" to $out/name
  local name=$1; shift
  # Untimed: the writes of the command before (and the removal of its outputs) reach the disk
  # now, not in the background of this one — in 2026-12 that favoured whichever ran first by
  # up to 20 % on this 2-core machine.
  sync
  /usr/bin/time -f "%e %M" -o "$out/t" "$@" > /dev/null 2>&1
  cat "$out/t" >> "$out/$name"
}

for _ in $(seq "$runs"); do
  measure floor ./target/release/examples/floor "$forms"
  measure read ./target/release/jixiao convert -q --no-write -o "$out/o" "$forms"
  rm -rf "$out/o"
  measure convert ./target/release/jixiao convert -q -o "$out/o" "$forms"
  rm -rf "$out/s" "$out/store.sqlite"
  measure store ./target/release/jixiao convert -q -o "$out/s" --store "$out/store.sqlite" "$forms"
done
store_mb=$(du -m "$out/store.sqlite" | cut -f1)

python3 - "$out" "$n" "$runs" "$jobs" "$(find "$forms" -type f | wc -l)" "$store_mb" <<'PY'
import statistics, sys
out, n, runs, jobs, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
store_mb = sys.argv[6]
def load(name):
    return [tuple(map(float, line.split())) for line in open(f"{out}/{name}")]
rows = {name: load(name) for name in ["floor", "read", "convert", "store"]}
print(f"{n} target forms and the other kinds ({files} files), {runs} interleaved rounds, {jobs} cores:")
for name, r in rows.items():
    t = statistics.median(x[0] for x in r)
    rss = max(x[1] for x in r) / 1024
    print(f"  {name:8} median {t:7.3f} s  {n / t:7.0f} forms/s  peak RSS {rss:6.1f} MB")
for a, b in [("read", "floor"), ("convert", "floor"), ("store", "convert")]:
    ratios = [x[0] / y[0] for x, y in zip(rows[a], rows[b])]
    print(f"  {a}/{b:8} median {statistics.median(ratios):5.2f}x  (min {min(ratios):4.2f}, max {max(ratios):4.2f})")
print(f"  the store of one batch: {store_mb} MB")
PY

python3 - "$dir/expected.json" "$out/o" <<'PY'
import csv, json, sys
from decimal import Decimal
expected = json.load(open(sys.argv[1]))
got = {}
with open(f"{sys.argv[2]}/projects.csv", encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
h = rows[0]
dep, total, annual = h.index("主管部门"), h.index("项目资金总额（元）"), h.index("年度资金申请总额（元）")
for r in rows[1:]:
    g = got.setdefault(r[dep], [0, Decimal(0), Decimal(0)])
    g[0] += 1
    g[1] += Decimal(r[total] or 0) / 10000
    g[2] += Decimal(r[annual] or 0) / 10000
bad = []
for name, e in expected["departments"].items():
    g = got.get(name)
    want = [e["projects"], Decimal(e["total_wan"]), Decimal(e["annual_total_wan"])]
    if g != want:
        bad.append(f"{name}: expected {want}, converted {g}")
if len(got) != len(expected["departments"]) or len(rows) - 1 != expected["forms"]:
    bad.append(f"{len(rows) - 1} forms in {len(got)} departments; expected {expected['forms']} in {len(expected['departments'])}")
evaluations = 0
try:
    with open(f"{sys.argv[2]}/evaluations.csv", encoding="utf-8-sig", newline="") as f:
        evaluations = len(list(csv.reader(f))) - 1
except FileNotFoundError:
    pass
if evaluations != expected.get("evaluations", 0):
    bad.append(f"{evaluations} self-evaluations converted; expected {expected.get('evaluations', 0)}")
if bad:
    print("OUTPUTS DO NOT MATCH THE GENERATOR'S TOTALS:\n  " + "\n  ".join(bad[:10]))
    sys.exit(1)
print(f"outputs check: {expected['forms']} target forms, {evaluations} self-evaluations, {len(got)} departments, totals equal the generator's")
PY
