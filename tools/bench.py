#!/usr/bin/env python3
"""make bench [LESSON=NN] [IMPL=exercises|solutions]: run the benchmarks, compare, draw charts.

For a lesson: its benchmark binary holds your code ("exercises/BM_x"), the reference
("solutions/BM_x") and the baseline ("baseline/BM_y"); they run in one process with 9
repetitions, interleaved in random order, so machine noise hits all of them alike. Without LESSON:
the core's benchmarks. Writes to build/bench/:

  lessonNN.json        Google Benchmark's JSON (every repetition and the aggregates)
  lessonNN.txt         compare.py: yours vs the reference, and the reference vs the baseline,
                       with the Mann-Whitney U-test of each difference
  lessonNN.png         throughput per benchmark (median of the repetitions), one bar per side

Environment: BENCH_REPETITIONS (default 9), BENCH_MIN_TIME (seconds per repetition, default 0.2).

Progress goes to standard error (the build's [n/N] steps, then the seconds of the run against an
estimate); --quiet turns it off. When the load average exceeds half the cores at the start or the
end of a run, a warning is printed and written into lessonNN.txt, and the JSON gets a
"machine_load" object either way ({"start": {...}, "end": {...}, "busy": true|false}).
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style, load_manifest, run, select_lessons  # noqa: E402
import progress as prog  # noqa: E402

COMPARE = pathlib.Path("/usr/share/benchmark/compare.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has SciPy for compare.py's U-test
OUT = ROOT / "build" / "bench"
FIRST_BUILD = "about 1-3 minutes on 2 cores (the core library and the benchmark binary)"


def count_benchmarks(exe, filter_regex):
    status, output = run([str(exe), "--benchmark_list_tests=true", f"--benchmark_filter={filter_regex}"],
                         env=dict(os.environ, EDI_BENCH_SMOKE="1"), timeout=60)
    return len([l for l in (output or "").splitlines() if l.strip()]) if status == 0 else 0


def run_benchmark(exe, name, filter_regex, repetitions, min_time, progress, s):
    json_path = OUT / f"{name}.json"
    cmd = [str(exe), f"--benchmark_filter={filter_regex}", f"--benchmark_repetitions={repetitions}",
           "--benchmark_enable_random_interleaving=true", f"--benchmark_min_time={min_time}",
           "--benchmark_report_aggregates_only=false", "--benchmark_display_aggregates_only=true",
           f"--benchmark_out={json_path}", "--benchmark_out_format=json"]
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in cmd), flush=True)
    start = prog.machine_load()
    warnings = [w for w in [prog.load_warning(start, "at the start of the run")] if w]
    for w in warnings:
        print(s.yellow(w), flush=True)
    count = count_benchmarks(exe, filter_regex)
    # Each repetition runs at least min_time, after a few shorter runs that size the iteration
    # count; fixtures add their set-up (input generation, thread start): about half a second each.
    expected = max(1.0, count * repetitions * float(min_time) * 2 + count * 0.5) if count else None
    if count:
        progress.note(f"running {count} benchmarks x {repetitions} repetitions, interleaved: about "
                      f"{expected:.0f} s (results come at the end)")
    prog.run_with_ticker(cmd, progress, f"benchmarks of {name}", expected)
    end = prog.machine_load()
    w = prog.load_warning(end, "at the end of the run")
    if w and warnings:
        w = f"warning: still busy at the end of the run: load average {end['load_1min']:.2f} on {end['cores']} cores."
    if w:
        print(s.yellow(w), flush=True)
        warnings.append(w)
    if json_path.exists():
        try:
            data = json.loads(json_path.read_text())
            data["machine_load"] = {"start": start, "end": end, "busy": start["busy"] or end["busy"],
                                    "rule": "busy when the 1-minute load average exceeds half the cores",
                                    "warnings": warnings}
            json_path.write_text(json.dumps(data, indent=2) + "\n")
        except (ValueError, OSError):
            pass
    return json_path, warnings


def compare(json_path, baseline_filter, contender_filter, title):
    if not COMPARE.exists():
        return f"{title}: compare.py not found ({COMPARE}); install libbenchmark-tools\n"
    status, output = run([SYSTEM_PYTHON, str(COMPARE), "--no-color", "-a", "filters", str(json_path),
                          baseline_filter, contender_filter])
    return f"== {title} ==\n{explain_geomean(output, json_path, baseline_filter, contender_filter)}\n"


def side_names(json_path, prefix_regex):
    """The benchmark names (prefix removed) of one side, iterations only."""
    import re
    names = set()
    for b in json.loads(json_path.read_text()).get("benchmarks", []):
        if b.get("run_type") == "iteration" and re.match(prefix_regex, b["run_name"]):
            names.add(re.sub(prefix_regex, "", b["run_name"]))
    return names


def explain_geomean(output, json_path, baseline_filter, contender_filter):
    """compare.py ends with an OVERALL_GEOMEAN row that nobody can read; say what it means beside it."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("OVERALL_GEOMEAN"):
            continue
        fields = line.split()
        try:
            change = float(fields[1])
        except (IndexError, ValueError):
            continue
        if change <= -1:
            factor = "the contender's times are all ~0 (errors?)"
        elif change < 0:
            factor = f"the contender takes {1 + change:.3g}x the time ({1 / (1 + change):.3g}x faster)"
        else:
            factor = f"the contender takes {1 + change:.3g}x the time"
        note = (f"  ^ OVERALL_GEOMEAN: the geometric mean of every benchmark's time on one side against the "
                f"other's, as a change (-0.50 = half the time, +1.00 = twice): {factor}.")
        try:
            same = side_names(json_path, baseline_filter) == side_names(json_path, contender_filter)
        except (ValueError, OSError):
            same = True
        if not same:
            note += ("\n    The two sides run different benchmarks here, so this mean compares unlike things: "
                     "read the rows above, not this one.")
        lines.insert(i + 1, note)
        break
    return "\n".join(lines)


