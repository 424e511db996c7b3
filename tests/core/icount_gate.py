#!/usr/bin/env python3
"""The core's instruction-count gate.

    icount_gate.py ICOUNT_DRIVER            check against tests/core/icount_baseline.json
    icount_gate.py ICOUNT_DRIVER --update   rewrite the baseline (commit it with the reason)

Runs the driver under `valgrind --tool=callgrind`, counting only the measured function
(edi_core_measured_tokenize, edi_core_measured_stream), and divides by the input's bytes. Fails
when a count is more than 5% above its baseline; says so, without failing, when it is more than
5% below (a speed-up worth recording with --update). The counts of the run are also written next
to the driver (icount_result.json), for make test's summary line. Instruction counts do not depend on the
machine's load, so the gate is deterministic where a timed test would be noise; they do depend on
the compiler and its flags, which is why the baseline records them.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
BASELINE = HERE / "icount_baseline.json"
TOLERANCE = 0.05
MEASURED = {"tokenize": "edi_core_measured_tokenize", "stream": "edi_core_measured_stream"}


def measure(driver, what):
    """Instructions of the measured function and the input's size in bytes."""
    with tempfile.TemporaryDirectory(prefix="edi-icount-") as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        # LD_BIND_NOW: the dynamic linker binds every symbol at start, so lazy binding of the
        # first calls inside the measured function is not counted as its work.
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--toggle-collect={MEASURED[what]}", "--dump-instr=no",
             "--dump-line=no", f"--callgrind-out-file={out}", driver, what],
            capture_output=True, text=True, env=dict(os.environ, LD_BIND_NOW="1"), timeout=240)
        if proc.returncode != 0 or not out.exists():
            sys.exit(f"icount_gate: valgrind {driver} {what} failed ({proc.returncode}):\n{proc.stderr[-800:]}")
        m = re.search(r"^(\d+) bytes (\d+) segments$", proc.stdout, re.M)
        summary = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
        if not m or not summary or int(summary.group(1)) == 0:
            sys.exit(f"icount_gate: no count for {what}: driver said {proc.stdout!r}")
        return int(summary.group(1)), int(m.group(1)), int(m.group(2))


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 2
    driver, update = sys.argv[1], "--update" in sys.argv[2:]
    if shutil.which("valgrind") is None:
        sys.exit("icount_gate: valgrind is not installed: tools/setup.sh build installs it (apt-get install valgrind)")
    results = {}
    for what in MEASURED:
        instructions, size, segments = measure(driver, what)
        results[what] = {"instructions": instructions, "bytes": size, "segments": segments,
                         "per_byte": round(instructions / size, 4), "per_segment": round(instructions / segments, 2)}
    pathlib.Path(driver).with_name("icount_result.json").write_text(json.dumps(results, indent=2) + "\n")
    if update:
        BASELINE.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {BASELINE.name}: " + ", ".join(f"{k} {v['per_byte']} instructions/byte" for k, v in results.items()))
        return 0
    baseline = json.loads(BASELINE.read_text())
    failed = False
    for what, now in results.items():
        was = baseline[what]
        ratio = now["per_byte"] / was["per_byte"]
        line = (f"{what}: {now['per_byte']:.4f} instructions/byte ({now['per_segment']:.1f}/segment), "
                f"baseline {was['per_byte']:.4f}: {ratio:.3f}x")
        if now["bytes"] != was["bytes"]:
            line += f" (input changed: {now['bytes']} bytes, baseline {was['bytes']}: the generator changed)"
        if ratio > 1 + TOLERANCE:
            failed = True
            line = "FAIL " + line + f": more than {TOLERANCE:.0%} above the baseline"
        elif ratio < 1 - TOLERANCE:
            line += f": more than {TOLERANCE:.0%} below; record it with `{sys.argv[0]} {driver} --update`"
        print(line)
    if failed:
        print("A rise is a change in the code or the compiler: find it (valgrind --tool=callgrind, "
              "callgrind_annotate), or update the baseline on purpose and say why in the commit.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
