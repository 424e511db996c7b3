#!/usr/bin/env python3
"""make profile [LESSON=NN] [IMPL=exercises|solutions]: profile a lesson's workload with gperftools.

Builds the `profile` preset (gperftools' profiler and tcmalloc linked with --no-as-needed, frame
pointers kept), runs the lesson's workload once with CPUPROFILE and HEAPPROFILE set, and once
more, shorter, under the heap checker (HEAPCHECK=normal). Writes to build/profile/NN/:

  cpu.prof, heap.NNNN.heap    the raw profiles (open them with google-pprof)
  cpu.txt                     flat profile, top 25 functions by own samples
  cpu_cum.txt                 the same sorted by cumulative samples (callees included)
  cpu.svg                     the call graph (google-pprof's SVG: drag to move, the wheel zooms)
  cpu_graph.svg               the same call graph as plain Graphviz SVG, scaled to fit on index.html
  heap.txt                    bytes allocated per site over the run (--alloc_space), flat
  heap_cum.txt                the same by cumulative bytes (which of your functions allocated)
  leaks.txt                   the heap checker's report
  cpu.collapsed               the CPU profile as folded stacks (google-pprof --collapsed), the
                              input of every flame graph tool
  flame.html                  the flame graph (d3-flame-graph, embedded: works offline)
  index.html                  one page: flame graph, call graph (cpu.svg) and the top tables
and prints the top 10. The workload runs a few seconds: this kernel samples at most 250 times a
second, and a profile needs hundreds of samples to mean anything. Without LESSON: lesson 00.

The flame graph's renderer is the npm package d3-flame-graph (with d3), which tools/setup.sh flame
installs once into .cache/flamegraph/ (EDI_FLAMEGRAPH_DIR overrides); without it the pages say how
to install it and show everything else. Progress goes to standard error; --quiet turns it off.
"""
import argparse
import html
import json
import os
import re
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style, load_manifest, run, select_lessons  # noqa: E402
import progress as prog  # noqa: E402

PPROF = "/usr/bin/google-pprof"
FIRST_BUILD = "about 1-2 minutes on 2 cores (the core library and the workload)"
FLAME_DIR = pathlib.Path(os.environ.get("EDI_FLAMEGRAPH_DIR", ROOT / ".cache" / "flamegraph"))
FLAME_ASSETS = {"d3": "node_modules/d3/dist/d3.min.js",
                "flamegraph": "node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js",
                "css": "node_modules/d3-flame-graph/dist/d3-flamegraph.css"}
TOP_ROW = re.compile(r"^\s*\d+\s+[\d.]+%\s+[\d.]+%\s+\d+\s+[\d.]+%\s")


def pprof(args, out_path=None):
    status, output = run([PPROF, *args])
    # google-pprof prints "Using local file ..." and "Total: ..." lines on stderr; keep the table.
    lines = [l for l in output.splitlines()
             if not l.startswith("Using local file") and not l.startswith("Use of uninitialized value")]
    text = "\n".join(lines) + "\n"
    if out_path is not None:
        out_path.write_text(text)
    return status, text


def collapsed_tree(text):
    """google-pprof --collapsed ("main;f;g 12" per line, callers first) as the nested
    {"name", "value", "children"} tree d3-flame-graph draws; value counts the frame's own samples and
    its callees'."""
    root = {"name": "all samples", "value": 0, "children": []}
    kids = {}
    for line in text.splitlines():
        stack, _, count = line.strip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        node = root
        root["value"] += n
        for frame in stack.split(";"):
            table = kids.setdefault(id(node), {})
            child = table.get(frame)
            if child is None:
                child = {"name": frame, "value": 0, "children": []}
                table[frame] = child
                node["children"].append(child)
            child["value"] += n
            node = child
    return root


def flame_assets():
    """The renderer's files ({"d3": text, ...}), or None when tools/setup.sh flame has not run."""
    paths = {k: FLAME_DIR / v for k, v in FLAME_ASSETS.items()}
    if not all(p.exists() for p in paths.values()):
        return None
    return {k: p.read_text(errors="replace") for k, p in paths.items()}