def medians(json_path):
    """{benchmark name: {side: median bytes/s or items/s or 1/time}}, and the unit."""
    data = json.loads(json_path.read_text())
    values = {}
    unit = "bytes/s"
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        side, _, name = b["run_name"].partition("/")
        if not name:
            side, name = "core", side
        if "bytes_per_second" in b:
            v = b["bytes_per_second"] / 1e6
            unit = "MB/s"
        elif "items_per_second" in b:
            v = b["items_per_second"] / 1e6
            unit = "M items/s"
        else:
            v = 1e9 / b["real_time"] if b["real_time"] else 0
            unit = "runs/s"
        values.setdefault(name, {}).setdefault(side, []).append(v)
    return {n: {s: statistics.median(v) for s, v in sides.items()} for n, sides in values.items()}, unit


def chart(json_path, png_path, title):
    if shutil.which("gnuplot") is None:
        return "gnuplot not found: no chart (install gnuplot-nox)"
    table, unit = medians(json_path)
    if not table:
        return "no benchmark results to draw"
    sides = [s for s in ("exercises", "solutions", "baseline", "core") if any(s in v for v in table.values())]
    dat = png_path.with_suffix(".dat")
    with open(dat, "w") as f:
        f.write("name " + " ".join(sides) + "\n")
        for name, row in sorted(table.items()):
            f.write(name.replace(" ", "_") + " " + " ".join(f"{row.get(s, 0):.3f}" for s in sides) + "\n")
    labels = {"exercises": "yours", "solutions": "reference", "baseline": "baseline", "core": "core"}
    plots = ", ".join(f"'{dat}' using {i + 2}:xtic(1) title '{labels[s]}'" for i, s in enumerate(sides))
    script = f"""
set terminal pngcairo size 1100,560 noenhanced font ',10'
set output '{png_path}'
set title '{title} (median of the repetitions; higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set ylabel '{unit}'
set logscale y
set xtics rotate by -25
set key top right
set grid ytics
plot {plots}
"""
    proc = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return f"chart: {os.path.relpath(png_path, ROOT)}" if proc.returncode == 0 else "gnuplot failed: " + proc.stderr.strip()


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default="")
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--build", default=str(ROOT / "build" / "default"))
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"), help="where the JSON, comparisons and charts go")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()
    OUT = pathlib.Path(args.out).resolve()
    build = pathlib.Path(args.build)
    repetitions = int(os.environ.get("BENCH_REPETITIONS", "9"))
    min_time = os.environ.get("BENCH_MIN_TIME", "0.2")
    OUT.mkdir(parents=True, exist_ok=True)
    s = Style()
    progress = prog.Progress(args.quiet)

    if not args.lesson:
        status, output = prog.build(build, ["core_bench"], progress, "the core's benchmarks", FIRST_BUILD)
        if status != 0:
            print(output)
            return 1
        path, _ = run_benchmark(build / "tests" / "core" / "core_bench", "core", ".", repetitions, min_time,
                                progress, s)
        print(chart(path, OUT / "core.png", "EDIFACT core"))
        print(s.dim("One lesson: make bench LESSON=NN"))
        return 0

    manifest = load_manifest(build)
    for lesson in select_lessons(manifest, args.lesson):
        if not lesson["benchmarks"]:
            print(f"lesson {lesson['number']} has no benchmarks")
            continue
        number = lesson["number"]
        target = f"bench{number}"
        status, output = prog.build(build, [target], progress, f"lesson {number}'s benchmarks", FIRST_BUILD)
        sides = "exercises|solutions|baseline" if args.impl == "exercises" else "solutions|baseline"
        if status != 0:
            print(s.yellow(f"your code of lesson {number} does not build yet; running the reference and baseline only"))
            target = f"bench{number}_solutions"
            sides = "solutions|baseline"
            status, output = prog.build(build, [target], progress, f"lesson {number}'s reference benchmarks",
                                        FIRST_BUILD)
            if status != 0:
                print(output)
                return 1
        exe = build / "tests" / lesson["dir"] / target
        path, warnings = run_benchmark(exe, f"lesson{number}", f"^({sides})/", repetitions, min_time, progress, s)
        text = ""
        if "exercises" in sides:
            text += compare(path, "^solutions/", "^exercises/", "yours (contender) vs the reference (baseline column)")
        text += compare(path, "^baseline/", "^solutions/", "the reference (contender) vs the baseline")
        (OUT / f"lesson{number}.txt").write_text("".join(f"{w}\n" for w in warnings) + ("\n" if warnings else "") + text)
        print(text)
        print(chart(path, OUT / f"lesson{number}.png", f"Lesson {lesson['dir']}"))
        rel = os.path.relpath(OUT, ROOT)
        print(s.dim(f"json: {rel}/lesson{number}.json  comparison: {rel}/lesson{number}.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
