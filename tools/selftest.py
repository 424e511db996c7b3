#!/usr/bin/env python3
"""make test: the workbook's self-test. Proves the workbook itself is sound:

  build          everything of the default preset builds, warning-free
  core           the core's unit, property, robustness and conformance tests, and its
                 instruction-count gate (tests/core/icount_gate.py)
  compile-fail   code a lesson declares must not compile does not (label lessonNN.compilefail)
  solutions      every grader passes on solutions/ (100%)
  stubs          every graded test fails on the stubs of exercises/, cleanly ("not implemented
                 yet" or a failed assertion, never a crash or a hang), except the tests a lesson
                 marks as passing on the stub by design (STUB_PASSES)
  docs           every console example in the documentation whose output is shown is run and
                 matches (tools/doctest_md.py); README's stub scoreboard is the stubs step's
  mutants        every mutant (tests/NN-topic/mutants/*.mutant) is caught by at least one grader
                 or by the lesson's graded sanitizer part, and every lesson has at least three
  lessons        every lesson ships its text, hints (three or more per exercise) and demo, and its
                 exercise and solution folders hold the same files
  demos          every demo runs against the reference, and against the stubs says so plainly
  benchmarks     every benchmark binary smoke-runs; the reference's benchmarks report no error
  asan, tsan     the core tests (ASan+UBSan) and the solutions' graders (ASan+UBSan, TSan) pass
  profile        `make profile` writes its reports for every lesson with a workload
  grader         the grader reports a hang, a crash, a compile error and an edited harness, and
                 each cheat of docs/grading.md's threat model earns nothing
  harness        the harness checksum (given/ included) and the graded test lists are current; no
                 file of exercises/ or solutions/ is named like a provided file of given/

Environment: EDIFACT_CORPUS (the real-world corpus for the conformance test), SELFTEST_SKIP
(comma-separated steps to skip, for local iteration; CI skips nothing).
Ends with "N passed, N failed" and exits non-zero when anything failed.
"""
import concurrent.futures
import fnmatch
import json
import os
import pathlib
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tools.grade.common import ROOT, Style, load_manifest, run  # noqa: E402
from tools.progress import Progress, Ticker, build as progress_build  # noqa: E402

PY = sys.executable
S = Style()
RESULTS = []
OUT = ROOT / "build" / "selftest"
# Progress on standard error: ninja's [n/N] steps of every build, and the seconds of a long step,
# on one updating line on a terminal, a plain line every 10 s otherwise (SELFTEST_QUIET=1: none).
PROGRESS = Progress(quiet=os.environ.get("SELFTEST_QUIET") == "1")


def step(name):
    def wrap(fn):
        fn.step_name = name
        return fn
    return wrap


def configure(preset):
    build = ROOT / "build" / preset
    if not (build / "build.ninja").exists():
        status, output = run(["cmake", "--preset", preset])
        if status != 0:
            raise StepFailure(f"cmake --preset {preset} failed:\n{tail(output)}")
    return build


class StepFailure(Exception):
    pass


def tail(text, lines=25):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def build_targets(build, targets, what):
    status, output = progress_build(build, targets, PROGRESS, what, "several minutes on 2 cores")
    if status != 0:
        errors = [l for l in output.splitlines() if "error" in l or "FAILED" in l][:15]
        raise StepFailure(f"{what} does not build:\n" + "\n".join(errors or [tail(output)]))


def manifest():
    return load_manifest(ROOT / "build" / "default")["lessons"]


# --- steps ------------------------------------------------------------------------------------

@step("build")
def build_default():
    build = configure("default")
    status, output = progress_build(build, ["all"], PROGRESS, "the default preset",
                                    "about 5-10 minutes on 2 cores")
    if status != 0:
        errors = [l for l in output.splitlines() if "error" in l or "FAILED" in l][:20]
        raise StepFailure("the default preset does not build:\n" + "\n".join(errors or [tail(output)]))
    warnings = sorted({l for l in output.splitlines() if "warning:" in l})
    if warnings:
        raise StepFailure("warnings:\n" + "\n".join(warnings[:20]))
    return f"{len(manifest())} lessons"


