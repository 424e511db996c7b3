#!/usr/bin/env python3
"""Checks that `make profile` writes a page a browser draws: build/profile/NN/index.html with the
flame graph, the call graph and the top tables.

  python3 tools/check_profile_page.py [--build build/profile] [--lesson 06] [--no-profile]

Installs what it needs first (tools/setup.sh profile flame browser: gperftools, graphviz, the
npm flame graph renderer, Chromium), configures the profile preset if needed, profiles the
lesson's reference workload (a few seconds of CPU: a flame graph needs samples), then opens the page in headless Chromium twice: once
to read the DOM after its scripts ran (the flame graph script marks <body data-flame="rendered">
and counts the frames it drew) and once for a screenshot, <build>/NN/index.png, which must show
more than a blank page. Prints one line per check and "N passed, N failed"; exits non-zero when a
check failed.
"""
import argparse
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(browser, url, extra, timeout=180):
    """Runs headless Chromium on `url` with a fresh profile directory; returns (status, stdout)."""
    with tempfile.TemporaryDirectory(prefix="edi-chromium-") as profile_dir:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *extra, url]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, ""
        return proc.returncode, proc.stdout


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples): a minimal decoder for Chromium's 8-bit, non-interlaced
    RGB or RGBA screenshots (no image library needed)."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            upleft = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upleft)) & 0xFF
        rows.append(line)
        prev = line
    return width, height, channels, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build" / "profile"))
    parser.add_argument("--lesson", default="06")
    parser.add_argument("--no-setup", action="store_true", help="do not run tools/setup.sh")
    parser.add_argument("--no-profile", action="store_true",
                        help="check the page an earlier make profile wrote (the self-test's profile step) instead of profiling again")
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'ok' if ok else 'FAILED'} {name}: {detail}", flush=True)
        return ok

    if not args.no_setup:
        status = subprocess.run([str(ROOT / "tools" / "setup.sh"), "profile", "flame", "browser"]).returncode
        if not check("set-up", status == 0, "tools/setup.sh profile flame browser" + ("" if status == 0 else f" exited {status}")):
            return finish(results)
    if not (build / "build.ninja").exists() and not args.no_profile:
        status = subprocess.run(["cmake", "--preset", "profile", "-B", str(build)], cwd=str(ROOT),
                                stdout=subprocess.DEVNULL).returncode
        if not check("configure", status == 0, f"cmake --preset profile -B {os.path.relpath(build, ROOT)}"):
            return finish(results)
    lesson = str(args.lesson).zfill(2)
    if args.no_profile:
        proc = subprocess.CompletedProcess([], 0, "")
    else:
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "profile.py"), "--build", str(build), "--lesson",
                               lesson, "--impl", "solutions", "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace", env=dict(os.environ, NO_COLOR="1"))
    out = build / lesson
    page = out / "index.html"
    if not check("make profile", proc.returncode == 0 and page.exists(),
                 f"{os.path.relpath(page, ROOT)} written" if proc.returncode == 0 and page.exists()
                 else "profile.py failed:\n" + "\n".join(proc.stdout.splitlines()[-15:]) if proc.returncode
                 else f"{os.path.relpath(page, ROOT)} is missing (make profile LESSON={lesson} writes it)"):
        return finish(results)
    for name in ("cpu.svg", "cpu_graph.svg", "cpu.collapsed", "flame.html", "cpu.txt"):
        check(f"{name}", (out / name).exists() and (out / name).stat().st_size > 0, "written, not empty")

    browser = chromium()
    if not check("chromium", browser is not None, browser or "not found (tools/setup.sh browser installs it)"):
        return finish(results)
    url = page.as_uri()
    status, dom = browse(browser, url, ["--dump-dom"])
    flame = re.search(r'data-flame="([^"]*)"', dom or "")
    frames = re.search(r'data-frames="(\d+)"', dom or "")
    check("flame graph drawn", bool(flame) and flame.group(1) == "rendered" and frames and int(frames.group(1)) >= 5,
          f"data-flame={flame.group(1) if flame else 'absent'}, {frames.group(1) if frames else 0} frames drawn"
          + ("" if status == 0 else f" (chromium exited {status})"))
    check("call graph and tables on the page", 'src="cpu_graph.svg"' in (dom or "") and "Total:" in (dom or ""),
          "the page holds cpu_graph.svg and the google-pprof tables")

    shot = out / "index.png"
    shot.unlink(missing_ok=True)
    status, _ = browse(browser, url, [f"--screenshot={shot}", "--window-size=1280,1400"])
    if check("screenshot", shot.exists() and shot.stat().st_size > 0,
             f"{os.path.relpath(shot, ROOT)}" + ("" if shot.exists() else f" not written (chromium exited {status})")):
        try:
            width, height, channels, rows = png_pixels(shot)
            colours = set()
            inked = 0
            for row in rows[::4]:
                for x in range(0, width * channels, channels * 4):
                    pixel = bytes(row[x:x + 3])
                    colours.add(pixel)
                    inked += pixel != b"\xff\xff\xff"
            sampled = len(rows[::4]) * len(range(0, width * channels, channels * 4))
            check("screenshot shows the page", len(colours) >= 20 and inked / sampled > 0.05,
                  f"{width}x{height}, {len(colours)} colours, {100 * inked / sampled:.0f}% of the sampled pixels not white")
        except (ValueError, zlib.error, struct.error) as e:
            check("screenshot shows the page", False, f"cannot read the PNG: {e}")
    return finish(results)


def finish(results):
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
