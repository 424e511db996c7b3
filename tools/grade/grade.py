"""make check: build the graders of each lesson, run every graded test in its own process, print
the scoreboard and write build/grade/report.json and build/grade/junit.xml.

    python3 -m tools.grade check [--lesson NN] [--impl exercises|solutions] [--build DIR] [--perf auto|on|off]
             [--sanitize auto|off|thread|address] [--quiet]

One path from test to score:
  1. The lesson's files are scanned for code that could rewrite the graders (tamper.py): a lesson
     with a finding is "tampered" and scores 0.
  2. The graders are built, one target per lesson and build: a lesson that does not compile costs
     only itself ("does not compile", with the first compiler error).
  3. The names to run come from the harness (tests/NN-topic/graded.txt), never from the learner's
     binary. Each runs in its own process and session with a time limit (runner.py); its verdict
     comes from the records the grader's main() writes with a per-run token, and its exit status.
  4. Lessons with threads run their THREAD_GRADERS again under ThreadSanitizer ("race-free"),
     lessons 01 and 02 their ADDRESS_GRADERS under ASan+UBSan ("memory-safe"): graded parts of the
     lesson. --sanitize off skips them and marks the grade partial.
  5. Processes a test left running are killed and reported; the harness checksum is checked; the
     reports are written last, atomically.
The exit status is 0 only when every graded test passed and the grade is valid and complete; the
last line says why otherwise. The report's schema is in docs/grading.md.
"""
import argparse
import concurrent.futures
import datetime
import fnmatch
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from . import expected, harness, runner, tamper
from .common import ROOT, Style, load_manifest, run, select_lessons
from ..progress import NINJA_STEP, Progress

LESSON_POINTS = 100.0
PARTS = {
    "thread": {"suite": "race-free", "preset": "tsan", "name": "ThreadSanitizer", "key": "thread_graders"},
    "address": {"suite": "memory-safe", "preset": "asan", "name": "ASan+UBSan", "key": "address_graders"},
}
SANITIZER_NAMES = {"thread": "ThreadSanitizer", "address": "AddressSanitizer+UndefinedBehaviorSanitizer"}
PART_TIMEOUT_FACTOR = 4  # sanitizers slow a test down 2-15x
GCC_ERROR = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? (?:fatal )?error: (?P<msg>.*)$")


# --- building -----------------------------------------------------------------------------------

def first_compiler_error(output, impl_dir):
    """The first error of a failed build: (file, line, message), preferring the learner's files."""
    errors = []
    for line in output.splitlines():
        m = GCC_ERROR.match(line.strip())
        if m:
            errors.append((m.group("file"), int(m.group("line")), m.group("msg")))
    for e in errors:
        if impl_dir in e[0]:
            return e
    if errors:
        return errors[0]
    for line in output.splitlines():
        if "undefined reference" in line or "multiple definition" in line:
            return ("(linker)", 0, line.split(": ", 1)[-1].strip())
    tail = [l for l in output.splitlines() if l.strip()][-3:]
    return ("(build)", 0, " / ".join(tail) or "the build failed")


def configure_part_build(preset, build_dir, exercises_root, progress):
    """Configures a sanitizer build next to the main one (once)."""
    if (build_dir / "build.ninja").exists():
        return True, ""
    progress.note(f"configuring the {preset} build in {os.path.relpath(build_dir, ROOT)} (first time only, about a minute)")
    cmd = ["cmake", "--preset", preset, "-B", str(build_dir), f"-DEDI_EXERCISES_ROOT={exercises_root}"]
    done = threading.Event()

    def tick():
        started = time.monotonic()
        while not done.wait(10):
            progress.say(f"configuring the {preset} build: {time.monotonic() - started:.0f} s", force=True)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        status, output = run(cmd, cwd=str(ROOT))
    finally:
        done.set()
        ticker.join()
        progress.clear()
    return status == 0, output


