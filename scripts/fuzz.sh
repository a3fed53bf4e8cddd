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
# One copy per source (the field corpus and the samples share file names).
for seeds in tests/fixtures/field-corpus tests/fixtures/field-corpus-2 tests/fixtures/variants samples; do
  find "$seeds" -maxdepth 1 -type f \( -name '*.xlsx' -o -name '*.xls' -o -name '*.ods' \) \
    -exec cp -f {} "$corpus"/ \;
done
find tests/fixtures/fuzz -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
cargo fuzz run -s none read_workbook "$corpus" -- \
  -max_total_time=$((minutes * 60)) -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