def flame_section(tree, assets, height):
    """The flame graph's HTML: the data and the renderer embedded, so the page works offline and
    when moved. The script marks <body data-flame="rendered"> when it has drawn (the self-test looks)."""
    if assets is None:
        return ('<p class="missing">The flame graph renderer is not installed: run <code>tools/setup.sh flame</code> '
                '(npm installs d3-flame-graph once into .cache/flamegraph/), then <code>make profile</code> again. '
                'The folded stacks are in <a href="cpu.collapsed">cpu.collapsed</a>.</p>'
                '<script>document.body.dataset.flame = "renderer-missing";</script>')
    data = json.dumps(tree, separators=(",", ":")).replace("</", "<\\/")
    return f"""<div id="flame"></div>
<div id="flame-details" class="details">hover a frame: its samples and share; click: zoom in; click the bottom bar: zoom out</div>
<style>{assets["css"]}</style>
<script>{assets["d3"]}</script>
<script>{assets["flamegraph"]}</script>
<script>
try {{
  const data = {data};
  const el = document.getElementById("flame");
  const make = flamegraph.default || flamegraph.flamegraph;
  const chart = make().width(Math.max(600, el.clientWidth || 1200)).cellHeight(18).minFrameSize(1)
      .transitionDuration(0).title("").selfValue(false)
      .setDetailsElement(document.getElementById("flame-details"));
  d3.select("#flame").datum(data).call(chart);
  document.body.dataset.frames = String(document.querySelectorAll("#flame g").length);
  document.body.dataset.flame = "rendered";
}} catch (e) {{
  document.getElementById("flame").textContent = "the flame graph failed to draw: " + e;
  document.body.dataset.flame = "error: " + e;
}}
</script>"""


PAGE_STYLE = """body { font-family: system-ui, sans-serif; margin: 1.2em 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: 12px; line-height: 1.3; }
.details { font-size: 12px; color: #555; min-height: 1.4em; }
.missing { background: #fff4d6; padding: .6em; }
.callgraph img { width: 100%; max-height: 1400px; object-fit: contain; border: 1px solid #ddd; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1em; }
.help { color: #555; font-size: 13px; }"""


def write_pages(out, title, summary, tree, tables):
    """flame.html (the flame graph alone) and index.html (flame graph, call graph and tables)."""
    assets = flame_assets()
    flame = flame_section(tree, assets, 0)
    help_text = ('<p class="help">Each bar is a function; its width is its share of the CPU samples, callees '
                 'included; callers sit below their callees (main at the bottom). Wide bars high up are where '
                 'the time goes. Colours only tell bars apart.</p>')
    (out / "flame.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}: flame graph</title>'
        f"<style>{PAGE_STYLE}</style></head><body><h1>{html.escape(title)}: flame graph</h1>"
        f"<p>{html.escape(summary)}</p>{help_text}{flame}</body></html>\n")
    blocks = "".join(f"<section><h3>{html.escape(name)} (<a href=\"{html.escape(file)}\">{html.escape(file)}</a>)</h3>"
                     f"<pre>{html.escape(text)}</pre></section>" for name, file, text in tables)
    (out / "index.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{PAGE_STYLE}</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p>"
        f"<h2>Flame graph (<a href=\"flame.html\">alone</a>, <a href=\"cpu.collapsed\">folded stacks</a>)</h2>"
        f"{help_text}{flame}"
        f'<h2>Call graph (<a href="cpu.svg">cpu.svg</a>)</h2><p class="help">Boxes are functions, sized by their own '
        f"samples; an arrow's number is the samples spent in the callee on behalf of the caller. Scaled to fit: "
        f'<a href="cpu.svg">cpu.svg</a> is the same graph at full size (drag to move, the mouse wheel zooms).</p>'
        f'<div class="callgraph"><a href="cpu.svg"><img src="cpu_graph.svg" alt="the call graph"></a></div>'
        f'<h2>Top tables</h2><div class="tables">{blocks}</div></body></html>\n')
    return assets is not None