def build_targets(build, targets, progress, label, jobs=None):
    """Builds `targets` in one ninja run that keeps going past failures, showing [n/N] progress
    (`jobs`: ninja's -j, its own default when None). Returns {target: (ok, output of a failed
    target's own build)}."""
    first = not (pathlib.Path(build) / ".ninja_log").exists()
    if first:
        progress.note(f"first build of the {label} graders: several minutes on 2 cores; later regrades take seconds")
    cmd = ["cmake", "--build", str(build), "--target", *targets, "--", "-k", "0"] + ([f"-j{jobs}"] if jobs else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            stdin=subprocess.DEVNULL)
    for line in proc.stdout:
        m = NINJA_STEP.match(line.strip())
        if m:
            what = m.group(3)
            what = what.replace("Building CXX object ", "compiling ").replace("Linking CXX executable ", "linking ")
            progress.say(f"[{m.group(1)}/{m.group(2)}] building {label}: {what}", force=m.group(1) == "1")
    proc.wait()
    progress.clear()
    result = {}
    for target in targets:
        if proc.returncode == 0:
            result[target] = (True, "")
            continue
        _, dry = run(["ninja", "-C", str(build), "-n", target])
        if "no work to do" in dry:
            result[target] = (True, "")
        else:
            status, output = run(["cmake", "--build", str(build), "--target", target])
            result[target] = (status == 0, output)
    return result


# --- the plan -----------------------------------------------------------------------------------

def part_build_dir(main_build, preset):
    """build/default's sanitizer builds are the presets' build/tsan and build/asan; another main
    build (a scratch copy) gets <build>-tsan and <build>-asan."""
    main_build = pathlib.Path(main_build)
    if main_build.parent == ROOT / "build":
        return ROOT / "build" / preset
    return main_build.parent / f"{main_build.name}-{preset}"


def matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def grader_exe(build, lesson, impl):
    return pathlib.Path(build) / "tests" / lesson["dir"] / f"grade{lesson['number']}_{impl}"


# --- grading ------------------------------------------------------------------------------------

def assign_points(tests):
    """Each lesson is worth 100 points, split evenly between its suites (its pieces, and its
    sanitizer parts) and then between the tests of a suite."""
    suites = {}
    for t in tests:
        suites.setdefault(t["suite"], []).append(t)
    for members in suites.values():
        share = LESSON_POINTS / len(suites) / len(members)
        for t in members:
            t["max_points"] = round(share, 4)
            t["points"] = round(share, 4) if t["status"] == "passed" else 0.0


def sanitizer_env(kind):
    env = dict(os.environ)
    if kind == "thread":
        env["TSAN_OPTIONS"] = "second_deadlock_stack=1 " + env.get("TSAN_OPTIONS", "")
    elif kind == "address":
        env["ASAN_OPTIONS"] = "detect_leaks=1:" + env.get("ASAN_OPTIONS", "")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:" + env.get("UBSAN_OPTIONS", "")
    return env


