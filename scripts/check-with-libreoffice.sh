#!/usr/bin/env bash
# Proves summary.xlsx opens and sums right in another office suite: converts the samples and the
# field corpora, zeroes every cached formula result, makes LibreOffice recalculate on load, and
# compares its figures with totals computed independently from the CSV files: 汇总 with
# projects.csv, (where the batch has self-evaluations) 自评汇总 with evaluations.csv, (where it has
# department-wide forms) 部门对账's 差额 with reconciliation.csv, and (where it has monitoring
# forms) 监控汇总 with monitoring.csv.
# With --render FILE it also renders the 汇总 sheet to a PNG (for the README).
# Installs LibreOffice (Debian packages) itself if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

render=""
if [ "${1:-}" = "--render" ]; then render="$2"; fi

if ! command -v soffice > /dev/null; then
  echo "installing LibreOffice (libreoffice-calc-nogui, fonts-noto-cjk)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq > /dev/null
  apt-get install -y -qq libreoffice-calc-nogui fonts-noto-cjk poppler-utils > /dev/null
fi
if [ -n "$render" ] && ! command -v pdftoppm > /dev/null; then
  apt-get install -y -qq poppler-utils > /dev/null
fi

cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A LibreOffice profile that recalculates every formula on load (never trusting cached values).
mkdir -p "$work/profile/user"
cat > "$work/profile/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
XCU

