#!/usr/bin/env bash
# Drives the real page of `jixiao serve` in headless Chromium (through chromedriver, W3C WebDriver):
#   1. picks the field corpus with the file picker, with GB18030 and 万元 chosen for the CSV files;
#   2. drops the samples on the drop zone (a real drop event carrying the files);
#   3. waits for each batch's table, checks the totals shown against projects.csv of a `jixiao
#      convert` run on the same files, and that the two batches did not mix;
#   4. downloads summary.xlsx (and projects.csv, and the zip of everything) by clicking the page's
#      links, and compares them byte for byte with the CLI's outputs;
#   5. reloads the page: both batches are still there, their totals and downloads as before;
#   6. picks a sample and a file over the size limit: the refusal is shown with its reason and is
#      in the downloaded manifest.csv;
#   7. stops the server, starts a new one on the same store and checks that the page lists every
#      batch, with the records of each as `jixiao history` has them;
#   8. stops that server too: the page's next action shows the one line (与本机服务的连接已中断…).
# With --screenshot FILE it also saves the page after the batches (for the README).
# Installs Chromium and chromedriver (Debian packages) itself if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

shot=""
if [ "${1:-}" = "--screenshot" ]; then shot="$(realpath -m "$2")"; fi

if ! command -v chromium > /dev/null || ! command -v chromedriver > /dev/null; then
  echo "installing Chromium (chromium, chromium-driver, fonts-noto-cjk)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq > /dev/null
  apt-get install -y -qq chromium chromium-driver fonts-noto-cjk > /dev/null
fi

