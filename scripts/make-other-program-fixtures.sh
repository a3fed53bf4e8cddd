#!/usr/bin/env bash
# Makes tests/fixtures/other-programs/: the bundled sample form as other programs write it —
# openpyxl, Python's xlsxwriter (shared strings used by many cells: count far above uniqueCount,
# as Excel writes them), LibreOffice (.xlsm with a macro sheet beside the form is made by the test
# itself), and saved with a password by LibreOffice (.xls, .ods) and msoffcrypto-tool (.xlsx).
# Installs LibreOffice, python3-uno, openpyxl, xlsxwriter and msoffcrypto-tool when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice > /dev/null || ! /usr/bin/python3 -c 'import uno' 2> /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui python3-uno > /dev/null
fi
python3 -c 'import openpyxl, xlsxwriter' 2> /dev/null || pip install -q openpyxl xlsxwriter
command -v msoffcrypto-tool > /dev/null || pip install -q msoffcrypto-tool
out=tests/fixtures/other-programs
sample=samples/残保金抚恤金专项.xlsx
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$sample" "$out" <<'PY'
import sys
import openpyxl
import xlsxwriter
from openpyxl.utils import get_column_letter

sample, out = sys.argv[1], sys.argv[2]
book = openpyxl.load_workbook(sample)
sheet = book.active

# openpyxl: the form as it loads it, saved again (its own shared strings, its merges).
book.save(f"{out}/openpyxl写的表.xlsx")

# xlsxwriter: the form cell by cell, then a list sheet of 2,000 rows that repeat a few words, so
# the shared-strings part says count="…" far above uniqueCount="…" as Excel's does.
workbook = xlsxwriter.Workbook(f"{out}/xlsxwriter写的表（重复字符串）.xlsx")
copy = workbook.add_worksheet(sheet.title)
for row in sheet.iter_rows():
    for cell in row:
        if cell.value is not None:
            copy.write(cell.row - 1, cell.column - 1, cell.value)
for merged in sheet.merged_cells.ranges:
    first = sheet.cell(merged.min_row, merged.min_col).value
    copy.merge_range(merged.min_row - 1, merged.min_col - 1, merged.max_row - 1,
                     merged.max_col - 1, first if first is not None else "")
listing = workbook.add_worksheet("清单")
for r in range(2000):
    for c, word in enumerate(["是", "否", "合格", "已完成"]):
        listing.write(r, c, word)
workbook.close()
PY

# LibreOffice, with a password (123456): .xls and .ods.
cat > "$work/save.py" <<'PY'
import sys, uno, time, subprocess, os
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

source, work = os.path.abspath(sys.argv[1]), sys.argv[2]
targets = sys.argv[3:]
office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
    f"-env:UserInstallation=file://{work}/profile",
    "--accept=socket,host=127.0.0.1,port=2002;urp;"])
try:
    context = uno.getComponentContext()
    resolver = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", context)
    for _ in range(120):
        try:
            remote = resolver.resolve(
                "uno:socket,host=127.0.0.1,port=2002;urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            (prop("Hidden", True),))
    for target in targets:
        filter_name = {"xls": "MS Excel 97", "ods": "calc8"}[target.rsplit(".", 1)[1]]
        document.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)),
                            (prop("FilterName", filter_name), prop("Password", "123456")))
    document.close(True)
finally:
    office.terminate()
    office.wait()
PY
/usr/bin/python3 "$work/save.py" "$sample" "$work" "$out/加密（密码123456，LibreOffice）.xls" \
  "$out/加密（密码123456，LibreOffice）.ods"

# msoffcrypto-tool: an encrypted .xlsx (agile encryption, as Excel 2010+ writes it).
msoffcrypto-tool -e -p 123456 "$sample" "$out/加密（密码123456，msoffcrypto）.xlsx"
ls -l "$out"
