#!/usr/bin/env python3
"""make check: build the graders of each lesson, run them through CTest, print the scoreboard and
write build/grade/report.json and build/grade/junit.xml.

    grade.py [--lesson NN] [--impl exercises|solutions] [--build DIR] [--perf auto|on|off]

Every lesson is built on its own, so a learner file that does not compile costs only its lesson
("does not compile", with the first compiler error). Every test runs in its own process with a
timeout: a hang is "timed out", a crash is "crashed", and the other tests still grade. Stubs
throw edi::NotImplemented and show up once per missing piece. The exit status is 0 only when
every graded test passed. The report's schema is in docs/grading.md.
"""
import argparse
import datetime
import json
import os
import pathlib
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import harness
from common import ROOT, Style, load_manifest, run, select_lessons

STATUSES = ("passed", "failed", "not_implemented", "timeout", "crashed", "compile_error", "skipped")
LESSON_POINTS = 100.0

CTEST_LINE = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (?P<name>\S+) \.*\s*(?P<status>.*?)\s+(?P<secs>[\d.]+) sec\s*$")
GCC_ERROR = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? (?:fatal )?error: (?P<msg>.*)$")


# --- building ---------------------------------------------------------------------------------

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


def build_targets(build, targets):
    """Builds `targets` with one ninja run that keeps going past failures; returns ok by target."""
    run(["cmake", "--build", str(build), "--target", *targets, "--", "-k", "0"])
    result = {}
    for target in targets:
        status, output = run(["cmake", "--build", str(build), "--target", target])
        result[target] = (status == 0, output)
    return result


# --- running ----------------------------------------------------------------------------------

def run_ctest(build, labels, results_dir, jobs):
    """Runs the tests of `labels`; returns {ctest test name: (status text, seconds)} and outputs."""
    env = dict(os.environ, EDI_GRADE_RESULTS=str(results_dir), GTEST_COLOR="no")
    junit = results_dir / "ctest-junit.xml"
    regex = "^(" + "|".join(re.escape(l) for l in labels) + ")$"
    _, output = run(["ctest", "--test-dir", str(build), "-L", regex, "-j", str(jobs), "--output-junit", str(junit)],
                    env=env)
    verdicts = {}
    for line in output.splitlines():
        m = CTEST_LINE.match(line)
        if m:
            verdicts[m.group("name")] = (m.group("status"), float(m.group("secs")))
    outputs = {}
    if junit.exists():
        try:
            for case in ET.parse(junit).getroot().iter("testcase"):
                out = case.find("system-out")
                outputs[case.get("name")] = out.text if out is not None and out.text else ""
        except ET.ParseError:
            pass
    return verdicts, outputs


def classify(verdict, record, output, timeout):
    """Status and message of one test from CTest's verdict, the listener's record and the output."""
    text, _ = verdict
    record = record or {}
    message = record.get("message", "")
    where = f" ({record['file']}:{record['line']})" if record.get("file") and record.get("line", -1) > 0 else ""
    nie = re.search(r"not implemented yet: ([^\"\n]+)", output or "")
    if "Passed" in text:
        return "passed", ""
    if "Skipped" in text or record.get("status") == "skipped":
        # GTEST_SKIP: the test could not run here (e.g. valgrind under a sanitizer build). It earns
        # no points, and says why.
        return "skipped", "skipped: " + (first_line(message) if message else "the test skipped itself")
    if "Timeout" in text:
        return "timeout", f"stopped after its limit of {timeout} s (an endless loop or a deadlock?)"
    if record.get("status") == "not_implemented":
        return "not_implemented", "not implemented yet: " + record.get("what", "")
    if "Exception" in text or "aborted" in text or "killed" in text.lower():
        if nie:
            return "not_implemented", "not implemented yet: " + nie.group(1).strip()
        detail = crash_detail(output)
        return "crashed", f"crashed ({text.strip('*').strip()})" + (f": {detail}" if detail else "")
    if record.get("status") == "failed":
        return "failed", first_line(message) + where
    if record.get("status") == "passed":
        detail = crash_detail(output)
        return "failed", "the test passed but its process failed afterwards" + (f": {detail}" if detail else "")
    if nie:
        return "not_implemented", "not implemented yet: " + nie.group(1).strip()
    detail = crash_detail(output)
    return "crashed", f"the test process ended before the test did ({text.strip('*').strip() or 'no verdict'})" + (
        f": {detail}" if detail else "")