cargo build --release --quiet
root=$(pwd)
work=$(mktemp -d)
server=""
driver=""
cleanup() {
  [ -n "$server" ] && kill -INT "$server" 2> /dev/null && wait "$server" 2> /dev/null || true
  [ -s "$work/server2.pid" ] && kill -INT "$(cat "$work/server2.pid")" 2> /dev/null || true
  [ -n "$driver" ] && kill "$driver" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The CLI's outputs on the same files, named as the page names them (a picked or dropped file
# is its own name; the byte order of names is the order a folder walk gives).
mkdir -p "$work/corpus" "$work/tmp" "$work/downloads"
cp tests/fixtures/field-corpus/* "$work/corpus/"
(cd "$work/corpus" && LC_ALL=C && "$root/target/release/jixiao" convert -q -o "$work/cli-corpus" \
  --csv-encoding gb18030 --csv-unit wan -- *)
(cd samples && LC_ALL=C && "$root/target/release/jixiao" convert -q -o "$work/cli-samples" -- *.xlsx)

head -c 4000000 /dev/urandom > "$work/太大的表.xlsx"
TMPDIR="$work/tmp" ./target/release/jixiao serve --no-open --store "$work/store.sqlite" --max-file-size 3MB \
  > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
url=$(head -n 1 "$work/serve.out")
[ -n "$url" ] || { echo "jixiao serve printed no address"; cat "$work/serve.err"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LC_ALL=C.UTF-8 chromedriver --port="$port" > "$work/driver.log" 2>&1 &
driver=$!
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:$port/status" 2> /dev/null | grep -q '"ready": *true' && break
  sleep 0.1
done

python3 - "http://127.0.0.1:$port" "$url" "$work" "$root/samples" "$shot" "$server" "$root/target/release/jixiao" <<'PY'
import base64, csv, io, json, os, signal, subprocess, sys, time, urllib.error, urllib.request, zipfile
from decimal import Decimal

driver, url, work, samples, shot, server_pid, jixiao = sys.argv[1:]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
downloads = os.path.join(work, "downloads")

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(driver + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())["value"]
    except urllib.error.HTTPError as error:
        sys.exit(f"WebDriver {method} {path}: {error.read().decode(errors='replace')}")

options = {
    "binary": "/usr/bin/chromium",
    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--no-first-run", "--lang=zh-CN",
             "--window-size=1280,1500", "--force-device-scale-factor=1"],
    "prefs": {"download.default_directory": downloads, "download.prompt_for_download": False,
              "download.directory_upgrade": True, "safebrowsing.enabled": False},
}
session = call("POST", "/session", {"capabilities": {"alwaysMatch": {
    "browserName": "chrome", "goog:chromeOptions": options}}})["sessionId"]
s = f"/session/{session}"
failures = []

def screenshot(path):
    png = base64.b64decode(call("GET", f"{s}/screenshot"))
    with open(path, "wb") as f:
        f.write(png)
    print(f"screenshot: {path}")

def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL:", message)

def run(script, *args):
    return call("POST", f"{s}/execute/sync", {"script": script, "args": list(args)})

def find(css):
    found = call("POST", f"{s}/element", {"using": "css selector", "value": css})
    if ELEMENT not in found:
        sys.exit(f"no element {css}: {found}; page: {run('return document.body.innerText;')[:500]}")
    return found[ELEMENT]

def send_files(css, paths):
    call("POST", f"{s}/element/{find(css)}/value", {"text": "\n".join(paths)})

def wait_batches(count, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        states = run("return Array.from(document.querySelectorAll('section.batch'))"
                     ".map(b => b.getAttribute('data-state'));")
        if "failed" in states:
            text = run("return document.querySelector('section.batch[data-state=failed]').innerText;")
            sys.exit(f"a batch failed on the page: {text}")
        if len(states) >= count and all(st == "done" for st in states):
            # Each batch once: no section drawn twice (the page once redrew every batch at each end).
            time.sleep(0.5)
            ids = run("return Array.from(document.querySelectorAll('section.batch'))"
                      ".map(b => b.getAttribute('data-batch'));")
            check(len(ids) == count and len(set(ids)) == count,
                  f"{count} batch(es) on the page, each once: {ids}")
            return
        time.sleep(0.2)
    sys.exit(f"the page never finished: {states}")

def shown(section_index):
    """The 汇总 table of a batch (0 = the newest, at the top) as the page shows it."""
    return run("""
        const section = document.querySelectorAll('section.batch')[arguments[0]];
        const table = section.querySelector('table.summary');
        return {
          id: section.getAttribute('data-batch'),
          headers: Array.from(table.querySelectorAll('th')).map(th => th.textContent),
          total: Array.from(table.querySelector('tr.total').querySelectorAll('td')).map(td => td.textContent),
          rows: table.querySelectorAll('tbody tr').length,
          problems: section.querySelectorAll('table.problems tbody tr').length,
          links: Array.from(section.querySelectorAll('a.download')).map(a => a.dataset.name),
        };""", section_index)

def expected_totals(cli, encoding, unit_divisor):
    """Project count and fund totals (万元, two decimals) from the CLI's projects.csv."""
    with open(os.path.join(cli, "projects.csv"), encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    def column(prefix):
        return next(i for i, h in enumerate(header) if h.startswith(prefix))
    total = sum((Decimal(r[column("项目资金总额")] or "0") for r in rows[1:]), Decimal(0))
    annual = sum((Decimal(r[column("年度资金申请总额")] or "0") for r in rows[1:]), Decimal(0))
    as_wan = lambda d: f"{(d / unit_divisor).quantize(Decimal('0.01'))}"
    return len(rows) - 1, as_wan(total), as_wan(annual)

def check_totals(table, cli, encoding, unit_divisor, what):
    count, total, annual = expected_totals(cli, encoding, unit_divisor)
    h = table["headers"]
    t = table["total"]
    check(t[0] == "合计", f"{what}: the last row is 合计: {t}")
    check(t[h.index("项目数")] == str(count), f"{what}: 项目数 {t[h.index('项目数')]} ≠ {count}")
    check(t[h.index("项目资金总额（万元）")] == total,
          f"{what}: 项目资金总额 {t[h.index('项目资金总额（万元）')]} ≠ {total}")
    check(t[h.index("年度资金申请总额（万元）")] == annual,
          f"{what}: 年度资金申请总额 {t[h.index('年度资金申请总额（万元）')]} ≠ {annual}")

def download(section_index, css, name, timeout=60):
    """Clicks a link of a batch and waits for the browser to save `name`."""
    target = os.path.join(downloads, name)
    if os.path.exists(target):
        os.remove(target)
    element = call("POST", f"{s}/execute/sync", {"script":
        "return document.querySelectorAll('section.batch')[arguments[0]].querySelector(arguments[1]);",
        "args": [section_index, css]})[ELEMENT]
    call("POST", f"{s}/element/{element}/click", {})
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(target) and not any(f.endswith(".crdownload") for f in os.listdir(downloads)):
            with open(target, "rb") as f:
                return f.read()
        time.sleep(0.2)
    sys.exit(f"{name} was never downloaded (in {downloads}: {os.listdir(downloads)})")

def same_file(data, path, what):
    with open(path, "rb") as f:
        check(data == f.read(), f"{what}: the download differs from the CLI's {os.path.basename(path)}")

try:
    call("POST", f"{s}/url", {"url": url})
    check(run("return document.title;") == "jixiao 绩效表格汇总", "the page has its title")

    # 1. The field corpus with the file picker, CSV options chosen in the form.
    run("""for (const [id, value] of [['encoding', 'gb18030'], ['unit', 'wan']]) {
             const select = document.getElementById(id);
             select.value = value;
             select.dispatchEvent(new Event('change'));
           }""")
    corpus = sorted(os.path.join(work, "corpus", n) for n in os.listdir(os.path.join(work, "corpus")))
    send_files("#files", corpus)
    wait_batches(1)

    # 2. The samples dropped on the drop zone, with the options back at their defaults.
    run("""document.getElementById('encoding').value = 'utf-8-bom';
           document.getElementById('unit').value = 'yuan';
           const probe = document.createElement('input');
           probe.type = 'file'; probe.multiple = true; probe.id = 'probe';
           document.body.append(probe);""")
    send_files("#probe", sorted(os.path.join(samples, n) for n in os.listdir(samples)))
    run("""const transfer = new DataTransfer();
           for (const file of document.getElementById('probe').files) transfer.items.add(file);
           const zone = document.getElementById('drop');
           zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
           zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
           document.getElementById('probe').remove();""")
    wait_batches(2)

    # 3. The totals shown, batch by batch (the newest is on top).
    samples_table, corpus_table = shown(0), shown(1)
    check(samples_table["id"] != corpus_table["id"], "two batches, two ids")
    check_totals(samples_table, os.path.join(work, "cli-samples"), "utf-8-sig", Decimal(10000), "samples")
    check_totals(corpus_table, os.path.join(work, "cli-corpus"), "gb18030", Decimal(1), "field corpus")
    check(corpus_table["problems"] > 0, "the field corpus batch lists its problems")
    line = run("return document.querySelectorAll('section.batch')[1].innerText;")
    check("损坏文件" in line, "the broken file is named on the page")
    folded = run("const d = document.querySelectorAll('section.batch')[1].querySelector('details.details');"
                 "return d ? [d.open, d.querySelector('summary').textContent] : null;")
    check(folded is not None and folded[0] is False and "详情" in folded[1],
          f"the library's own words are folded away under 详情: {folded}")

    # 4. Downloads by clicking the page's links: the CLI's files, byte for byte.
    for name in ["summary.xlsx", "projects.csv"]:
        data = download(0, f'a.download[data-name="{name}"]', name)
        same_file(data, os.path.join(work, "cli-samples", name), f"samples {name}")
    data = download(1, 'a.download[data-name="projects.csv"]', "projects.csv")
    same_file(data, os.path.join(work, "cli-corpus", "projects.csv"), "field corpus projects.csv (GB18030, 万元)")
    data = download(0, "a.all", "jixiao-结果.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        check(names == sorted(samples_table["links"]), f"the zip holds every output: {names}")
        for name in names:
            same_file(archive.read(name), os.path.join(work, "cli-samples", name), f"zipped {name}")

    if shot:
        run("window.scrollTo(0, 0);")
        height = run("return document.documentElement.scrollHeight;")
        call("POST", f"{s}/window/rect", {"width": 1280, "height": min(max(height, 900), 1700)})
        time.sleep(0.5)
        screenshot(shot)
    # 5. A reload keeps this run's batches, with their totals and outputs.
    call("POST", f"{s}/url", {"url": url})
    deadline = time.time() + 30
    while time.time() < deadline and run("return document.querySelectorAll('section.batch[data-state=done]').length;") < 2:
        time.sleep(0.2)
    reloaded_samples, reloaded_corpus = shown(0), shown(1)
    check(reloaded_samples == samples_table and reloaded_corpus == corpus_table,
          "after a reload the page shows both batches as before")
    # (step 1 chose GB18030 and 万元 in the form; step 2 set the defaults back by script only)
    check(run("return [document.getElementById('encoding').value, document.getElementById('unit').value];")
          == ["gb18030", "wan"], "the CSV choices the clerk made are remembered")
    data = download(0, 'a.download[data-name="projects.csv"]', "projects.csv")
    same_file(data, os.path.join(work, "cli-samples", "projects.csv"), "samples projects.csv after a reload")

    # 6. A file over the size limit: shown with its reason, and in the manifest.
    send_files("#files", [os.path.join(samples, sorted(os.listdir(samples))[0]), os.path.join(work, "太大的表.xlsx")])
    wait_batches(3)
    text = run("return document.querySelectorAll('section.batch')[0].innerText;")
    check("太大的表.xlsx" in text and "上限" in text and "--max" not in text,
          f"the refused file is shown with its reason, without a command-line flag: {text[:300]}")
    if shot:
        run("window.scrollTo(0, 0);")
        screenshot(shot.replace(".png", "-refused.png"))
    manifest = download(0, 'a.download[data-name="manifest.csv"]', "manifest.csv").decode("gb18030")
    row = next((line for line in manifest.splitlines() if "太大的表.xlsx" in line), "")
    check("rejected" in row and "上限" in row, f"the refused file is in manifest.csv: {row!r}")

    # 7. A restart on the same store: every batch listed, each with its records.
    def history_rows(timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = run("return Array.from(document.querySelectorAll('#history tr[data-stored-batch]'))"
                       ".map(r => r.getAttribute('data-stored-batch'));")
            if rows:
                return rows
            time.sleep(0.2)
        return []
    check(history_rows() == ["3", "2", "1"], "before the restart the page lists the stored batches, newest first")
    os.kill(int(server_pid), signal.SIGINT)
    env = dict(os.environ, TMPDIR=os.path.join(work, "tmp"))
    second = subprocess.Popen([jixiao, "serve", "--no-open", "--store", os.path.join(work, "store.sqlite")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    with open(os.path.join(work, "server2.pid"), "w") as f:
        f.write(str(second.pid))
    call("POST", f"{s}/url", {"url": second.stdout.readline().strip()})
    check(run("return document.querySelectorAll('section.batch').length;") == 0, "a new server: no batch of this run")
    rows = history_rows()
    check(rows == ["3", "2", "1"], f"after the restart the page lists the stored batches: {rows}")
    history = json.loads(subprocess.run([jixiao, "history", "--json", "--store", os.path.join(work, "store.sqlite"), ""],
                                        capture_output=True, text=True).stdout or "[]")
    for batch in ["2", "1"]:
        run("document.querySelector(`button[data-stored='${arguments[0]}']`).click();", batch)
        deadline = time.time() + 30
        shown_records = None
        while time.time() < deadline and shown_records is None:
            shown_records = run("""const row = document.querySelector(`tr[data-stored-batch='${arguments[0]}']`).nextElementSibling;
                                   const t = row.querySelector('table.stored-records');
                                   return t ? Array.from(t.querySelectorAll(':scope > tbody > tr')).map(r => r.children[2].textContent) : null;""", batch)
            time.sleep(0.2)
        expected = sorted(r["project_name"] for r in history if str(r["batch"]) == batch)
        check(shown_records is not None and sorted(shown_records) == expected,
              f"stored batch {batch}: the page shows the records jixiao history has ({len(expected)}): {shown_records}")
    second.send_signal(signal.SIGINT)
    second.wait(timeout=20)

    # 8. The server gone: the next action shows one line and a retry, nothing else.
    send_files("#files", [os.path.join(samples, sorted(os.listdir(samples))[0])])
    deadline = time.time() + 20
    while time.time() < deadline and not run("return document.getElementById('lost').classList.contains('shown');"):
        time.sleep(0.2)
    text = run("return document.body.innerText;")
    check("与本机服务的连接已中断" in text and "Failed to fetch" not in text,
          f"a lost server gives one line: {text[:300]}")
    if shot:
        run("window.scrollTo(0, 0);")
        screenshot(shot.replace(".png", "-lost.png"))

finally:
    call("DELETE", s)

if failures:
    sys.exit(f"{len(failures)} check(s) failed in the browser")
print("browser check: the page converted, showed and downloaded what the CLI writes")
PY
