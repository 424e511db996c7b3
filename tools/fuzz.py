#!/usr/bin/env python3
"""make fuzz [FUZZ_SECONDS=60]: run libFuzzer on the core (tokenizer, stream reader, envelope).

Configures build/fuzz with clang and EDI_FUZZ=ON (tests/fuzz/CMakeLists.txt), builds fuzz_core
(libFuzzer + ASan + UBSan, compiled with the core's own sources so coverage reaches into it), and
runs it for FUZZ_SECONDS over a working corpus seeded from data/ and tests/fuzz/regressions/.

A crash leaves its input in build/fuzz/artifacts/. To keep it as a regression test, copy it into
tests/fuzz/regressions/ under a name that says what it broke; fuzz_replay runs every file there in
every build (ctest label core).
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz (default 60)")
    args = parser.parse_args()
    style = Style()
    clang = shutil.which("clang++")
    if clang is None:
        print("make fuzz needs clang++ with libFuzzer: apt-get install clang libclang-rt-14-dev", file=sys.stderr)
        return 2
    build = ROOT / "build" / "fuzz"
    if not (build / "build.ninja").exists():
        status, output = run(["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja",
                              f"-DCMAKE_CXX_COMPILER={clang}", "-DEDI_FUZZ=ON", "-DEDI_BENCHMARKS=OFF",
                              "-DCMAKE_BUILD_TYPE="])
        if status != 0:
            print(output, file=sys.stderr)
            return status
    status, output = run(["cmake", "--build", str(build), "--target", "fuzz_core"])
    if status != 0:
        print(output, file=sys.stderr)
        return status
    corpus = build / "corpus"
    artifacts = build / "artifacts"
    corpus.mkdir(exist_ok=True)
    artifacts.mkdir(exist_ok=True)
    exe = build / "tests" / "fuzz" / "fuzz_core"
    cmd = [str(exe), f"-max_total_time={args.seconds}", f"-artifact_prefix={artifacts}/", "-print_final_stats=1",
           str(corpus), str(ROOT / "data"), str(ROOT / "tests" / "fuzz" / "regressions")]
    print(style.bold(f"fuzzing the core for {args.seconds} s: ") + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=build)
    if result.returncode == 0:
        print(style.green(f"no findings in {args.seconds} s; corpus: {corpus.relative_to(ROOT)}"))
    else:
        found = sorted(artifacts.iterdir(), key=lambda p: p.stat().st_mtime)
        print(style.red("the fuzzer found a failing input") +
              (f": {found[-1].relative_to(ROOT)}" if found else "") +
              "\n(copy it into tests/fuzz/regressions/ with a name that says what it broke)")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