@step("core")
def core_tests():
    build = ROOT / "build" / "default"
    status, output = run(["ctest", "--test-dir", str(build), "-L", "^core$", "-j2", "--output-on-failure"])
    summary = [l for l in output.splitlines() if "tests passed" in l]
    if status != 0:
        raise StepFailure(tail(output, 40))
    corpus = os.environ.get("EDIFACT_CORPUS")
    # The instruction-count gate ran inside ctest and left its counts next to its driver.
    result = build / "tests" / "core" / "icount_result.json"
    counts = "; ".join(f"{what}: {c['per_byte']} instructions/byte" for what, c in json.loads(result.read_text()).items()) \
        if result.exists() else ""
    return ((summary[0].strip() if summary else "passed") + (f"; {counts}" if counts else "") +
            (f"; corpus {corpus}" if corpus else "; EDIFACT_CORPUS unset: conformance skipped"))


def grade(impl, report_dir):
    cmd = [PY, "-m", "tools.grade", "check", "--impl", impl, "--perf", "off", "--report-dir", str(report_dir), "--quiet"]
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run(cmd, env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", stdin=subprocess.DEVNULL)
    status, output = proc.returncode, proc.stdout + proc.stderr
    # The scoreboard exactly as `make check` prints it on standard output, for the docs step.
    (report_dir / "scoreboard.txt").write_text(proc.stdout)
    report_path = report_dir / "report.json"
    if not report_path.exists():
        raise StepFailure(f"grade.py wrote no report:\n{tail(output)}")
    return status, output, json.loads(report_path.read_text())


@step("compile-fail")
def compile_fail():
    """Lessons may declare code that must NOT compile (label lessonNN.compilefail): a deleted
    overload that keeps a view from outliving its buffer, for example."""
    build = ROOT / "build" / "default"
    status, output = run(["ctest", "--test-dir", str(build), "-L", r"^lesson[0-9]+\.compilefail$", "--output-on-failure"])
    summary = [l for l in output.splitlines() if "tests passed" in l]
    if status != 0:
        raise StepFailure(tail(output, 30))
    return summary[0].strip() if summary else "none declared"


@step("solutions")
def solutions_pass():
    status, output, report = grade("solutions", OUT / "solutions")
    bad = [f"lesson {l['number']}: {t['name']}: {t['status']}: {t['message']}"
           for l in report["lessons"] for t in l["tests"] if t["status"] != "passed"]
    if status != 0 or bad:
        raise StepFailure("\n".join(bad[:30]) or tail(output))
    t = report["totals"]
    return f"{t['passed']}/{t['total']} tests, {t['points']:.0f}/{t['max_points']:.0f} points"


@step("stubs")
def stubs_fail():
    status, output, report = grade("exercises", OUT / "exercises")
    lessons = {l["number"]: l for l in manifest()}
    problems = []
    by_design = 0
    for lesson in report["lessons"]:
        allowed = lessons[lesson["number"]]["stub_passes"]
        for t in lesson["tests"]:
            # A sanitizer part's test ("race-free:Suite.Test") is marked like the test it repeats.
            marked = any(fnmatch.fnmatch(t["name"].split(":")[-1], p) for p in allowed)
            if marked:
                by_design += 1
                if t["status"] != "passed":
                    problems.append(f"lesson {lesson['number']}: {t['name']} is marked as passing on the stub but {t['status']}")
            elif t["status"] == "passed":
                problems.append(f"lesson {lesson['number']}: {t['name']} passes on the stub (a test that cannot fail?)")
            elif t["status"] not in ("not_implemented", "failed"):
                problems.append(f"lesson {lesson['number']}: {t['name']} {t['status']} on the stub: {t['message']}")
    if status == 0:
        problems.append("make check exits 0 on the stubs")
    if problems:
        raise StepFailure("\n".join(problems[:30]))
    t = report["totals"]
    return f"{t['total'] - t['passed']}/{t['total']} graded tests fail on the stubs; {by_design} pass by design"


SANITIZER_PARTS = (("thread", "tsan", "thread_graders"), ("address", "asan", "address_graders"))


def sanitizer_build(preset):
    """The sanitizer build of `preset`, configured with the mutants' targets."""
    build = configure(preset)
    # The mutants' targets exist only when the build was configured with EDI_MUTANTS=ON (a
    # build directory configured by an older preset may hold OFF in its cache).
    cache = build / "CMakeCache.txt"
    if cache.exists() and "EDI_MUTANTS:BOOL=ON" not in cache.read_text():
        run(["cmake", "-S", str(ROOT), "-B", str(build), "-DEDI_MUTANTS=ON"])
    return build


def sanitizer_mutants(lesson, mutants, kind):
    """The mutants a sanitizer part builds: a race mutant for the TSan part, a use-after-release
    one for the ASan part, any other survivor for every part the lesson has."""
    return [m for m in mutants if not m.startswith(("race_", "asan_")) or m.startswith("race_") == (kind == "thread")]


def prebuild_sanitizer_mutants(survivors):
    """Every lesson's sanitizer mutants in one ninja run per sanitizer build, both builds at once
    (two jobs each), instead of one short build per lesson and part that leaves a core idle."""
    batches = {}
    for lesson, mutants in survivors:
        for kind, preset, key in SANITIZER_PARTS:
            if lesson.get(key) and mutants:
                batches.setdefault(preset, []).extend(
                    f"grade{lesson['number']}_mut_{m}" for m in sanitizer_mutants(lesson, mutants, kind))
    builds = {preset: sanitizer_build(preset) for preset in batches}

    def build_one(preset):
        progress_build(builds[preset], [*batches[preset], "--", "-k", "0", "-j2"], PROGRESS,
                       f"the sanitizer mutants ({preset})", "a few minutes on 2 cores")

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(build_one, batches))