def grade(args):
    progress = Progress(quiet=args.quiet)
    runner.become_subreaper()
    main_build = pathlib.Path(args.build).resolve()
    manifest = load_manifest(main_build)
    lessons = select_lessons(manifest, args.lesson)
    impl = args.impl
    main_sanitize = manifest.get("sanitize")  # the main build itself may be a sanitizer build
    parts_on = args.sanitize != "off"
    report_dir = pathlib.Path(args.report_dir).resolve()
    exercises_root = pathlib.Path(manifest.get("exercises_root") or ROOT / "exercises")
    impl_root = exercises_root if impl == "exercises" else ROOT / "solutions"

    # 1. Tampering.
    tampered = {l["number"]: tamper.scan_lesson(impl_root, l["dir"]) for l in lessons}

    # 2. Building: the main build, then each sanitizer build a graded part needs.
    plan = {}  # lesson number -> [(part kind or None, build dir)]
    builds = {main_build: []}
    for lesson in lessons:
        plan[lesson["number"]] = [(None, main_build)]
        if tampered[lesson["number"]]:
            continue
        builds[main_build].append(f"grade{lesson['number']}_{impl}")
        for kind, part in PARTS.items():
            if parts_on and lesson.get(part["key"]):
                pdir = part_build_dir(main_build, part["preset"])
                plan[lesson["number"]].append((kind, pdir))
                builds.setdefault(pdir, []).append(f"grade{lesson['number']}_{impl}")
    if main_build == ROOT / "build" / "default" and not main_sanitize:
        builds[main_build].append("edi")  # lesson 00 and docs/edi-tool.md use it
    built = {}
    config_errors = {}
    ready = []
    for bdir, targets in builds.items():
        if not targets:
            continue
        if bdir != main_build:
            preset = "tsan" if bdir.name.endswith("tsan") else "asan"
            ok, output = configure_part_build(preset, bdir, exercises_root, progress)
            if not ok:
                config_errors[bdir] = output
                for t in targets:
                    built[(bdir, t)] = (False, output)
                continue
        ready.append((bdir, targets))
    # The main build and the sanitizer builds at the same time, sharing ninja's usual number of
    # jobs (cores + 2): after an edit each recompiles the same few grader files, and one build's
    # link and its last long compile no longer leave a core idle while the next waits its turn.
    jobs = math.ceil(((os.cpu_count() or 1) + 2) / len(ready)) if len(ready) > 1 else None

    def build_one(entry):
        bdir, targets = entry
        return bdir, build_targets(bdir, sorted(set(targets)), progress, "main" if bdir == main_build else bdir.name, jobs)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(ready))) as pool:
        for bdir, results in pool.map(build_one, ready):
            for t, result in results.items():
                built[(bdir, t)] = result

    # 3. The tests to run.
    jobs = []
    entries = {}
    unknown = {}
    for lesson in lessons:
        number = lesson["number"]
        entry = {"number": number, "name": lesson["dir"], "tests": [], "compile_error": None, "performance": None,
                 "tampered": None, "parts": [], "ignored_tests": []}
        entries[number] = entry
        target = f"grade{number}_{impl}"
        if tampered[number]:
            entry["tampered"] = [{"file": f, "line": l, "message": m} for f, l, m in tampered[number]]
            f, l, m = tampered[number][0]
            entry["tests"].append({"name": "(scan)", "suite": "(scan)", "status": "tampered",
                                   "message": f"{f}:{l}: {m}", "seconds": 0.0})
            continue
        names = expected.load(lesson["dir"])
        if names is None:
            entry["tests"].append({"name": "(harness)", "suite": "(harness)", "status": "crashed", "seconds": 0.0,
                                   "message": f"tests/{lesson['dir']}/graded.txt is missing: the harness is incomplete"})
            continue
        ok, output = built.get((main_build, target), (False, "not built"))
        if not ok:
            file, line, message = first_compiler_error(output, f"{impl_root.name}/{lesson['dir']}")
            rel = os.path.relpath(file, ROOT) if os.path.isabs(file) else file
            entry["compile_error"] = {"file": rel, "line": line, "message": message}
            entry["tests"].append({"name": "(build)", "suite": "(build)", "status": "compile_error",
                                   "message": f"does not compile: {rel}:{line}: {message}", "seconds": 0.0})
            continue
        listed = runner.list_tests(grader_exe(main_build, lesson, impl))
        entry["ignored_tests"] = sorted(set(listed) - set(names))
        timeout = float(lesson["timeout"])
        for kind, bdir in plan[number]:
            if kind is None:
                selected = names
                # A typed suite's tests (ExceptionSafety/LruCache.Test, ExceptionSafety/TtlCache.Test)
                # make one suite: the name before the first '/'.
                suite_of = lambda n: n.split(".")[0].split("/")[0]  # noqa: E731
                prefix = ""
                env = sanitizer_env(main_sanitize.split(",")[0] if main_sanitize else None)
                limit = timeout
            else:
                part = PARTS[kind]
                selected = [n for n in names if matches(n, lesson[part["key"]])]
                prefix = part["suite"] + ":"
                suite_of = lambda n, s=part["suite"]: s  # noqa: E731
                env = sanitizer_env(kind)
                limit = timeout * PART_TIMEOUT_FACTOR
                entry["parts"].append({"suite": part["suite"], "sanitizer": part["name"], "tests": len(selected)})
                pok, poutput = built.get((bdir, target), (False, "not built"))
                if not pok:
                    file, line, message = first_compiler_error(poutput, f"{impl_root.name}/{lesson['dir']}")
                    for n in selected:
                        entry["tests"].append({"name": prefix + n, "suite": part["suite"], "status": "compile_error",
                                               "message": f"the {part['name']} build does not compile: {file}:{line}: {message}",
                                               "seconds": 0.0})
                    continue
            exe = grader_exe(bdir, lesson, impl)
            for n in selected:
                test = {"name": prefix + n, "suite": suite_of(n), "status": None, "message": "", "seconds": 0.0}
                entry["tests"].append(test)
                jobs.append((test, exe, n, limit, f"{number}/{prefix}{n}", env))

    # 4. Running.
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="edi-grade-"))
    by_id = {}
    done = 0
    total = len(jobs)

    def work(job):
        test, exe, name, limit, test_id, env = job
        return job, runner.run_test(exe, name, limit, test_id, env=env, scratch=str(scratch))

    leftovers = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(work, j) for j in jobs]
            for future in concurrent.futures.as_completed(futures):
                job, result = future.result()
                test, _, _, _, test_id, _ = job
                by_id[test_id] = test
                test.update(status=result["status"], message=result["message"], seconds=result["seconds"])
                done += 1
                progress.say(f"[{done}/{total}] tests run: {test_id}", force=done == 1)
                for tid, count in runner.sweep_orphans().items():
                    leftovers[tid] = leftovers.get(tid, 0) + count
    finally:
        for tid, count in runner.sweep_orphans().items():
            leftovers[tid] = leftovers.get(tid, 0) + count
        shutil.rmtree(scratch, ignore_errors=True)
        progress.clear()
    for tid, count in leftovers.items():
        test = by_id.get(tid)
        if test is not None:
            test["status"] = "leftover" if test["status"] == "passed" else test["status"]
            test["message"] = (test["message"] + "; " if test["message"] and test["status"] != "leftover" else "") + (
                f"left {count} process{'es' if count > 1 else ''} running after the test ended (killed)")

    # 5. Scores.
    report_lessons = []
    for lesson in lessons:
        entry = entries[lesson["number"]]
        assign_points(entry["tests"])
        entry["passed"] = sum(t["status"] == "passed" for t in entry["tests"])
        entry["total"] = len(entry["tests"]) if not entry["compile_error"] and not entry["tampered"] else None
        entry["points"] = round(sum(t["points"] for t in entry["tests"]), 2)
        entry["max_points"] = LESSON_POINTS
        entry["status"] = ("tampered" if entry["tampered"] else "compile_error" if entry["compile_error"] else
                           "passed" if entry["passed"] == len(entry["tests"]) else "failed")
        # Tests the lesson declares passing on its starting code (STUB_PASSES): the scoreboard says
        # so, so points on an untouched stub do not look like progress.
        entry["stub_passes"] = lesson.get("stub_passes", [])
        report_lessons.append(entry)

    if args.perf != "off" and (args.perf == "on" or len(lessons) == 1) and not main_sanitize:
        from . import perf  # only when asked: it runs benchmarks
        for lesson, entry in zip(lessons, report_lessons):
            if lesson["benchmarks"] and (args.perf == "on" or entry["status"] == "passed"):
                progress.say("performance panel: running the lesson's benchmarks", force=True)
                entry["performance"] = perf.panel(main_build, lesson, impl)
                progress.clear()

    # 6. Validity, last: an edit made while the tests ran is seen too.
    integrity = harness.status()
    any_parts = any(l.get(p["key"]) for l in lessons for p in PARTS.values())
    partial = not parts_on and any_parts
    reasons = []
    if not integrity["intact"]:
        reasons.append("the harness was modified")
    if any(e["tampered"] for e in report_lessons):
        reasons.append("an exercise redefines what the graders use")
    totals = {
        "passed": sum(e["passed"] for e in report_lessons),
        "total": sum(e["total"] or 0 for e in report_lessons),
        "points": round(sum(e["points"] for e in report_lessons), 2),
        "max_points": LESSON_POINTS * len(report_lessons),
    }
    report = {
        "schema": 2,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "impl": impl,
        "sanitizer": main_sanitize,
        "sanitizer_parts": parts_on,
        "partial": partial,
        "harness": integrity,
        "valid_grade": not reasons,
        "invalid_reasons": reasons,
        "lessons": report_lessons,
        "totals": totals,
    }
    write_atomically(report_dir / "report.json", json.dumps(report, indent=2) + "\n")
    write_atomically(report_dir / "junit.xml", junit_text(report))
    print_scoreboard(report, report_dir)
    all_passed = all(e["status"] == "passed" for e in report_lessons)
    s = Style()
    if reasons:
        print(s.red(s.bold("not a valid grade: " + "; ".join(reasons))))
        return 1
    if partial:
        print(s.yellow("partial grade: the sanitizer parts were skipped (SANITIZE=off); run `make check` for the whole grade"))
        return 1
    return 0 if all_passed else 1