def top_rows(text, count):
    """The "Total: N samples" line and the first `count` rows of a google-pprof --text table."""
    lines = text.splitlines()
    header = [l for l in lines if l.startswith("Total:")][:1]
    return header + [l for l in lines if TOP_ROW.match(l)][:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default="")
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--smoke", action="store_true", help="a short run (the self-test's)")
    parser.add_argument("--no-build", action="store_true",
                        help="the workload is built already (the self-test builds them all at once, then profiles two at a time)")
    parser.add_argument("--build", default=str(ROOT / "build" / "profile"),
                        help="the profile preset's build directory; the reports go to <build>/NN/")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()
    s = Style()
    progress = prog.Progress(args.quiet)
    build = pathlib.Path(args.build).resolve()
    manifest = load_manifest(build)
    lesson = select_lessons(manifest, args.lesson or "00")[0]
    if not lesson["workload"]:
        raise SystemExit(f"lesson {lesson['number']} has no profiling workload")
    number = lesson["number"]
    target = f"workload{number}_{args.impl}"
    status, output = (0, "") if args.no_build else prog.build(build, [target], progress, f"lesson {number}'s workload",
                                                              FIRST_BUILD)
    if status != 0:
        print(output)
        print(s.red(f"{target} does not build: make check LESSON={number} shows the first error"))
        return 1
    exe = build / "tests" / lesson["dir"] / target
    out = build / number
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    # Three runs. The heap profiler unwinds the stack at every allocation, which would swamp the
    # CPU profile if both ran at once, so the CPU profile gets a run of its own.
    workload_args = ["quick"] if args.smoke else []
    env = dict(os.environ, CPUPROFILE=str(out / "cpu.prof"), CPUPROFILE_FREQUENCY="250")
    print(f"$ CPUPROFILE={os.path.relpath(out, ROOT)}/cpu.prof CPUPROFILE_FREQUENCY=250 "
          f"{os.path.relpath(exe, ROOT)} {' '.join(workload_args)}", flush=True)
    status = prog.run_with_ticker([str(exe), *workload_args], progress, "1/3 CPU profile: the workload runs",
                                  env=env)
    if status != 0:
        print(s.red(f"the workload failed (exit {status}); a stub? make check LESSON={number}"))
        return 1
    heap_env = dict(os.environ, HEAPPROFILE=str(out / "heap"), PPROF_PATH=PPROF)
    print(f"$ HEAPPROFILE={os.path.relpath(out, ROOT)}/heap {os.path.relpath(exe, ROOT)} quick", flush=True)
    prog.run_with_ticker([str(exe), "quick"], progress, "2/3 heap profile: the workload runs", env=heap_env,
                         on_line=lambda line: None)
    cpu = out / "cpu.prof"
    if not cpu.exists() or cpu.stat().st_size == 0:
        print(s.red("no CPU profile was written (was gperftools linked? see docs/profiling.md)"))
        return 1

    # google-pprof (Perl) takes a while per report on a large binary: count the seconds meanwhile.
    ticker = prog.Ticker(progress, "reports: google-pprof tables and call graph").__enter__()
    pprof(["--text", str(exe), str(cpu)], out / "cpu.full.txt")
    full = (out / "cpu.full.txt").read_text().splitlines()
    (out / "cpu.txt").write_text("\n".join(full[:27]) + "\n")
    (out / "cpu.full.txt").unlink()
    _, cum = pprof(["--text", "--cum", str(exe), str(cpu)])
    (out / "cpu_cum.txt").write_text("\n".join(cum.splitlines()[:40]) + "\n")
    # Debian's google-pprof has no --output option: the SVG comes on standard output.
    with open(out / "cpu.svg", "wb") as svg:
        subprocess.run([PPROF, "--svg", str(exe), str(cpu)], stdout=svg, stderr=subprocess.DEVNULL, check=False)
    # The same graph as plain Graphviz SVG (width, height and viewBox), which a page can scale to fit;
    # cpu.svg is google-pprof's, with pan and zoom, at its natural size.
    dot = subprocess.run([PPROF, "--dot", str(exe), str(cpu)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=False).stdout
    with open(out / "cpu_graph.svg", "wb") as svg:
        subprocess.run(["dot", "-Tsvg"], input=dot, stdout=svg, stderr=subprocess.DEVNULL, check=False)
    heaps = sorted(out.glob("heap.*.heap"))
    if heaps:
        pprof(["--text", "--alloc_space", str(exe), str(heaps[-1])], out / "heap.txt")
        # The flat view's top lines are often inlined allocator frames; the cumulative view shows
        # which of your functions the bytes were allocated under.
        _, cum_heap = pprof(["--text", "--cum", "--alloc_space", str(exe), str(heaps[-1])])
        (out / "heap_cum.txt").write_text("\n".join(cum_heap.splitlines()[:40]) + "\n")
    else:
        (out / "heap.txt").write_text("no heap profile was written\n")

    # The heap checker, on a short run of the same workload.
    leak_env = dict(os.environ, HEAPCHECK="normal", PPROF_PATH=PPROF)
    ticker.__exit__(None, None, None)
    progress.say("3/3 heap checker: the workload runs (quick)", force=True)
    leak = subprocess.run([str(exe), "quick"], env=leak_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    progress.clear()
    verdict = "no leaks found" if leak.returncode == 0 else f"LEAKS FOUND (exit {leak.returncode})"
    (out / "leaks.txt").write_text(f"$ HEAPCHECK=normal {os.path.relpath(exe, ROOT)} quick\n{leak.stdout}\n{verdict}\n")

    # The flame graph: folded stacks, drawn by d3-flame-graph into flame.html and index.html.
    ticker = prog.Ticker(progress, "flame graph and index.html").__enter__()
    _, collapsed = run([PPROF, "--collapsed", str(exe), str(cpu)])
    # Frames come as "name<address>"; the address only splits what a reader sees as one function.
    folded = [re.sub(r"<[0-9a-f]{8,16}>", "", l) for l in collapsed.splitlines() if re.match(r"^\S.* \d+$", l)]
    (out / "cpu.collapsed").write_text("\n".join(folded) + "\n")
    rel = os.path.relpath(out, ROOT)
    top = top_rows((out / "cpu.txt").read_text(), 10)
    samples = top[0] if top and top[0].startswith("Total:") else "no samples"
    tables = [("CPU, by own samples", "cpu.txt", (out / "cpu.txt").read_text()),
              ("CPU, by cumulative samples", "cpu_cum.txt", (out / "cpu_cum.txt").read_text())]
    for name, file in (("heap, bytes allocated per site", "heap.txt"), ("heap, by cumulative bytes", "heap_cum.txt"),
                       ("heap checker", "leaks.txt")):
        if (out / file).exists():
            text = (out / file).read_text().splitlines()
            tables.append((name, file, "\n".join(text[:40] if file != "leaks.txt" else text[-30:])))
    drawn = write_pages(out, f"make profile LESSON={number} IMPL={args.impl}",
                        f"{lesson['dir']}, {target}: {samples}; heap checker: {verdict}", collapsed_tree("\n".join(folded)),
                        tables)
    ticker.__exit__(None, None, None)

    print(s.bold(f"\nTop 10 of the CPU profile ({rel}/cpu.txt):"))
    print("\n".join(top))
    print(s.bold("\nHeap checker: ") + (s.green(verdict) if leak.returncode == 0 else s.red(verdict)))
    print(s.dim(f"\nreports: {rel}/cpu.txt {rel}/cpu_cum.txt {rel}/cpu.svg {rel}/heap.txt {rel}/heap_cum.txt {rel}/leaks.txt "
                f"{rel}/cpu.collapsed {rel}/flame.html"))
    print(s.bold(f"one page: {rel}/index.html") + " (flame graph, call graph, tables)" +
          ("" if drawn else s.yellow("; no flame graph: the renderer is not installed (tools/setup.sh flame)")))
    print(s.dim(f"explore: google-pprof --web {os.path.relpath(exe, ROOT)} {rel}/cpu.prof   (docs/profiling.md)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