def sanitizer_part_catches(lesson, mutants):
    """Builds `mutants` of a lesson in the sanitizer builds of its graded parts and runs each part's
    tests under its sanitizer, as `make check` does. Returns ({mutant: caught by}, problems)."""
    caught, problems = {}, []
    for kind, preset, key in SANITIZER_PARTS:
        patterns = lesson.get(key) or []
        if not patterns or not mutants:
            continue
        build = sanitizer_build(preset)
        mine = sanitizer_mutants(lesson, mutants, kind)
        targets = [f"grade{lesson['number']}_mut_{m}" for m in mine]
        progress_build(build, [*targets, "--", "-k", "0"], PROGRESS, f"lesson {lesson['number']}'s mutants ({preset})",
                       "a few minutes on 2 cores")
        env = dict(os.environ, GTEST_COLOR="no")
        if kind == "thread":
            env["TSAN_OPTIONS"] = "second_deadlock_stack=1"
        for m in mine:
            if m in caught:
                continue
            exe = build / "tests" / lesson["dir"] / f"grade{lesson['number']}_mut_{m}"
            if not exe.exists():
                problems.append(f"mutant {lesson['number']}/{m} does not compile in the {preset} build")
                continue
            status, output = run([str(exe), "--gtest_brief=1", "--gtest_filter=" + ":".join(patterns)], env=env,
                                 timeout=600)
            if status != 0:
                what = re.search(r"(WARNING: ThreadSanitizer: [^(\n]+|ERROR: AddressSanitizer: \S+|runtime error: [^\n]+)",
                                 output or "")
                caught[m] = f"the {'race-free' if kind == 'thread' else 'memory-safe'} part ({preset}" + (
                    f": {what.group(1).strip()})" if what else ")")
    return caught, problems


