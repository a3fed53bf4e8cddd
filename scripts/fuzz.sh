#!/usr/bin/env bash
# Fuzzes the per-file entry point (fuzz/fuzz_targets/read_workbook.rs) for MINUTES minutes
# (default 30), seeded with both field corpora (every template family, self-evaluations included),
# their .xls/.ods variants, the samples and every earlier finding.
#
# Only the stable toolchain is needed: the target is built without a sanitizer (-s none), which
# keeps libFuzzer's coverage guidance and its crash, hang and out-of-memory detection. A finding is
# written to fuzz/artifacts/read_workbook/; copy it to tests/fixtures/fuzz/ (named after what
# broke) so tests/fuzz_regressions.rs reads it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz
corpus=fuzz/corpus/read_workbook
mkdir -p "$corpus"
cp tests/fixtures/field-corpus/*.xlsx tests/fixtures/field-corpus/*.xls tests/fixtures/field-corpus/*.ods \
   tests/fixtures/field-corpus-2/*.xlsx tests/fixtures/field-corpus-2/*.xls \
   tests/fixtures/variants/*.xls tests/fixtures/variants/*.ods samples/*.xlsx "$corpus"/
find tests/fixtures/fuzz -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
cargo fuzz run -s none read_workbook "$corpus" -- \
  -max_total_time=$((minutes * 60)) -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
