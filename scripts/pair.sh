#!/usr/bin/env bash
# Compares two builds (or two ways of running one) by alternating them: the only measurement that
# shows a 5 % change on this 2-core machine, whose speed drifts by a third within the hour.
#
#   scripts/pair.sh [-n PAIRS] A B -- ARGS...
#
# Runs `A ARGS` and `B ARGS` one after the other PAIRS times (default 8) in the order A B, then
# PAIRS times in the order B A, each run with an untimed `sync` before it (so that none pays for
# the writes of the one before) and its outputs removed after it. `{out}` in ARGS becomes a new
# path for each run (an output folder, or a store with `--store {out}.sqlite`). Prints, for each
# order, the medians of the pairs' wall and CPU (user + system) ratios B/A with their min–max, and
# the two orders' geometric mean, in which a bias towards the first or the second run cancels.
#
#   scripts/pair.sh /tmp/jixiao-before target/release/jixiao -- \
#       convert -q -o {out} /tmp/jixiao-bench-6000/forms
set -euo pipefail
pairs=8
if [ "${1:-}" = "-n" ]; then
  pairs=$2
  shift 2
fi
a=${1:?usage: scripts/pair.sh [-n PAIRS] A B -- ARGS...}
b=${2:?usage: scripts/pair.sh [-n PAIRS] A B -- ARGS...}
shift 2
[ "${1:-}" = "--" ] && shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # program order-file → appends "wall cpu" to $work/order-file
  local program=$1 file=$2 args=() arg
  for arg in "${@:3}"; do
    args+=("${arg//\{out\}/$work/out}")
  done
  sync
  /usr/bin/time -f "%e %U %S" -o "$work/t" "$program" "${args[@]}" > /dev/null 2>&1 || {
    echo "failed: $program ${args[*]}" >&2
    exit 1
  }
  awk '{ print $1, $2 + $3 }' "$work/t" >> "$work/$file"
  rm -rf "$work"/out*
}

for _ in $(seq "$pairs"); do
  run "$a" ab.a "$@"
  run "$b" ab.b "$@"
done
for _ in $(seq "$pairs"); do
  run "$b" ba.b "$@"
  run "$a" ba.a "$@"
done

python3 - "$work" "$pairs" <<'PY'
import math, statistics, sys
work, pairs = sys.argv[1], sys.argv[2]
def load(name):
    return [tuple(map(float, line.split())) for line in open(f"{work}/{name}")]
medians = {}
for order in ("ab", "ba"):
    a, b = load(f"{order}.a"), load(f"{order}.b")
    for i, what in ((0, "wall"), (1, "cpu")):
        ratios = [y[i] / x[i] for x, y in zip(a, b) if x[i] > 0]
        if not ratios:
            sys.exit("the runs are too short to time: give them more work")
        medians[order, what] = statistics.median(ratios)
        print(f"order {order.upper()}, {pairs} pairs: B/A {what:4} median {medians[order, what]:.3f}"
              f"  (min {min(ratios):.2f}, max {max(ratios):.2f}); A median {statistics.median(x[i] for x in a):.3f} s")
for what in ("wall", "cpu"):
    mean = math.sqrt(medians["ab", what] * medians["ba", what])
    print(f"both orders: B/A {what} {mean:.3f}")
PY