# --- output -------------------------------------------------------------------------------------

def write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def junit_text(report):
    suites = ET.Element("testsuites", name="edifact-workbook", tests=str(report["totals"]["total"]))
    for lesson in report["lessons"]:
        failures = sum(t["status"] in ("failed", "not_implemented") for t in lesson["tests"])
        errors = sum(t["status"] not in ("passed", "failed", "not_implemented", "skipped") for t in lesson["tests"])
        suite = ET.SubElement(suites, "testsuite", name=f"lesson{lesson['number']}", tests=str(len(lesson["tests"])),
                              failures=str(failures), errors=str(errors))
        for t in lesson["tests"]:
            case = ET.SubElement(suite, "testcase", classname=f"lesson{lesson['number']}.{t['suite']}", name=t["name"],
                                 time=f"{t['seconds']:.3f}")
            ET.SubElement(case, "properties").append(
                ET.Element("property", name="points", value=f"{t['points']}/{t['max_points']}"))
            if t["status"] in ("failed", "not_implemented"):
                ET.SubElement(case, "failure", type=t["status"], message=t["message"])
            elif t["status"] == "skipped":
                ET.SubElement(case, "skipped", message=t["message"])
            elif t["status"] != "passed":
                ET.SubElement(case, "error", type=t["status"], message=t["message"])
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


