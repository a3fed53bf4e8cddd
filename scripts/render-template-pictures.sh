#!/usr/bin/env bash
# Renders the header of each built-in layout, from an example form of it, to docs/templates/ID.png
# (the pictures in the README's list of templates): LibreOffice prints the example to PDF and
# pdftoppm crops the top of its first page. Installs LibreOffice and poppler when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice > /dev/null || ! command -v pdftoppm > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui fonts-noto-cjk poppler-utils > /dev/null
fi
corpus=tests/fixtures/field-corpus-2
examples=(
  "sh2023 samples/残保金抚恤金专项.xlsx"
  "sd2020 samples/济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目.xlsx"
  "c2015 $corpus/中国科学院_天文数据中心_2024绩效目标申报表.xlsx"
  "gx2021 $corpus/柳州市城中区住房和城乡建设局_城区市政道路日常养护_2023绩效目标申报表.xlsx"
  "sc2023 $corpus/成都市水务局_中心城区污水管网维护_2023项目支出绩效目标表.xlsx"
  "zp2020 $corpus/池州市贵池区水利局_农村饮水安全巩固提升工程_2022年度绩效自评表.xlsx"
  "sc2023zp $corpus/成都市卫生健康委员会_基层医疗卫生机构能力提升_部门预算项目支出绩效自评表.xlsx"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/templates
for entry in "${examples[@]}"; do
  id=${entry%% *}
  file=${entry#* }
  cp "$file" "$work/$id.xlsx"
  (cd "$work" && timeout 120 soffice --headless --convert-to pdf "$id.xlsx" > /dev/null 2>&1)
  # The page at 80 dpi; the form's title, identity, funds and the head of its indicator table.
  size=$(pdftoppm -r 80 -f 1 -l 1 -png "$work/$id.pdf" "$work/full" && file "$work"/full*.png)
  width=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\1/')
  height=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\2/')
  pdftoppm -r 80 -f 1 -l 1 -png -singlefile -x 40 -y 60 -W $((width - 80)) -H $((height * 55 / 100)) \
    "$work/$id.pdf" "docs/templates/$id"
  rm -f "$work"/full*.png
  echo "docs/templates/$id.png"
done

# A blank form (sh2023) and a form written by `jixiao forms` as printed (the 财政部 layout), whole
# first pages: docs/forms/blank-sh2023.png and docs/forms/printed-c2015.png.
cargo build --release --quiet
mkdir -p docs/forms
./target/release/jixiao forms --blank --template sh2023 --year 2025 -o "$work/blank" 2> /dev/null
./target/release/jixiao forms tests/fixtures/field-corpus-2/江北区教育局_学生营养改善计划_2024绩效目标申报表.xlsx \
  -o "$work/printed" 2> /dev/null
cp "$work"/blank/*.xlsx "$work/blank-sh2023.xlsx"
cp "$work"/printed/*.xlsx "$work/printed-c2015.xlsx"
for name in blank-sh2023 printed-c2015; do
  (cd "$work" && timeout 120 soffice --headless --convert-to pdf "$name.xlsx" > /dev/null 2>&1)
  size=$(pdftoppm -r 70 -f 1 -l 1 -png "$work/$name.pdf" "$work/page" && file "$work"/page*.png)
  width=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\1/')
  height=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\2/')
  pdftoppm -r 70 -f 1 -l 1 -png -singlefile -x 20 -y 30 -W $((width - 40)) -H $((height * 50 / 100)) \
    "$work/$name.pdf" "docs/forms/$name"
  rm -f "$work"/page*.png
  echo "docs/forms/$name.png"
done
