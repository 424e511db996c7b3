"""The performance panel of `make check`: the learner's code, the reference and the baseline run
side by side in one benchmark process, interleaved, a few repetitions each. Informational only:
wall-clock time on a shared machine is never a graded test (see docs/grading.md)."""
import json
import os
import statistics
import tempfile

from .common import run

REPETITIONS = 3
# Ratios from repetitions that differ by more than this factor are reported as noise, not a ratio.
NOISE_SPREAD = 1.3
# A short run: a few MiB of input (every lesson benchmark honours EDI_BENCH_BYTES) and a short
# minimum time, so the panel adds seconds to `make check`, not minutes. `make bench` is the
# measurement; this is a glance.
PANEL_BYTES = str(2 << 20)


def panel(build, lesson, impl):
    number = lesson["number"]
    target = f"bench{number}"
    status, output = run(["cmake", "--build", str(build), "--target", target])
    if status != 0:
        return {"summary": "benchmarks not built (see `make bench`)", "benchmarks": []}
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        status, text = run([str(build / "tests" / lesson["dir"] / target),
                            "--benchmark_filter=^(exercises|solutions|baseline)/",
                            f"--benchmark_repetitions={REPETITIONS}",
                            "--benchmark_enable_random_interleaving=true",
                            "--benchmark_min_time=0.02",
                            f"--benchmark_out={out.name}", "--benchmark_out_format=json"], timeout=300,
                           env=dict(os.environ, EDI_BENCH_BYTES=PANEL_BYTES))
        try:
            data = json.load(open(out.name))
        except (OSError, json.JSONDecodeError):
            return {"summary": "benchmarks did not run: " + (text.strip().splitlines() or ["no output"])[-1],
                    "benchmarks": []}
    times = {}
    rates = {}
    errors = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration":
            continue
        side, _, name = b["run_name"].partition("/")
        if b.get("error_occurred"):
            errors[(side, name)] = b.get("error_message", "error")
            continue
        times.setdefault(name, {}).setdefault(side, []).append(b["real_time"])
        if "bytes_per_second" in b:
            rates.setdefault(name, {}).setdefault(side, []).append(b["bytes_per_second"] / (1 << 20))
    rows = []
    mine = impl
    for name, sides in sorted(times.items()):
        row = {"name": name, "median_ns": {side: statistics.median(v) for side, v in sides.items()}}
        if mine in sides and "solutions" in sides and mine != "solutions":
            ratios = [a / b for a, b in zip(sides[mine], sides["solutions"])]
            row["vs_reference"] = {"median": statistics.median(sides[mine]) / statistics.median(sides["solutions"]),
                                   "min": min(ratios), "max": max(ratios)}
        ref = sides.get(mine) or sides.get("solutions")
        if "baseline" in sides and ref:
            row["baseline_vs_yours"] = statistics.median(sides["baseline"]) / statistics.median(ref)
        if name in rates and mine in rates[name]:
            row["mib_per_s"] = statistics.median(rates[name][mine])
        rows.append(row)
    parts = []
    for row in rows:
        bits = []
        if "mib_per_s" in row:
            bits.append(f"{row['mib_per_s']:,.0f} MiB/s")
        if "vs_reference" in row:
            r = row["vs_reference"]
            if r["max"] > NOISE_SPREAD * r["min"]:
                # The repetitions disagree by more than the difference worth reporting: a ratio
                # printed here would be noise (a busy machine, an unequal pair of cores).
                r["noise"] = True
                bits.append(f"too noisy to compare with the reference (repetitions gave {r['min']:.2f}x to "
                            f"{r['max']:.2f}x; is the machine busy?)")
            else:
                bits.append(f"your time {r['median']:.2f}x the reference's ({r['min']:.2f}-{r['max']:.2f})")
        if "baseline_vs_yours" in row:
            ratio = row["baseline_vs_yours"]
            if ratio >= 1:
                bits.append(f"baseline {ratio:.1f}x slower")
            else:  # e.g. lesson 04's plain unordered_map, which does less than a cache
                bits.append(f"baseline {1 / ratio:.1f}x faster")
        if bits:  # rows with nothing to compare (a baseline-only benchmark) are left out
            parts.append(row["name"] + ": " + ", ".join(bits))
    for (side, name), message in sorted(errors.items()):
        if side == mine:
            parts.append(f"{name}: {message}")
    load = os.getloadavg()[0]
    summary = "; ".join(parts) or "no comparable benchmarks"
    if load > (os.cpu_count() or 1) / 2:
        summary += f" (load average {load:.1f} on {os.cpu_count()} cores: numbers are unreliable)"
    return {"summary": summary, "benchmarks": rows, "repetitions": REPETITIONS, "load_average": round(load, 2)}
