#!/usr/bin/env python3
"""make compare-peers: the core and the capstone against other EDIFACT parsers, in one run.

Generates one interchange (`edi gen --size $PEERS_BYTES --seed 1`, default 200M) into
build/peers/, warms the page cache, then runs every parser on it PEERS_RUNS times (default 3),
interleaved (one run of each, then the next round), and reports the medians:

  floor            read(2) + memchr over the file: not a parser, the speed limit
  core tokenizer   `edi stats` (tokenize, count segments, elements, components, messages)
  core parse       `edi_parse`: every segment parsed into the owning model
  capstone         the lesson 07 reference pipeline (validation, totals, deduplication, partner
                   lookups) with its default workers, one per core beside the reader thread
  npm edifact      node-edifact's event parser, validation off
  npm ts-edifact   ts-edifact's event parser, validation off

For each: whole-process time (spawn to exit, Node's start-up included), parse-only time (what
the program measures around its parsing), throughput, and peak RSS (GNU time's %M). The
counts of segments, elements and components must agree between the core and the npm parsers;
a disagreement is printed and makes the run fail. The npm packages are installed into
build/peers/ with the machine's npm; without Node.js or npm those rows are skipped, saying so.
Writes build/peers/report.md and build/peers/report.json.
"""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style, load_manifest, run  # noqa: E402

OUT = ROOT / "build" / "peers"
GNU_TIME = "/usr/bin/time"
BUILD = ROOT / "build" / "default"
S = Style()
CAPSTONE = "capstone pipeline (lesson 07)"


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


def measure(cmd, env=None):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS in KiB, stdout, exit status, stderr).

    The peak RSS comes from GNU time (%M), not from this script's wait4: Linux carries a forked
    child's memory high-water mark across exec, so a child of this Python process would report
    Python's own resident size. GNU time is a small process, so what it reports is the program's.
    """
    start = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "%M", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    err = proc.stderr.decode(errors="replace")
    lines = err.strip().splitlines()
    rss = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
    return wall, rss, proc.stdout.decode(errors="replace"), proc.returncode, "\n".join(lines[:-1])


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}


def capstone_driver():
    """The lesson 07 reference pipeline's driver, when the lesson exists and builds."""
    try:
        lessons = load_manifest(BUILD)["lessons"]
    except SystemExit:
        return None
    lesson = next((l for l in lessons if l["number"] == "07"), None)
    if lesson is None:
        return None
    target = "capstone_pipeline_solutions"
    status, _ = run(["cmake", "--build", str(BUILD), "--target", target])
    exe = BUILD / "tests" / lesson["dir"] / target
    return exe if status == 0 and exe.exists() else None


def npm_ready():
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js or npm is not installed (tools/setup.sh peers installs them)"
    shutil.copy2(ROOT / "tools" / "peers" / "package.json", OUT / "package.json")
    shutil.copy2(ROOT / "tools" / "peers" / "count.js", OUT / "count.js")
    if not (OUT / "node_modules" / "edifact").exists() or not (OUT / "node_modules" / "ts-edifact").exists():
        status, output = run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(OUT)], cwd=OUT, timeout=600)
        if status != 0:
            return "npm install failed: " + output.strip().splitlines()[-1] if output.strip() else "npm install failed"
    return None


