#!/usr/bin/env python3
"""Tests of the grader itself (a step of `make test`).

Builds lesson 00 in build/selftest-grader against a scratch copy of exercises/ and plants in it
the failures the grader must report, then checks the scoreboard and report.json:

  stub       the untouched stubs: "not implemented yet", once per missing piece
  mixed      count_segments hangs, invoice_total crashes, count_messages_by_type is right:
             timeout, crashed and passed side by side, partial points, exit status 1
  syntax     a missing semicolon: "does not compile" with that file and line, other lessons unharmed
  harness    an edited grader in a copy of the harness: "harness modified: not a valid grade"
  reports    report.json has the documented fields; junit.xml parses with one testcase per test
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from common import ROOT, run

BUILD = ROOT / "build" / "selftest-grader"
SCRATCH = BUILD / "exercises"
LESSON = "00-orientation"
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
    return condition


def configure():
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    shutil.copytree(ROOT / "exercises", SCRATCH)
    if not (BUILD / "build.ninja").exists():
        status, output = run(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-G", "Ninja",
                              "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1",
                              f"-DEDI_EXERCISES_ROOT={SCRATCH}", "-DEDI_TEST_TIMEOUT=3",
                              "-DEDI_BENCHMARKS=OFF", "-DEDI_MUTANTS=OFF"])
        if status != 0:
            raise SystemExit("configure failed:\n" + output[-3000:])


def grade(name, lesson="00", grade_py=ROOT / "tools" / "grade" / "grade.py"):
    report_dir = BUILD / "reports" / name
    status, output = run([sys.executable, str(grade_py), "--build", str(BUILD), "--lesson", lesson,
                          "--perf", "off", "--report-dir", str(report_dir)], env=dict(os.environ, NO_COLOR="1"))
    report = json.loads((report_dir / "report.json").read_text())
    return status, output, report, report_dir


def plant(text):
    (SCRATCH / LESSON / "warmup.cpp").write_text(text)


def solution():
    return (ROOT / "solutions" / LESSON / "warmup.cpp").read_text()


def tests_of(report):
    return {t["name"]: t for t in report["lessons"][0]["tests"]}


def scenario_stub():
    status, output, report, _ = grade("stub")
    tests = tests_of(report)
    check(status == 1, f"stub: exit status {status}, expected 1")
    check(all(t["status"] == "not_implemented" for t in tests.values()), "stub: every test should be not_implemented")
    for piece in ("warmup::count_segments", "warmup::count_messages_by_type", "warmup::invoice_total"):
        check(output.count(f"not implemented yet: {piece}") == 1, f"stub: '{piece}' should appear once on the scoreboard")


def scenario_mixed():
    text = solution()
    hang = text.replace("  Tokenizer tok(interchange);\n  RawSegment seg;\n  std::size_t n = 0;",
                        "  for (volatile bool forever = true; forever;) {\n  }\n"
                        "  Tokenizer tok(interchange);\n  RawSegment seg;\n  std::size_t n = 0;", 1)
    crash = hang.replace("  Amount total;\n", "  Amount total;\n  *static_cast<volatile int*>(nullptr) = 1;\n", 1)
    check(crash != hang and hang != text, "mixed: the solution changed; update selftest_grader.py's planted faults")
    plant(crash)
    status, output, report, _ = grade("mixed")
    tests = tests_of(report)
    by_suite = {}
    for t in tests.values():
        by_suite.setdefault(t["suite"], set()).add(t["status"])
    check(status == 1, f"mixed: exit status {status}, expected 1")
    check(by_suite.get("CountSegments") == {"timeout"} or by_suite.get("CountSegments") == {"timeout", "passed"},
          f"mixed: CountSegments should time out, got {by_suite.get('CountSegments')}")
    check(by_suite.get("InvoiceTotal") == {"crashed"}, f"mixed: InvoiceTotal should crash, got {by_suite.get('InvoiceTotal')}")
    check(by_suite.get("CountMessagesByType") == {"passed"},
          f"mixed: CountMessagesByType should pass, got {by_suite.get('CountMessagesByType')}")
    points = report["lessons"][0]["points"]
    check(33.0 <= points <= 40.0, f"mixed: expected about a third of the points, got {points}")
    check("timed out" in output and "crashed" in output, "mixed: the scoreboard should say 'timed out' and 'crashed'")


def scenario_syntax():
    text = solution().replace("  return n;\n", "  return n\n", 1)
    plant(text)
    line = text[: text.index("  return n\n")].count("\n") + 2  # the error is reported on the next line
    status, output, report, _ = grade("syntax")
    lesson = report["lessons"][0]
    check(status == 1, f"syntax: exit status {status}, expected 1")
    check(lesson["status"] == "compile_error", f"syntax: lesson status {lesson['status']}, expected compile_error")
    ce = lesson["compile_error"] or {}
    check(ce.get("file", "").endswith(f"{LESSON}/warmup.cpp"), f"syntax: error file {ce.get('file')}")
    check(ce.get("line") in (line - 1, line), f"syntax: error line {ce.get('line')}, expected about {line}")
    check("does not compile" in output, "syntax: the scoreboard should say 'does not compile'")
    # The other lessons build and grade as usual.
    others = [l for l in json.loads((BUILD / "lessons.json").read_text())["lessons"] if l["number"] != "00"]
    if others:
        status, output, report, _ = grade("syntax-others", lesson=others[0]["number"])
        check(report["lessons"][0]["status"] != "compile_error", "syntax: another lesson was hurt by lesson 00's error")


def scenario_harness():
    copy = BUILD / "harness-copy"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    for entry in ("tests", "core", "tools", "cmake", "data", "CMakeLists.txt", "CMakePresets.json", "Makefile"):
        src = ROOT / entry
        if src.is_dir():
            shutil.copytree(src, copy / entry, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, copy / entry)
    status, output = run([sys.executable, str(copy / "tools" / "grade" / "harness.py"), "check"])
    check(status == 0, f"harness: the unmodified copy should be intact:\n{output}")
    grader = copy / "tests" / LESSON / "warmup_test.cpp"
    grader.write_text(grader.read_text() + "\n// an edit\n")
    status, output = run([sys.executable, str(copy / "tools" / "grade" / "harness.py"), "check"])
    check(status == 1 and f"tests/{LESSON}/warmup_test.cpp" in output, f"harness: the edit was not flagged:\n{output}")
    plant(solution())
    status, output, report, _ = grade("harness", grade_py=copy / "tools" / "grade" / "grade.py")
    check("HARNESS MODIFIED: not a valid grade" in output, "harness: the scoreboard does not flag the edit")
    check(report["valid_grade"] is False and not report["harness"]["intact"], "harness: report.json does not flag the edit")


def scenario_reports():
    plant(solution())
    status, output, report, report_dir = grade("reports")
    check(status == 0, f"reports: the reference should pass, exit {status}\n{output}")
    for key in ("schema", "impl", "harness", "valid_grade", "lessons", "totals"):
        check(key in report, f"reports: report.json lacks '{key}'")
    t = report["lessons"][0]["tests"][0]
    for key in ("name", "suite", "status", "message", "points", "max_points", "seconds"):
        check(key in t, f"reports: a test entry lacks '{key}'")
    check(abs(report["totals"]["points"] - 100.0) < 0.01, f"reports: points {report['totals']['points']}, expected 100")
    cases = list(ET.parse(report_dir / "junit.xml").getroot().iter("testcase"))
    check(len(cases) == len(report["lessons"][0]["tests"]), "reports: junit.xml should have one testcase per test")


def main():
    configure()
    for scenario in (scenario_stub, scenario_mixed, scenario_syntax, scenario_harness, scenario_reports):
        before = len(FAILURES)
        scenario()
        print(f"{scenario.__name__[9:]}: {'ok' if len(FAILURES) == before else 'FAILED'}", flush=True)
    shutil.copy2(ROOT / "exercises" / LESSON / "warmup.cpp", SCRATCH / LESSON / "warmup.cpp")
    if FAILURES:
        print("\n".join(FAILURES))
        return 1
    print("grader: hang, crash, compile error and edited harness are each reported as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