LABELS = {"failed": "failed", "timeout": "timed out", "crashed": "crashed", "compile_error": "does not compile",
          "skipped": "skipped", "race": "data race", "memory_error": "memory error", "leftover": "left a process",
          "tampered": "tampered"}


def print_scoreboard(report, report_dir):
    s = Style()
    print()
    h = report["harness"]
    if not h["intact"]:
        changed = h["modified"] + h["missing"] + h["added"]
        print(s.red(s.bold("HARNESS MODIFIED: not a valid grade")) + f"  ({', '.join(changed[:5])}"
              + (f" and {len(changed) - 5} more" if len(changed) > 5 else "") + (h.get("error") or "") + ")")
    if report["sanitizer"]:
        kind = report["sanitizer"].split(",")[0]
        print(s.bold(f"Grading {report['impl']}/ under {SANITIZER_NAMES.get(kind, report['sanitizer'])}"))
    else:
        print(s.bold(f"Grading {report['impl']}/"))
    for lesson in report["lessons"]:
        name = f"{lesson['number']} {lesson['name'][3:]}"
        if lesson["status"] == "compile_error":
            ce = lesson["compile_error"]
            print(f"  {name:<24}" + s.red("does not compile") + "   0.0/100 pts")
            print(f"      {ce['file']}:{ce['line']}: {ce['message']}")
            continue
        if lesson["status"] == "tampered":
            print(f"  {name:<24}" + s.red("tampered: not graded") + "   0.0/100 pts")
            for f in lesson["tampered"][:5]:
                print(f"      {f['file']}:{f['line']}: {f['message']}")
            continue
        count = f"{lesson['passed']:>3}/{lesson['total']:<3} tests"
        points = f"{lesson['points']:5.1f}/100 pts"
        colour = s.green if lesson["status"] == "passed" else s.red if lesson["passed"] == 0 else s.yellow
        print(f"  {name:<24}{colour(count)}  {points}")
        for part in lesson["parts"]:
            members = [t for t in lesson["tests"] if t["suite"] == part["suite"]]
            ok = sum(t["status"] == "passed" for t in members)
            print(s.dim(f"      {part['suite']} ({part['sanitizer']}): {ok}/{len(members)} tests"))
        missing = {}
        for t in lesson["tests"]:
            if t["status"] == "not_implemented" and ":" not in t["name"]:
                missing.setdefault(t["message"], []).append(t["name"])
        for message, names in missing.items():
            print("      " + s.yellow(message) + s.dim(f"  ({len(names)} test{'s' if len(names) > 1 else ''})"))
        if report["impl"] == "exercises" and lesson.get("stub_passes") and lesson["status"] != "passed":
            by_design = [t for t in lesson["tests"] if t["status"] == "passed"
                         and matches(t["name"].split(":")[-1], lesson["stub_passes"])]
            if by_design:
                print(s.dim(f"      {', '.join(lesson['stub_passes'])} pass on the starting code by design "
                            f"({len(by_design)} test{'s' if len(by_design) > 1 else ''}: its output is already right)"))
        # Other failures, grouped when several tests failed the same way (a hang, a crash). A sanitizer
        # part's test that fails only because the code is a stub is already said above.
        groups = {}
        for t in lesson["tests"]:
            if t["status"] == "passed" or (t["status"] == "not_implemented" and t["message"] in missing):
                continue
            groups.setdefault((t["status"], t["message"]), []).append(t["name"])
        shown = 0
        for (status, message), names in groups.items():
            if shown == 8:
                print(s.dim(f"      ... and {len(groups) - shown} more in "
                            f"{os.path.relpath(report_dir, os.getcwd())}/report.json"))
                break
            label = LABELS.get(status, status)
            who = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
            print(f"      {s.red(label)} {who}: {message}")
            shown += 1
        if lesson["ignored_tests"]:
            shown_names = ", ".join(lesson["ignored_tests"][:3])
            more = len(lesson["ignored_tests"]) - 3
            print(s.dim(f"      not graded (not in tests/{lesson['name']}/graded.txt): {shown_names}"
                        + (f" and {more} more" if more > 0 else "")))
        perf = lesson.get("performance")
        if perf:
            print(s.dim("      performance (informational, not graded; PERF=off skips it): ") + perf["summary"])
    tot = report["totals"]
    print(s.bold(f"  {'total':<24}{tot['passed']:>3}/{tot['total']:<3} tests  {tot['points']:5.1f}/{tot['max_points']:.0f} pts"))
    rel = os.path.relpath(report_dir, os.getcwd())
    print(s.dim(f"report: {rel}/report.json  junit: {rel}/junit.xml"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m tools.grade check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default=os.environ.get("LESSON", ""))
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--build", default=str(ROOT / "build" / "default"))
    parser.add_argument("--report-dir", default=str(ROOT / "build" / "grade"))
    parser.add_argument("--perf", default="auto", choices=["auto", "on", "off"])
    parser.add_argument("--sanitize", default="auto", choices=["auto", "off"],
                        help="off skips the graded sanitizer parts (the grade is then partial)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    return grade(args)