def crash_detail(output):
    """The most telling line of a crash's output (a sanitizer report, terminate, an assertion)."""
    for pattern in (r"(ERROR: AddressSanitizer: .*)", r"(WARNING: ThreadSanitizer: .*)", r"(runtime error: .*)",
                    r"(terminate called .*)", r"(what\(\): .*)", r"(Assertion .* failed.*)", r"(ERROR: LeakSanitizer: .*)"):
        m = re.search(pattern, output or "")
        if m:
            return m.group(1).strip()
    return ""


def first_line(message):
    lines = [l.strip() for l in (message or "").splitlines() if l.strip()]
    if not lines:
        return "failed"
    text = " ".join(lines[:4])
    return text if len(text) <= 300 else text[:297] + "..."


# --- grading ----------------------------------------------------------------------------------

def assign_points(tests):
    """Each lesson is worth 100 points, split evenly between its suites (its pieces) and then
    between the tests of a suite."""
    suites = {}
    for t in tests:
        suites.setdefault(t["suite"], []).append(t)
    for members in suites.values():
        share = LESSON_POINTS / len(suites) / len(members)
        for t in members:
            t["max_points"] = round(share, 4)
            t["points"] = round(share, 4) if t["status"] == "passed" else 0.0


def grade(args):
    build = pathlib.Path(args.build).resolve()
    manifest = load_manifest(build)
    lessons = select_lessons(manifest, args.lesson)
    impl = args.impl
    report_dir = pathlib.Path(args.report_dir).resolve()
    results_dir = report_dir / "results" / impl
    shutil.rmtree(results_dir, ignore_errors=True)
    results_dir.mkdir(parents=True)

    integrity = harness.status()
    targets = [f"grade{l['number']}_{impl}" for l in lessons]
    built = build_targets(build, targets)

    labels = [f"lesson{l['number']}.{impl}" for l, t in zip(lessons, targets) if built[t][0]]
    verdicts, outputs = run_ctest(build, labels, results_dir, args.jobs) if labels else ({}, {})

    report_lessons = []
    for lesson, target in zip(lessons, targets):
        number = lesson["number"]
        entry = {"number": number, "name": lesson["dir"], "tests": [], "compile_error": None, "performance": None}
        ok, output = built[target]
        if not ok:
            file, line, message = first_compiler_error(output, f"{impl}/{lesson['dir']}")
            rel = os.path.relpath(file, ROOT) if os.path.isabs(file) else file
            entry["compile_error"] = {"file": rel, "line": line, "message": message}
            entry["tests"].append({"name": "(build)", "suite": "(build)", "status": "compile_error",
                                   "message": f"does not compile: {rel}:{line}: {message}", "seconds": 0.0})
        else:
            prefix = f"lesson{number}.{impl}:"
            for name in sorted(n for n in verdicts if n.startswith(prefix)):
                test = name[len(prefix):]
                record_path = results_dir / target / f"{test}.json"
                record = None
                if record_path.exists():
                    try:
                        record = json.loads(record_path.read_text())
                    except json.JSONDecodeError:
                        record = None
                status, message = classify(verdicts[name], record, outputs.get(name, ""), lesson["timeout"])
                entry["tests"].append({"name": test, "suite": test.split(".")[0], "status": status,
                                       "message": message, "seconds": verdicts[name][1]})
            if not entry["tests"]:
                entry["tests"].append({"name": "(run)", "suite": "(run)", "status": "crashed",
                                       "message": "no test ran: the grader could not list its tests", "seconds": 0.0})
        assign_points(entry["tests"])
        entry["passed"] = sum(t["status"] == "passed" for t in entry["tests"])
        entry["total"] = len(entry["tests"]) if ok else None
        entry["points"] = round(sum(t["points"] for t in entry["tests"]), 2)
        entry["max_points"] = LESSON_POINTS
        entry["status"] = "compile_error" if not ok else ("passed" if entry["passed"] == len(entry["tests"]) else "failed")
        report_lessons.append(entry)

    if args.perf != "off" and (args.perf == "on" or len(lessons) == 1):
        import perf  # only when asked: it runs benchmarks
        for lesson, entry in zip(lessons, report_lessons):
            if lesson["benchmarks"] and (args.perf == "on" or entry["status"] == "passed"):
                entry["performance"] = perf.panel(build, lesson, impl)

    totals = {
        "passed": sum(e["passed"] for e in report_lessons),
        "total": sum(e["total"] or 0 for e in report_lessons),
        "points": round(sum(e["points"] for e in report_lessons), 2),
        "max_points": LESSON_POINTS * len(report_lessons),
    }
    report = {
        "schema": 1,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "impl": impl,
        "harness": integrity,
        "valid_grade": integrity["intact"],
        "lessons": report_lessons,
        "totals": totals,
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    write_junit(report, report_dir / "junit.xml")
    print_scoreboard(report, report_dir)
    all_passed = all(e["status"] == "passed" for e in report_lessons)
    return 0 if all_passed else 1


# --- output -----------------------------------------------------------------------------------

def write_junit(report, path):
    suites = ET.Element("testsuites", name="edifact-workbook", tests=str(report["totals"]["total"]))
    for lesson in report["lessons"]:
        failures = sum(t["status"] in ("failed", "not_implemented") for t in lesson["tests"])
        errors = sum(t["status"] in ("timeout", "crashed", "compile_error") for t in lesson["tests"])
        suite = ET.SubElement(suites, "testsuite", name=f"lesson{lesson['number']}", tests=str(len(lesson["tests"])),
                              failures=str(failures), errors=str(errors))
        for t in lesson["tests"]:
            case = ET.SubElement(suite, "testcase", classname=f"lesson{lesson['number']}.{t['suite']}", name=t["name"],
                                 time=f"{t['seconds']:.3f}")
            ET.SubElement(case, "properties").append(
                ET.Element("property", name="points", value=f"{t['points']}/{t['max_points']}"))
            if t["status"] in ("failed", "not_implemented"):
                ET.SubElement(case, "failure", type=t["status"], message=t["message"])
            elif t["status"] != "passed":
                ET.SubElement(case, "error", type=t["status"], message=t["message"])
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def print_scoreboard(report, report_dir):
    s = Style()
    print()
    h = report["harness"]
    if not h["intact"]:
        changed = h["modified"] + h["missing"] + h["added"]
        print(s.red(s.bold("HARNESS MODIFIED: not a valid grade")) + f"  ({', '.join(changed[:5])}"
              + (f" and {len(changed) - 5} more" if len(changed) > 5 else "") + (h.get("error") or "") + ")")
    print(s.bold(f"Grading {report['impl']}/"))
    for lesson in report["lessons"]:
        name = f"{lesson['number']} {lesson['name'][3:]}"
        if lesson["status"] == "compile_error":
            ce = lesson["compile_error"]
            print(f"  {name:<24}" + s.red("does not compile") + f"   0.0/100 pts")
            print(f"      {ce['file']}:{ce['line']}: {ce['message']}")
            continue
        count = f"{lesson['passed']:>3}/{lesson['total']:<3} tests"
        points = f"{lesson['points']:5.1f}/100 pts"
        colour = s.green if lesson["status"] == "passed" else s.red if lesson["passed"] == 0 else s.yellow
        print(f"  {name:<24}{colour(count)}  {points}")
        missing = {}
        shown = 0
        for t in lesson["tests"]:
            if t["status"] == "not_implemented":
                missing.setdefault(t["message"], []).append(t["name"])
        for message, names in missing.items():
            print("      " + s.yellow(message) + s.dim(f"  ({len(names)} test{'s' if len(names) > 1 else ''})"))
        # Other failures, grouped when several tests failed the same way (a hang, a crash).
        groups = {}
        for t in lesson["tests"]:
            if t["status"] not in ("passed", "not_implemented"):
                groups.setdefault((t["status"], t["message"]), []).append(t["name"])
        for (status, message), names in groups.items():
            if shown == 8:
                rest = len(groups) - shown
                print(s.dim(f"      ... and {rest} more in build/grade/report.json"))
                break
            label = {"failed": "failed", "timeout": "timed out", "crashed": "crashed", "compile_error": "does not compile",
                     "skipped": "skipped"}[status]
            who = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
            print(f"      {s.red(label)} {who}: {message}")
            shown += 1
        perf = lesson.get("performance")
        if perf:
            print(s.dim("      performance (informational, not graded): ") + perf["summary"])
    tot = report["totals"]
    print(s.bold(f"  {'total':<24}{tot['passed']:>3}/{tot['total']:<3} tests  {tot['points']:5.1f}/{tot['max_points']:.0f} pts"))
    rel = os.path.relpath(report_dir, os.getcwd())
    print(s.dim(f"report: {rel}/report.json  junit: {rel}/junit.xml"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default=os.environ.get("LESSON", ""))
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--build", default=str(ROOT / "build" / "default"))
    parser.add_argument("--report-dir", default=str(ROOT / "build" / "grade"))
    parser.add_argument("--perf", default="auto", choices=["auto", "on", "off"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    sys.exit(grade(args))


if __name__ == "__main__":
    main()