@step("docs")
def docs_examples():
    """Every console example of the documentation whose output is shown is run and compared
    (tools/doctest_md.py); README's `make check` scoreboard is compared with the stubs step's."""
    status, output = run([PY, str(ROOT / "tools" / "doctest_md.py"), "--self-test"], cwd=str(ROOT), timeout=300)
    if status != 0:
        raise StepFailure("the runner's own test failed:\n" + tail(output, 20))
    cmd = [PY, str(ROOT / "tools" / "doctest_md.py"), "--bin-dir", str(ROOT / "build" / "default" / "tools" / "edi")]
    scoreboard = OUT / "exercises" / "scoreboard.txt"
    if scoreboard.exists():
        # The expensive examples need the tree the build step built; make check's output is the
        # stubs step's, not a second full grade.
        cmd += ["--run-expensive", "--output-of", f"make check={scoreboard}"]
    # As a learner's terminal shows it: no progress lines (cleared there), and no "make[1]:
    # Entering directory" from the make that runs this step.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update(NO_COLOR="1", EDI_QUIET="1")
    status, output = run(cmd, env=env, cwd=str(ROOT), timeout=1200)
    if status != 0:
        raise StepFailure(tail(output, 40))
    return output.strip().splitlines()[-1] if output.strip() else "passed"


