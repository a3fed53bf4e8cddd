#!/usr/bin/env bash
# Fuzzes for about MINUTES minutes (default 30): two thirds of the time the per-file entry point
# (fuzz/fuzz_targets/read_workbook.rs), seeded with both field corpora (every template family,
# self-evaluations included), their .xls/.ods variants, the samples and every earlier finding;
# one third the fast .xlsx reader against calamine (fuzz/fuzz_targets/xlsx_fast.rs), seeded with
# the sheet, shared-strings, styles and workbook parts of every .xlsx the tests hold; a tenth more
# jixiao serve's request path (fuzz/fuzz_targets/serve_request.rs); and a twentieth more how a
# record is read back from a store (fuzz/fuzz_targets/store_record.rs), seeded with the records of
# the stores the tests hold (zlib and text) and of a new one (LZ4).
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
for seeds in tests/fixtures/field-corpus tests/fixtures/field-corpus-2 tests/fixtures/variants \
    tests/fixtures/field-corpus-3/departments tests/fixtures/field-corpus-3/flat \
    tests/fixtures/field-corpus-3/monitoring tests/fixtures/field-corpus-3/monitoring-variants \
    tests/fixtures/other-programs samples; do
  find "$seeds" -maxdepth 1 -type f \( -name '*.xlsx' -o -name '*.xls' -o -name '*.ods' \) \
    -exec cp -f {} "$corpus"/ \;
done
find tests/fixtures/fuzz -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
cargo fuzz run -s none read_workbook "$corpus" -- \
  -max_total_time=$((minutes * 40)) -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1

# The xlsx_fast seeds: a selector byte (0 sheet, 1 shared strings, 2 styles, 3 workbook) and a part.
fast=fuzz/corpus/xlsx_fast
mkdir -p "$fast"
python3 - "$fast" <<'PY'
import hashlib, pathlib, sys, zipfile
out = pathlib.Path(sys.argv[1])
parts = ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml"]
for path in sorted(pathlib.Path("tests/fixtures").rglob("*.xlsx")) + sorted(pathlib.Path("samples").glob("*.xlsx")):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        continue
    for selector, name in enumerate(parts):
        try:
            data = bytes([selector]) + archive.read(name)
        except (KeyError, zipfile.BadZipFile, OSError):
            continue
        if len(data) <= 65536:
            (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
PY
cargo fuzz run -s none xlsx_fast "$fast" -- \
  -max_total_time=$((minutes * 20)) -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1

# jixiao serve's request path (head parsing and checks, token, Host, Origin, upload names),
# seeded with requests the page sends and hostile ones.
requests=fuzz/corpus/serve_request
mkdir -p "$requests"
printf 'GET /0123456789abcdef0123456789abcdef/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n' > "$requests/page"
printf 'PUT /0123456789abcdef0123456789abcdef/batches/1-abc/files?path=%%E6%%8A%%A5%%E9%%80%%81%%2Fa.xlsx HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: http://127.0.0.1:8080\r\nContent-Length: 10\r\n\r\n' > "$requests/upload"
printf 'PUT /nope/x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 18446744073709551615\r\n\r\n' > "$requests/huge"
printf 'PUT /0123456789abcdef0123456789abcdef/batches/1/files?path=..%%2F..%%2Fetc%%2Fpasswd HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n' > "$requests/traversal"
cargo fuzz run -s none serve_request "$requests" -- \
  -max_total_time=$((minutes * 6)) -max_len=4096 -timeout=5 -print_final_stats=1

# A record read back from a store: the records of the fixture stores (text, zlib) and of a store
# this jixiao writes (LZ4 frames).
records=fuzz/corpus/store_record
mkdir -p "$records"
cargo run --quiet --release -- convert -q -o "$records.out" --store "$records.sqlite" \
  tests/fixtures/field-corpus-3/monitoring > /dev/null || true
python3 - "$records" tests/fixtures/store/*.sqlite "$records.sqlite" <<'PY'
import hashlib, pathlib, sqlite3, sys
out = pathlib.Path(sys.argv[1])
for store in sys.argv[2:]:
    for (record,) in sqlite3.connect(store).execute("SELECT record FROM records"):
        data = record.encode() if isinstance(record, str) else record
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
PY
rm -rf "$records.out" "$records.sqlite"
cargo fuzz run -s none store_record "$records" -- \
  -max_total_time=$((minutes * 3)) -max_len=65536 -timeout=5 -print_final_stats=1
