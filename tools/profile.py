#!/usr/bin/env python3
"""make profile [LESSON=NN] [IMPL=exercises|solutions]: profile a lesson's workload with gperftools.

Builds the `profile` preset (gperftools' profiler and tcmalloc linked with --no-as-needed, frame
pointers kept), runs the lesson's workload once with CPUPROFILE and HEAPPROFILE set, and once
more, shorter, under the heap checker (HEAPCHECK=normal). Writes to build/profile/NN/:

  cpu.prof, heap.NNNN.heap    the raw profiles (open them with google-pprof)
  cpu.txt                     flat profile, top 25 functions by own samples
  cpu_cum.txt                 the same sorted by cumulative samples (callees included)
  cpu.svg                     the call graph
  heap.txt                    bytes allocated per site over the run (--alloc_space), flat
  heap_cum.txt                the same by cumulative bytes (which of your functions allocated)
  leaks.txt                   the heap checker's report
and prints the top 10. The workload runs a few seconds: this kernel samples at most 250 times a
second, and a profile needs hundreds of samples to mean anything. Without LESSON: lesson 00.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style, load_manifest, run, select_lessons  # noqa: E402

PPROF = "/usr/bin/google-pprof"


def pprof(args, out_path=None):
    status, output = run([PPROF, *args])
    # google-pprof prints "Using local file ..." and "Total: ..." lines on stderr; keep the table.
    lines = [l for l in output.splitlines()
             if not l.startswith("Using local file") and not l.startswith("Use of uninitialized value")]
    text = "\n".join(lines) + "\n"
    if out_path is not None:
        out_path.write_text(text)
    return status, text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default="")
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--smoke", action="store_true", help="a short run (the self-test's)")
    parser.add_argument("--no-build", action="store_true",
                        help="the workload is built already (the self-test builds them all at once, then profiles two at a time)")
    args = parser.parse_args()
    s = Style()
    build = ROOT / "build" / "profile"
    manifest = load_manifest(build)
    lesson = select_lessons(manifest, args.lesson or "00")[0]
    if not lesson["workload"]:
        raise SystemExit(f"lesson {lesson['number']} has no profiling workload")
    number = lesson["number"]
    target = f"workload{number}_{args.impl}"
    status, output = (0, "") if args.no_build else run(["cmake", "--build", str(build), "--target", target])
    if status != 0:
        print(output)
        print(s.red(f"{target} does not build: make check LESSON={number} shows the first error"))
        return 1
    exe = build / "tests" / lesson["dir"] / target
    out = ROOT / "build" / "profile" / number
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    # Three runs. The heap profiler unwinds the stack at every allocation, which would swamp the
    # CPU profile if both ran at once, so the CPU profile gets a run of its own.
    workload_args = ["quick"] if args.smoke else []
    env = dict(os.environ, CPUPROFILE=str(out / "cpu.prof"), CPUPROFILE_FREQUENCY="250")
    print(f"$ CPUPROFILE={os.path.relpath(out, ROOT)}/cpu.prof CPUPROFILE_FREQUENCY=250 "
          f"{os.path.relpath(exe, ROOT)} {' '.join(workload_args)}", flush=True)
    proc = subprocess.run([str(exe), *workload_args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(proc.stdout.strip())
    if proc.returncode != 0:
        print(s.red(f"the workload failed (exit {proc.returncode}); a stub? make check LESSON={number}"))
        return 1
    heap_env = dict(os.environ, HEAPPROFILE=str(out / "heap"), PPROF_PATH=PPROF)
    print(f"$ HEAPPROFILE={os.path.relpath(out, ROOT)}/heap {os.path.relpath(exe, ROOT)} quick", flush=True)
    subprocess.run([str(exe), "quick"], env=heap_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = out / "cpu.prof"
    if not cpu.exists() or cpu.stat().st_size == 0:
        print(s.red("no CPU profile was written (was gperftools linked? see docs/profiling.md)"))
        return 1

    pprof(["--text", str(exe), str(cpu)], out / "cpu.full.txt")
    full = (out / "cpu.full.txt").read_text().splitlines()
    (out / "cpu.txt").write_text("\n".join(full[:27]) + "\n")
    (out / "cpu.full.txt").unlink()
    _, cum = pprof(["--text", "--cum", str(exe), str(cpu)])
    (out / "cpu_cum.txt").write_text("\n".join(cum.splitlines()[:40]) + "\n")
    # Debian's google-pprof has no --output option: the SVG comes on standard output.
    with open(out / "cpu.svg", "wb") as svg:
        subprocess.run([PPROF, "--svg", str(exe), str(cpu)], stdout=svg, stderr=subprocess.DEVNULL, check=False)
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
    leak = subprocess.run([str(exe), "quick"], env=leak_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    verdict = "no leaks found" if leak.returncode == 0 else f"LEAKS FOUND (exit {leak.returncode})"
    (out / "leaks.txt").write_text(f"$ HEAPCHECK=normal {os.path.relpath(exe, ROOT)} quick\n{leak.stdout}\n{verdict}\n")

    print(s.bold(f"\nTop 10 of the CPU profile (build/profile/{number}/cpu.txt):"))
    print("\n".join((out / "cpu.txt").read_text().splitlines()[:12]))
    print(s.bold("\nHeap checker: ") + (s.green(verdict) if leak.returncode == 0 else s.red(verdict)))
    rel = os.path.relpath(out, ROOT)
    print(s.dim(f"\nreports: {rel}/cpu.txt {rel}/cpu_cum.txt {rel}/cpu.svg {rel}/heap.txt {rel}/heap_cum.txt {rel}/leaks.txt"))
    print(s.dim(f"explore: google-pprof --web {os.path.relpath(exe, ROOT)} {rel}/cpu.prof   (docs/profiling.md)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