@step("mutants")
def mutants_caught():
    """Every mutant is caught by the normal graders or, for races and memory errors, by the
    lesson's graded sanitizer part (built in build/tsan or build/asan only for the mutants the
    normal graders let through)."""
    build = ROOT / "build" / "default"
    lessons = manifest()
    # race_* and asan_* mutants put back a race or a memory error that only a sanitizer sees:
    # they go straight to the lesson's sanitizer part, without a build the normal graders run.
    sanitizer_only = {l["number"]: [m for m in l["mutants"] if m.startswith(("race_", "asan_"))] for l in lessons}
    targets = [f"grade{l['number']}_mut_{m}" for l in lessons for m in l["mutants"] if m not in sanitizer_only[l["number"]]]
    if targets:
        progress_build(build, [*targets, "--", "-k", "0"], PROGRESS, "the mutants", "several minutes on 2 cores")
    problems = []
    lines = []
    jobs = []
    survivors = {}
    for lesson in lessons:
        if len(lesson["mutants"]) < 3:
            problems.append(f"lesson {lesson['number']} has {len(lesson['mutants'])} mutants (at least 3 wanted)")
        for m in lesson["mutants"]:
            if m in sanitizer_only[lesson["number"]]:
                if not (lesson.get("thread_graders") or lesson.get("address_graders")):
                    problems.append(f"mutant {lesson['number']}/{m} is a sanitizer mutant of a lesson without a sanitizer part")
                else:
                    survivors.setdefault(lesson["number"], (lesson, []))[1].append(m)
                continue
            exe = build / "tests" / lesson["dir"] / f"grade{lesson['number']}_mut_{m}"
            if not exe.exists():
                problems.append(f"mutant {lesson['number']}/{m} does not compile (fix its spec)")
                continue
            jobs.append((lesson, m, exe))
    # Four at a time on any machine: a mutant that deadlocks or loses a wake-up is caught only when
    # a liveness bound (8-10 s) runs out, asleep, so the cores are free for the others meanwhile.
    # Each grader runs in one process, bounded by a timeout.
    # A spec's "caught-by: Suite.Test" line is a hint: that test runs first, alone, and when it
    # fails the mutant is caught without running the rest; a stale hint (the test passes, or is
    # gone) falls back to the whole suite and is reported, so a hint never decides a verdict.
    running = []
    stale = []

    def start(lesson, m, exe, hint):
        env = dict(os.environ, GTEST_COLOR="no")
        # Fail fast: the first failing test proves the mutant caught, and a mutant that deadlocks
        # would otherwise wait out every test's bound in turn.
        cmd = [str(exe), "--gtest_brief=1", "--gtest_fail_fast"] + ([f"--gtest_filter={hint}"] if hint else [])
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                                env=env, stdin=subprocess.DEVNULL)
        running.append((lesson, m, exe, hint, proc, time.time()))

    def finish(entry):
        lesson, m, exe, hint, proc, started = entry
        try:
            out, _ = proc.communicate(timeout=max(1, 300 - (time.time() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            lines.append(f"  {lesson['number']}/{m}: caught (the graders timed out on it)")
            return
        failed = re.findall(r"^\[  FAILED  \] (\S+)", out, re.M)
        if proc.returncode != 0:
            names = sorted(set(failed))
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            lines.append(f"  {lesson['number']}/{m}: caught by {shown or 'a crash'}")
        elif hint:
            stale.append(f"{lesson['number']}/{m} (caught-by: {hint})")
            start(lesson, m, exe, None)
            finish(running.pop())
        else:
            survivors.setdefault(lesson["number"], (lesson, []))[1].append(m)

    for lesson, m, exe in jobs:
        spec = ROOT / "tests" / lesson["dir"] / "mutants" / f"{m}.mutant"
        hint = re.search(r"^caught-by:[ \t]*(\S+)", spec.read_text(), re.M) if spec.exists() else None
        start(lesson, m, exe, hint.group(1) if hint else None)
        if len(running) == 4:
            finish(running.pop(0))
    while running:
        finish(running.pop(0))
    if stale:
        print("stale caught-by hints (the whole suite ran instead): " + ", ".join(stale))
    by_sanitizer = 0
    prebuild_sanitizer_mutants(survivors.values())
    for lesson, mutants in survivors.values():
        caught, build_problems = sanitizer_part_catches(lesson, mutants)
        problems += build_problems
        for m in mutants:
            if m in caught:
                by_sanitizer += 1
                lines.append(f"  {lesson['number']}/{m}: caught by {caught[m]}")
            else:
                spec = ROOT / "tests" / lesson["dir"] / "mutants" / f"{m}.mutant"
                text = spec.read_text() if spec.exists() else ""
                first = text.splitlines()[0].lstrip("# ") if text else ""
                only = re.search(r"^graders:[ \t]*(.+)$", text, re.M)
                problems.append(f"mutant {lesson['number']}/{m} survives every grader"
                                + (f" it was built with (its spec's graders: {only.group(1).strip()})" if only else "")
                                + f": {first}")
    print("\n".join(sorted(lines)))
    if problems:
        raise StepFailure("\n".join(problems))
    return f"{len(jobs) + by_sanitizer} mutants, all caught ({by_sanitizer} by a graded sanitizer part)"


@step("lessons")
def lesson_files():
    problems = []
    for lesson in manifest():
        d = lesson["dir"]
        for path in (f"lessons/{d}/README.md", f"lessons/{d}/HINTS.md", f"lessons/{d}/demo.cpp"):
            if not (ROOT / path).exists():
                problems.append(f"{path} is missing")
        hints = ROOT / "lessons" / d / "HINTS.md"
        if hints.exists():
            sections = re.split(r"^## ", hints.read_text(), flags=re.M)[1:]
            if not sections:
                problems.append(f"lessons/{d}/HINTS.md has no '## Exercise' sections")
            for sec in sections:
                count = len(re.findall(r"^### ", sec, flags=re.M))
                if count < 3:
                    problems.append(f"lessons/{d}/HINTS.md: '{sec.splitlines()[0]}' has {count} hints (3 or more wanted)")
        ex = {p.name for p in (ROOT / "exercises" / d).iterdir()} if (ROOT / "exercises" / d).exists() else set()
        so = {p.name for p in (ROOT / "solutions" / d).iterdir()} if (ROOT / "solutions" / d).exists() else set()
        if ex != so:
            problems.append(f"exercises/{d} and solutions/{d} differ in files: {sorted(ex ^ so)}")
        # exercises/NN-topic holds only work for the learner: a file equal to the reference's is
        # provided code, and belongs in given/NN-topic.
        same = sorted(n for n in ex & so
                      if (ROOT / "exercises" / d / n).read_bytes() == (ROOT / "solutions" / d / n).read_bytes())
        if same:
            problems.append(f"exercises/{d} has files equal to the reference's (move them to given/{d}): {same}")
        markers = subprocess.run(["grep", "-rlE", "FIXME|TODO|NotImplemented|not implemented", str(ROOT / "solutions" / d)],
                                 capture_output=True, text=True).stdout.split()
        if markers:
            problems.append(f"solutions/{d} still has stub markers: {markers}")
    if problems:
        raise StepFailure("\n".join(problems))
    return f"{len(manifest())} lessons complete"


@step("demos")
def demos_run():
    build = ROOT / "build" / "default"
    problems = []
    count = 0
    for lesson in manifest():
        for impl in ("solutions", "exercises"):
            exe = build / "tests" / lesson["dir"] / f"demo{lesson['number']}_{impl}"
            if not exe.exists():
                problems.append(f"{exe.relative_to(ROOT)} was not built")
                continue
            status, output = run([str(exe)], timeout=120, env=dict(os.environ, EDI_DEMO_QUICK="1"))
            count += 1
            if status is None:
                problems.append(f"demo {lesson['number']} ({impl}) did not finish in 120 s")
            elif status != 0:
                problems.append(f"demo {lesson['number']} ({impl}) exited {status}:\n{tail(output, 8)}")
            elif impl == "exercises" and "not implemented" not in output.lower():
                problems.append(f"demo {lesson['number']} on the stubs does not say the code is not implemented yet")
    if problems:
        raise StepFailure("\n".join(problems))
    return f"{count} demo runs"


@step("benchmarks")
def benchmarks_smoke():
    build = ROOT / "build" / "default"
    binaries = [(build / "tests" / "core" / "core_bench", "core")]
    binaries += [(build / "tests" / l["dir"] / f"bench{l['number']}", l["number"]) for l in manifest() if l["benchmarks"]]
    problems = []
    count = 0
    for exe, name in binaries:
        out_json = OUT / f"bench-{name}.json"
        out_json.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, EDI_BENCH_BYTES=str(1 << 20), EDI_BENCH_SMOKE="1")
        status, output = run([str(exe), "--benchmark_min_time=0.01", f"--benchmark_out={out_json}",
                              "--benchmark_out_format=json"], env=env, timeout=600)
        if status != 0:
            problems.append(f"{exe.name} exited {status}:\n{tail(output, 10)}")
            continue
        data = json.loads(out_json.read_text())
        for b in data.get("benchmarks", []):
            count += 1
            if b.get("error_occurred") and not b["name"].startswith("exercises/"):
                problems.append(f"{exe.name}: {b['name']}: {b.get('error_message')}")
    if problems:
        raise StepFailure("\n".join(problems))
    return f"{count} benchmark runs"


def sanitizer_run(preset, labels):
    build = configure(preset)
    lessons = manifest()
    targets = [f"grade{l['number']}_solutions" for l in lessons]
    if "core" in labels:
        targets += ["core_tests", "edi", "fuzz_replay"]  # every test labelled core needs its binary
    build_targets(build, targets, f"the {preset} preset")
    regex = "^(" + "|".join(labels + [f"lesson{l['number']}\\.solutions" for l in lessons]) + ")$"
    status, output = run(["ctest", "--test-dir", str(build), "-L", regex, "-j2", "--output-on-failure"])
    if status != 0:
        failed = [l for l in output.splitlines() if "***" in l or "Failed" in l][:20]
        reports = [l for l in output.splitlines() if "Sanitizer" in l or "runtime error" in l][:10]
        raise StepFailure("\n".join(failed + reports) or tail(output, 40))
    summary = [l for l in output.splitlines() if "tests passed" in l]
    return summary[0].strip() if summary else "passed"


@step("asan")
def asan():
    return sanitizer_run("asan", ["core"])


@step("tsan")
def tsan():
    return sanitizer_run("tsan", [])


@step("profile")
def profile_smoke():
    build = configure("profile")
    lessons = [l for l in manifest() if l["workload"]]
    build_targets(build, [f"workload{l['number']}_solutions" for l in lessons], "the profile preset")
    problems = []

    def profile(lesson):
        # The CPU profiler samples CPU time (ITIMER_PROF), so two workloads side by side on two
        # cores get as many samples each as alone; the reports are google-pprof (Perl) work.
        return lesson, run([PY, str(ROOT / "tools" / "profile.py"), "--lesson", lesson["number"], "--impl", "solutions",
                            "--no-build"], env=dict(os.environ, NO_COLOR="1"), timeout=900)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(profile, lessons))
    for lesson, (status, output) in results:
        out = ROOT / "build" / "profile" / lesson["number"]
        if status != 0:
            problems.append(f"make profile LESSON={lesson['number']} failed:\n{tail(output, 10)}")
            continue
        for name in ("cpu.prof", "cpu.txt", "cpu_cum.txt", "cpu.svg", "heap.txt", "leaks.txt"):
            if not (out / name).exists() or (out / name).stat().st_size == 0:
                problems.append(f"build/profile/{lesson['number']}/{name} is missing or empty")
        text = (out / "cpu.txt").read_text() if (out / "cpu.txt").exists() else ""
        m = re.search(r"Total: (\d+) samples", text)
        if not m or int(m.group(1)) < 100:
            problems.append(f"lesson {lesson['number']}: the CPU profile has {m.group(1) if m else 'no'} samples (100 or more wanted)")
    if problems:
        raise StepFailure("\n".join(problems))
    return f"{len(results)} lessons profiled"


@step("profile-page")
def profile_page():
    """make profile LESSON=06's page draws in headless Chromium: the flame graph renders and the
    screenshot shows a page. Installs Chromium and the flame graph renderer itself (tools/setup.sh
    profile flame browser), then profiles lesson 06 again so the page has its flame graph."""
    status, output = run([PY, str(ROOT / "tools" / "check_profile_page.py"), "--lesson", "06"],
                         env=dict(os.environ, NO_COLOR="1"), timeout=1800)
    if status != 0:
        raise StepFailure(tail(output, 20))
    return [l for l in output.splitlines() if l.startswith("ok flame graph drawn")][0][3:]


@step("grader")
def grader_selftest():
    status, output = run([PY, "-m", "tools.grade", "selftest"], env=dict(os.environ, NO_COLOR="1"), cwd=str(ROOT))
    if status != 0:
        raise StepFailure(tail(output, 40))
    return output.strip().splitlines()[-1] if output.strip() else "passed"


@step("harness")
def harness_current():
    status, output = run([PY, "-m", "tools.grade", "harness", "check"], cwd=str(ROOT))
    if status != 0:
        raise StepFailure(output.strip() + "\n(after changing the harness on purpose: python3 -m tools.grade harness update)")
    listed, lists = run([PY, "-m", "tools.grade", "expected", "check"], cwd=str(ROOT))
    if listed != 0:
        raise StepFailure(lists.strip())
    # A provided file has one home, given/NN-topic/ (checksummed above): the same name in
    # exercises/ or solutions/ would hide it or be hidden by it.
    from tools.grade import harness  # noqa: E402
    twins = [f"{twin.relative_to(ROOT)} (given: {given.relative_to(ROOT)})" for twin, given in harness.given_collisions()]
    if twins:
        raise StepFailure("files named like a provided file of given/: " + ", ".join(twins))
    return output.strip() + "; " + lists.strip()


STEPS = [build_default, core_tests, compile_fail, lesson_files, solutions_pass, stubs_fail, docs_examples, mutants_caught, demos_run,
         benchmarks_smoke, asan, tsan, profile_smoke, profile_page, grader_selftest, harness_current]


def main():
    skip = {s for s in os.environ.get("SELFTEST_SKIP", "").split(",") if s}
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.time()
    passed = failed = 0
    print(f"make test: {len(STEPS)} steps, about 25 minutes on 2 cores (the first build included; "
          f"the mutants step is most of it); SELFTEST_SKIP=step,... skips steps", flush=True)
    for number, fn in enumerate(STEPS, 1):
        name = fn.step_name
        if name in skip:
            print(S.dim(f"-- [{number}/{len(STEPS)}] {name}: skipped (SELFTEST_SKIP)"))
            continue
        print(S.bold(f"-- [{number}/{len(STEPS)}] {name}"), flush=True)
        t0 = time.time()
        try:
            with Ticker(PROGRESS, f"[{number}/{len(STEPS)}] {name}"):
                detail = fn()
            passed += 1
            print(f"   {S.green('ok')} {name}: {detail} ({time.time() - t0:.0f} s)", flush=True)
        except StepFailure as e:
            failed += 1
            print(f"   {S.red('FAILED')} {name} ({time.time() - t0:.0f} s)\n" + "\n".join("   " + l for l in str(e).splitlines()),
                  flush=True)
            if name == "build":
                break
    print(f"\nmake test: {passed} passed, {failed} failed ({time.time() - started:.0f} s)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
