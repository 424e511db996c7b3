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

COMPARE = pathlib.Path("/usr/share/benchmark/compare.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has SciPy for compare.py's U-test
OUT = ROOT / "build" / "bench"


def run_benchmark(exe, name, filter_regex, repetitions, min_time):
    json_path = OUT / f"{name}.json"
    cmd = [str(exe), f"--benchmark_filter={filter_regex}", f"--benchmark_repetitions={repetitions}",
           "--benchmark_enable_random_interleaving=true", f"--benchmark_min_time={min_time}",
           "--benchmark_report_aggregates_only=false", "--benchmark_display_aggregates_only=true",
           f"--benchmark_out={json_path}", "--benchmark_out_format=json"]
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in cmd), flush=True)
    subprocess.run(cmd, check=False)
    return json_path


def compare(json_path, baseline_filter, contender_filter, title):
    if not COMPARE.exists():
        return f"{title}: compare.py not found ({COMPARE}); install libbenchmark-tools\n"
    status, output = run([SYSTEM_PYTHON, str(COMPARE), "--no-color", "-a", "filters", str(json_path),
                          baseline_filter, contender_filter])
    return f"== {title} ==\n{output}\n"


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
    return f"chart: {png_path.relative_to(ROOT)}" if proc.returncode == 0 else "gnuplot failed: " + proc.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default="")
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--build", default=str(ROOT / "build" / "default"))
    args = parser.parse_args()
    build = pathlib.Path(args.build)
    repetitions = int(os.environ.get("BENCH_REPETITIONS", "9"))
    min_time = os.environ.get("BENCH_MIN_TIME", "0.2")
    OUT.mkdir(parents=True, exist_ok=True)
    s = Style()

    if not args.lesson:
        status, output = run(["cmake", "--build", str(build), "--target", "core_bench"])
        if status != 0:
            print(output)
            return 1
        path = run_benchmark(build / "tests" / "core" / "core_bench", "core", ".", repetitions, min_time)
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
        status, output = run(["cmake", "--build", str(build), "--target", target])
        sides = "exercises|solutions|baseline" if args.impl == "exercises" else "solutions|baseline"
        if status != 0:
            print(s.yellow(f"your code of lesson {number} does not build yet; running the reference and baseline only"))
            target = f"bench{number}_solutions"
            sides = "solutions|baseline"
            status, output = run(["cmake", "--build", str(build), "--target", target])
            if status != 0:
                print(output)
                return 1
        exe = build / "tests" / lesson["dir"] / target
        path = run_benchmark(exe, f"lesson{number}", f"^({sides})/", repetitions, min_time)
        text = ""
        if "exercises" in sides:
            text += compare(path, "^solutions/", "^exercises/", "yours (contender) vs the reference (baseline column)")
        text += compare(path, "^baseline/", "^solutions/", "the reference (contender) vs the baseline")
        (OUT / f"lesson{number}.txt").write_text(text)
        print(text)
        print(chart(path, OUT / f"lesson{number}.png", f"Lesson {lesson['dir']}"))
        print(s.dim(f"json: build/bench/lesson{number}.json  comparison: build/bench/lesson{number}.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