def main():
    size = parse_size(os.environ.get("PEERS_BYTES", "200M"))
    runs = int(os.environ.get("PEERS_RUNS", "3"))
    OUT.mkdir(parents=True, exist_ok=True)
    status, output = run(["cmake", "--build", str(BUILD), "--target", "edi", "edi_floor", "edi_parse"])
    if status != 0:
        print(output)
        return 1
    tools = BUILD / "tools" / "edi"
    data = OUT / f"input-{size}-seed1.edi"
    if not data.exists():
        print(f"generating {data.relative_to(ROOT)} ({size >> 20} MiB)", flush=True)
        status, output = run([str(tools / "edi"), "gen", "--size", str(size), "--seed", "1", "-o", str(data)])
        if status != 0:
            print(output)
            return 1
    with open(data, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass
    nbytes = data.stat().st_size

    rows = [
        ("floor: read + memchr", [str(tools / "edi_floor"), str(data)], "seconds", None),
        ("core tokenizer (edi stats)", [str(tools / "edi"), "stats", "--json", str(data)], "seconds", "counts"),
        ("core owning parse (edi_parse)", [str(tools / "edi_parse"), str(data)], "seconds", "counts"),
    ]
    capstone = capstone_driver()
    skipped = []
    if capstone:
        rows.append((CAPSTONE, [str(capstone), str(data), "--json", "--quiet"], "seconds", "messages"))
    else:
        skipped.append("capstone pipeline: lesson 07 is not built")
    why = npm_ready()
    if why is None:
        for name in ("edifact", "ts-edifact"):
            rows.append((f"npm {name}", ["node", str(OUT / "count.js"), name, str(data)], "parse_seconds", "counts"))
    else:
        skipped.append(f"npm edifact, ts-edifact: {why}")

    results = {name: {"wall": [], "parse": [], "rss": [], "json": None, "cmd": cmd} for name, cmd, _, _ in rows}
    for r in range(runs):
        for name, cmd, key, _ in rows:
            wall, rss, out, status, err = measure(cmd, env=dict(os.environ, NODE_PATH=str(OUT / "node_modules")))
            if status != 0:
                print(S.red(f"{name} failed (exit {status}): {err.strip()[-500:]}"))
                return 1
            j = last_json(out)
            results[name]["wall"].append(wall)
            results[name]["parse"].append(float(j.get(key, "nan")))
            results[name]["rss"].append(rss)
            results[name]["json"] = j
        print(f"round {r + 1} of {runs} done", flush=True)

    # The counts must agree.
    problems = []
    reference = results["core tokenizer (edi stats)"]["json"]
    for name, _, _, check in rows:
        j = results[name]["json"]
        if check == "counts":
            for key in ("segments", "elements", "components"):
                if j.get(key) != reference.get(key):
                    problems.append(f"{name}: {key} {j.get(key)} != core {reference.get(key)}")
        elif check == "messages":
            if j.get("messages") != reference.get("messages"):
                problems.append(f"{name}: messages {j.get('messages')} != core {reference.get('messages')}")

    table = []
    for name, cmd, _, check in rows:
        res = results[name]
        wall = statistics.median(res["wall"])
        parse = statistics.median(res["parse"])
        rss = statistics.median(res["rss"]) / 1024
        table.append({"name": name, "wall_s": wall, "wall_mb_s": nbytes / wall / 1e6, "parse_s": parse,
                      "parse_mb_s": nbytes / parse / 1e6 if parse == parse and parse > 0 else None,
                      "peak_rss_mib": rss, "verified": check is not None and not any(p.startswith(name) for p in problems),
                      "command": " ".join(os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in cmd)})
    best_peer = min((t for t in table if t["name"].startswith("npm")), key=lambda t: t["wall_s"], default=None)
    core = next(t for t in table if t["name"].startswith("core tokenizer"))
    lines = [f"Input: {data.relative_to(ROOT)}, {nbytes:,} bytes, {reference.get('segments'):,} segments, "
             f"{reference.get('messages'):,} messages; page cache warm; median of {runs} interleaved runs.", "",
             "| parser | whole process | MB/s | parse only | MB/s | peak RSS | counts |",
             "|---|---|---|---|---|---|---|"]
    for t in table:
        parse_mb = f"{t['parse_mb_s']:,.0f}" if t["parse_mb_s"] else "-"
        verified = "equal" if t["verified"] else ("-" if "floor" in t["name"] else "DIFFERENT")
        lines.append(f"| {t['name']} | {t['wall_s']:.3f} s | {t['wall_mb_s']:,.0f} | {t['parse_s']:.3f} s | {parse_mb} | "
                     f"{t['peak_rss_mib']:,.1f} MiB | {verified} |")
    if best_peer:
        lines += ["", f"Core tokenizer vs the fastest npm parser, whole process: {best_peer['wall_s'] / core['wall_s']:.1f}x; "
                      f"parse only: {best_peer['parse_s'] / core['parse_s']:.1f}x."]
    capstone_json = results.get(CAPSTONE, {}).get("json")
    if capstone_json:
        lines.append(f"The capstone pipeline ran with {capstone_json.get('workers')} worker(s) beside its reader thread, "
                     f"and does more than parse: validation, totals, deduplication, partner lookups.")
    floor = table[0]
    lines.append(f"Core tokenizer vs the floor (read + memchr), whole process: {core['wall_s'] / floor['wall_s']:.2f}x the floor's time.")
    lines += ["", "Commands:"] + [f"- {t['name']}: `{t['command']}`" for t in table]
    if skipped:
        lines += ["", "Skipped:"] + [f"- {s}" for s in skipped]
    if problems:
        lines += ["", "COUNT MISMATCHES:"] + [f"- {p}" for p in problems]
    text = "\n".join(lines) + "\n"
    (OUT / "report.md").write_text(text)
    (OUT / "report.json").write_text(json.dumps({"bytes": nbytes, "runs": runs, "rows": table, "skipped": skipped,
                                                  "problems": problems}, indent=2) + "\n")
    print("\n" + text)
    print(S.dim("report: build/peers/report.md, build/peers/report.json"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