# Monitoring forms built to be behind schedule (and at risk), beside the corpus ones: 监控汇总
# counts them, 监控明细 marks them.
mkdir -p "$work/inputs/monitoring-behind"
cp tests/fixtures/field-corpus-3/monitoring/*监控*.xlsx "$work/inputs/monitoring-behind/"
python3 - "$work/inputs/monitoring-behind" <<'PY'
import glob, sys, zipfile, re
# The 吴泾镇 form with 30 of 86 spent (34.88%, far behind 7/12) and a reason left out.
src = glob.glob(f"{sys.argv[1]}/吴泾镇*.xlsx")[0]
with zipfile.ZipFile(src) as z:
    items = [(i, z.read(i.filename)) for i in z.infolist()]
with zipfile.ZipFile(f"{sys.argv[1]}/落后于序时进度.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for info, data in items:
        if info.filename.startswith("xl/worksheets/sheet"):
            data = re.sub(rb'(<c r="H[78]"[^>]*>)<v>52.3</v>', rb"\1<v>30</v>", data)
        if info.filename == "xl/sharedStrings.xml":
            data = data.replace("60.81%".encode(), "34.88%".encode())
            data = data.replace("社区公共空间微更新<".encode(), "社区公共空间微更新（二期）<".encode())
        z.writestr(info, data)
PY

# summary.xlsx of an output folder with every cached formula value zeroed (tampered.xlsx),
# recalculated by LibreOffice on load, each sheet saved as tampered-<sheet>.csv.
recalculate() {
  local out=$1
  python3 - "$out" <<'PY'
import sys, zipfile, re
out = sys.argv[1]
src = f"{out}/summary.xlsx"
with zipfile.ZipFile(src) as z:
    items = [(i, z.read(i.filename)) for i in z.infolist()]
with zipfile.ZipFile(f"{out}/tampered.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for info, data in items:
        if info.filename.startswith("xl/worksheets/sheet"):
            data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1<v>0</v>", data)
        z.writestr(info, data)
PY
  # Every sheet to its own CSV (tampered-<sheet>.csv; the last filter token -1 means all sheets).
  (cd "$out" && timeout 300 soffice -env:UserInstallation="file://$work/profile" --headless \
      --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
      tampered.xlsx > /dev/null 2>&1)
}

status=0
for input in samples tests/fixtures/field-corpus tests/fixtures/field-corpus-2 \
    tests/fixtures/field-corpus-3/departments tests/fixtures/field-corpus-3/monitoring \
    "$work/inputs/monitoring-behind"; do
  name=$(basename "$input")
  out="$work/$name"
  ./target/release/jixiao convert -q -o "$out" "$input"
  recalculate "$out"
  if ! python3 - "$out" "$name" <<'PY'
import csv, sys
from decimal import Decimal
out, name = sys.argv[1], sys.argv[2]
def rows(path, encoding):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))
expected = {}
projects = rows(f"{out}/projects.csv", "utf-8-sig")
header = projects[0]
cols = [header.index(c) for c in ["项目资金总额（元）", "其中财政资金（元）", "其他资金（元）", "年度资金申请总额（元）", "当年财政拨款（元）", "上年结转资金（元）"]]
for r in projects[1:]:
    # count, six sums, then forms passed / needing attention / sent back
    e = expected.setdefault(r[2], [0] + [Decimal(0)] * 6 + [0, 0, 0])
    e[0] += 1
    for i, c in enumerate(cols):
        e[i + 1] += Decimal(r[c] or "0") / 10000
# The review's conclusions per 主管部门: forms with a finding that sends them back or needs
# attention, from review.csv (one form = one 项目编号 in one file and sheet); the rest passed.
review = rows(f"{out}/review.csv", "utf-8-sig")
rh = review[0]
rid, rdep, rcon, rfile, rsheet = (rh.index(c) for c in ["项目编号", "主管部门", "结论", "来源文件", "工作表"])
forms = {}
for r in review[1:]:
    forms[(r[rid], r[rfile], r[rsheet])] = (r[rdep], r[rcon])
for dep, conclusion in forms.values():
    if conclusion in ("需关注", "退回修改"):
        expected[dep][8 if conclusion == "需关注" else 9] += 1
for e in expected.values():
    e[7] = e[0] - e[8] - e[9]
got = {}
for r in rows(f"{out}/tampered-汇总.csv", "utf-8")[1:]:
    if not r or not r[0] or r[0] == "合计":
        break
    got[r[0]] = ([int(float(r[1]))] + [Decimal(x.replace(",", "")) for x in r[2:8]]
                 + [int(float(x)) for x in r[8:11]])
bad = [k for k in expected if got.get(k) != expected[k]] + [k for k in got if k not in expected]
for k in bad:
    print(f"  {name}: {k}: LibreOffice {got.get(k)} ≠ projects.csv and review.csv {expected.get(k)}")
if bad:
    sys.exit(1)
print(f"{name}: LibreOffice recalculated {len(got)} 主管部门 rows; every count and sum equals projects.csv, the review's conclusions review.csv")
PY
  then status=1; fi
  if [ -f "$out/evaluations.csv" ] && ! python3 - "$out" "$name" <<'PY'
import csv, sys
from decimal import Decimal
out, name = sys.argv[1], sys.argv[2]
def rows(path, encoding):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))
evaluations = rows(f"{out}/evaluations.csv", "utf-8-sig")
h = evaluations[0]
dep, adj, exe, score, grade = (h.index(c) for c in ["主管部门", "全年预算数（元）", "全年执行数（元）", "总分", "等级"])
expected = {}
for r in evaluations[1:]:
    e = expected.setdefault(r[dep], {"n": 0, "adj": Decimal(0), "exe": Decimal(0), "scores": [], "grades": {}})
    e["n"] += 1
    e["adj"] += Decimal(r[adj] or "0") / 10000
    e["exe"] += Decimal(r[exe] or "0") / 10000
    if r[score]:
        e["scores"].append(Decimal(r[score]))
    e["grades"][r[grade]] = e["grades"].get(r[grade], 0) + 1
sheet = rows(f"{out}/tampered-自评汇总.csv", "utf-8")
grades = [g.replace("（个）", "") for g in sheet[0][6:]]
bad = []
for r in sheet[1:]:
    if not r or not r[0] or r[0] == "合计":
        break
    e = expected.get(r[0])
    if e is None:
        bad.append(f"{r[0]}: not in evaluations.csv")
        continue
    got_rate = Decimal(r[4].rstrip("%")) / 100 if r[4].endswith("%") else Decimal(r[4] or "0")
    want_rate = e["exe"] / e["adj"] if e["adj"] else Decimal(0)
    mean = sum(e["scores"]) / len(e["scores"]) if e["scores"] else None
    checks = [
        ("项目数", int(float(r[1])), e["n"]),
        ("全年预算数", Decimal(r[2].replace(",", "")), e["adj"]),
        ("全年执行数", Decimal(r[3].replace(",", "")), e["exe"]),
        ("执行率", round(got_rate, 4), round(want_rate, 4)),
        ("平均得分", Decimal(r[5].replace(",", "")) if r[5] else None, None if mean is None else round(mean, 2)),
    ] + [(g, int(float(r[6 + i])), e["grades"].get(g, 0)) for i, g in enumerate(grades)]
    for what, got, want in checks:
        if got != want:
            bad.append(f"{r[0]} {what}: LibreOffice {got} ≠ evaluations.csv {want}")
for b in bad:
    print(f"  {name}: {b}")
if bad:
    sys.exit(1)
print(f"{name}: LibreOffice recalculated 自评汇总 for {len(expected)} 主管部门; counts, sums, rates, mean scores and grades equal evaluations.csv")
PY
  then status=1; fi
  if [ -f "$out/reconciliation.csv" ] && ! python3 - "$out" "$name" <<'PY'
import csv, sys
from decimal import Decimal
out, name = sys.argv[1], sys.argv[2]
def rows(path, encoding):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))
want = {(r[0], r[1]): r for r in rows(f"{out}/reconciliation.csv", "utf-8-sig")[1:]}
got = rows(f"{out}/tampered-部门对账.csv", "utf-8")[1:]
amount = lambda x: Decimal(x.replace(",", "")) if x else None
bad = []
for r in got:
    if not r or not r[0]:
        continue
    w = want.get((r[0], r[1]))
    if w is None:
        bad.append(f"{r[0]} {r[1]}: not in reconciliation.csv")
        continue
    for col, what in [(2, "部门整体表项目支出"), (3, "项目表合计"), (5, "差额")]:
        if amount(r[col]) != amount(w[col]):
            bad.append(f"{r[0]} {what}: LibreOffice {r[col]} ≠ reconciliation.csv {w[col]}")
if len(got) != len(want):
    bad.append(f"部门对账 has {len(got)} rows, reconciliation.csv {len(want)}")
for b in bad:
    print(f"  {name}: {b}")
if bad:
    sys.exit(1)
print(f"{name}: LibreOffice recalculated 部门对账 for {len(want)} rows; every 差额 equals reconciliation.csv")
PY
  then status=1; fi
  if [ -f "$out/monitoring.csv" ] && ! python3 - "$out" "$name" <<'PY'
import csv, sys
from decimal import Decimal
out, name = sys.argv[1], sys.argv[2]
def rows(path, encoding):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))
monitoring = rows(f"{out}/monitoring.csv", "utf-8-sig")
h = monitoring[0]
dep, adj, exe, progress, behind, possible, impossible = (h.index(c) for c in [
    "主管部门", "全年预算数（元）", "执行数（元）", "序时进度", "落后于序时进度",
    "有可能完成的指标数", "完全不可能完成的指标数"])
expected = {}
for r in monitoring[1:]:
    e = expected.setdefault(r[dep], {"n": 0, "adj": Decimal(0), "exe": Decimal(0), "progress": [],
                                     "behind": 0, "possible": 0, "impossible": 0})
    e["n"] += 1
    e["adj"] += Decimal(r[adj] or "0") / 10000
    e["exe"] += Decimal(r[exe] or "0") / 10000
    if r[progress]:
        e["progress"].append(Decimal(r[progress]))
    e["behind"] += r[behind] == "是"
    e["possible"] += int(r[possible])
    e["impossible"] += int(r[impossible])
sheet = rows(f"{out}/tampered-监控汇总.csv", "utf-8")
percent = lambda x: Decimal(x.rstrip("%")) / 100 if x.endswith("%") else Decimal(x or "0")
bad, seen = [], 0
for r in sheet[1:]:
    if not r or not r[0] or r[0] == "合计":
        break
    seen += 1
    e = expected.get(r[0])
    if e is None:
        bad.append(f"{r[0]}: not in monitoring.csv")
        continue
    want_rate = e["exe"] / e["adj"] if e["adj"] else Decimal(0)
    want_progress = sum(e["progress"]) / len(e["progress"]) if e["progress"] else Decimal(0)
    checks = [
        ("项目数", int(float(r[1])), e["n"]),
        ("全年预算数", Decimal(r[2].replace(",", "")), e["adj"]),
        ("执行数", Decimal(r[3].replace(",", "")), e["exe"]),
        ("执行率", round(percent(r[4]), 4), round(want_rate, 4)),
        ("序时进度", round(percent(r[5]), 4), round(want_progress, 4)),
        ("落后于序时进度", int(float(r[6])), e["behind"]),
        ("有可能", int(float(r[7])), e["possible"]),
        ("完全不可能", int(float(r[8])), e["impossible"]),
    ]
    for what, got, want in checks:
        if got != want:
            bad.append(f"{r[0]} {what}: LibreOffice {got} ≠ monitoring.csv {want}")
if seen != len(expected):
    bad.append(f"监控汇总 has {seen} rows, monitoring.csv {len(expected)} 主管部门")
for b in bad:
    print(f"  {name}: {b}")
if bad:
    sys.exit(1)
behind = sum(e["behind"] for e in expected.values())
print(f"{name}: LibreOffice recalculated 监控汇总 for {len(expected)} 主管部门 ({behind} project(s) behind schedule); counts, sums, rates, 序时进度 and indicators at risk equal monitoring.csv")
PY
  then status=1; fi
done

# Year over year: the 吴泾镇 sample as 2023's, then as 2024's with its funds doubled, through a
# store; 年度对比's 资金变化 is a live formula (this year ÷ last year − 1).
yoy="$work/yoy"
mkdir -p "$yoy/2023" "$yoy/2024"
cp samples/吴泾镇_2023_绩效目标表.xlsx "$yoy/2023/"
python3 - samples/吴泾镇_2023_绩效目标表.xlsx "$yoy/2024/吴泾镇_2024_绩效目标表.xlsx" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    items = [(i, z.read(i.filename)) for i in z.infolist()]
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for info, data in items:
        if info.filename == "xl/sharedStrings.xml":
            data = data.replace("(2023年度)".encode(), "(2024年度)".encode())
        if info.filename == "xl/worksheets/sheet1.xml":
            data = re.sub(rb'(<c r="[CE][67]"[^>]*>)<v>112.5</v>', rb"\1<v>225</v>", data)
        z.writestr(info, data)
PY
./target/release/jixiao convert -q -o "$yoy/o1" --store "$yoy/s.sqlite" "$yoy/2023"
./target/release/jixiao convert -q -o "$yoy/o2" --store "$yoy/s.sqlite" "$yoy/2024"
recalculate "$yoy/o2"
if ! python3 - "$yoy/o2" <<'PY'
import csv, json, sys
from decimal import Decimal
out = sys.argv[1]
want = {}
for line in open(f"{out}/projects.jsonl", encoding="utf-8"):
    p = json.loads(line)
    last = p.get("last_year")
    if last and last.get("annual_total"):
        want[p["project_name"]] = Decimal(p["funds"]["annual_total"]) / Decimal(last["annual_total"]) - 1
with open(f"{out}/tampered-年度对比.csv", encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))[1:]
bad, seen = [], set()
for r in rows:
    if not r or not r[0]:
        continue
    got = Decimal(r[5].rstrip("%")) / 100 if r[5].endswith("%") else Decimal(r[5] or "0")
    if round(got, 4) != round(want.get(r[1], Decimal(-99)), 4):
        bad.append(f"{r[1]} {r[8]}: LibreOffice {r[5]} ≠ {want.get(r[1])}")
    seen.add(r[1])
if not seen or seen != set(want):
    bad.append(f"年度对比 projects {sorted(seen)} ≠ projects.jsonl {sorted(want)}")
for b in bad:
    print(f"  year over year: {b}")
if bad:
    sys.exit(1)
print(f"year over year: LibreOffice recalculated 年度对比 for {len(seen)} project(s) ({len(rows)} rows); every 资金变化 equals this year ÷ last year − 1 from projects.jsonl")
PY
then status=1; fi

# Blank forms keep their drop-down lists, validation and protection when LibreOffice opens and
# saves them again (what a department using LibreOffice or WPS sends back).
blank="$work/blank"
./target/release/jixiao forms --blank --year 2025 -o "$blank" 2> /dev/null
mkdir -p "$blank/saved"
for form in "$blank"/*.xlsx; do
  (cd "$blank/saved" && timeout 300 soffice -env:UserInstallation="file://$work/profile" --headless \
      --convert-to xlsx "$form" > /dev/null 2>&1)
done
if ! python3 - "$blank" <<'PY'
import glob, os, re, sys, zipfile
blank = sys.argv[1]
bad = []
for original in sorted(glob.glob(f"{blank}/*.xlsx")):
    name = os.path.basename(original)
    saved = f"{blank}/saved/{name}"
    if not os.path.exists(saved):
        bad.append(f"{name}: LibreOffice did not save it")
        continue
    with zipfile.ZipFile(saved) as z:
        sheets = sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml", n))
        sheet = z.read(sheets[0]).decode()
        book = z.read("xl/workbook.xml").decode()
    lists = len(re.findall(r'<dataValidation [^>]*type="list"', sheet))
    checks = {
        "drop-down lists": lists >= 3,
        "二级指标 by INDIRECT": "INDIRECT(" in sheet,
        "amounts as numbers": 'type="decimal"' in sheet or "sd2020" in name,
        "sheet protection": "<sheetProtection" in sheet,
        "the 一级指标 name": "一级指标" in book,
        "input messages": "promptTitle=" in sheet or "prompt=" in sheet,
    }
    for what, ok in checks.items():
        if not ok:
            bad.append(f"{name}: {what} lost")
for b in bad:
    print(f"  blank forms: {b}")
if bad:
    sys.exit(1)
print(f"blank forms: LibreOffice keeps the drop-down lists, INDIRECT 二级指标, number validation, input messages and protection of all {len(glob.glob(blank + '/*.xlsx'))} layouts")
PY
then status=1; fi

if [ -n "$render" ]; then
  out="$work/samples"
  (cd "$out" && timeout 300 soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf summary.xlsx > /dev/null 2>&1)
  # The top of the first page at 110 dpi: the 汇总 table and its chart.
  size=$(pdftoppm -r 110 -f 1 -l 1 -png "$out/summary.pdf" "$out/page" && file "$out"/page*.png)
  width=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\1/')
  height=$(echo "$size" | sed -E 's/.* ([0-9]+) x ([0-9]+).*/\2/')
  pdftoppm -r 110 -f 1 -l 1 -png -singlefile -x 60 -y 70 -W $((width - 120)) \
    -H $((height * 44 / 100 - 70)) "$out/summary.pdf" "${render%.png}"
  echo "rendered $render"
fi
exit $status
