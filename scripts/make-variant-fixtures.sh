#!/usr/bin/env bash
# Makes tests/fixtures/variants/ (and field-corpus-3/flat-, department- and monitoring-variants/,
# see the end): the "all" variants of tests/variants.rs (each field-corpus-2 form moved,
# re-labelled and in 元) saved by LibreOffice as .xls and .ods, so the tests read forms
# written by other office software in those formats. Installs LibreOffice when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice > /dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui > /dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
JIXIAO_WRITE_VARIANTS="$work" cargo test --quiet --test tests variants::moved_relabelled > /dev/null
out=tests/fixtures/variants
mkdir -p "$out"
for xlsx in "$work"/v*-all.xlsx; do
  for format in xls ods; do
    soffice --headless --convert-to "$format" --outdir "$out" "$xlsx" > /dev/null 2>&1
  done
done
ls "$out"

# tests/fixtures/field-corpus-3/flat-variants/: the flat exports saved by LibreOffice as .xls and .ods.
flat=tests/fixtures/field-corpus-3/flat-variants
mkdir -p "$flat"
for xlsx in tests/fixtures/field-corpus-3/flat/*.xlsx; do
  for format in xls ods; do
    soffice --headless --convert-to "$format" --outdir "$flat" "$xlsx" > /dev/null 2>&1
  done
done
ls "$flat"

# tests/fixtures/field-corpus-3/department-variants/: two department-wide workbooks saved by
# LibreOffice as .xls and .ods.
departments=tests/fixtures/field-corpus-3/department-variants
mkdir -p "$departments"
for xlsx in tests/fixtures/field-corpus-3/departments/安康市汉滨区2025年部门整体绩效目标表.xlsx \
    tests/fixtures/field-corpus-3/departments/湛江市坡头区卫生健康局_2025年度部门整体预算绩效目标表.xlsx; do
  for format in xls ods; do
    soffice --headless --convert-to "$format" --outdir "$departments" "$xlsx" > /dev/null 2>&1
  done
done
ls "$departments"

# tests/fixtures/field-corpus-3/monitoring-variants/: the three monitoring workbooks (the form, the
# form with ticked columns, the import sheet) saved by LibreOffice as .xls and .ods.
monitoring=tests/fixtures/field-corpus-3/monitoring-variants
mkdir -p "$monitoring"
for xlsx in tests/fixtures/field-corpus-3/monitoring/*监控*.xlsx; do
  for format in xls ods; do
    soffice --headless --convert-to "$format" --outdir "$monitoring" "$xlsx" > /dev/null 2>&1
  done
done
ls "$monitoring"
