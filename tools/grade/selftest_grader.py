"""Tests of the grader itself (a step of `make test`): python3 -m tools.grade selftest

Builds lesson 00 in build/selftest-grader against a scratch copy of exercises/ and plants in it
the failures the grader must report, then checks the scoreboard and report.json:

  stub       the untouched stubs: "not implemented yet", once per missing piece
  mixed      count_segments hangs, invoice_total crashes, count_messages_by_type is right:
             timeout, crashed and passed side by side, partial points, exit status 1
  syntax     a missing semicolon: "does not compile" with that file and line, other lessons unharmed
  harness    an edited grader in a copy of the harness: "harness modified: not a valid grade", exit 1
  reports    report.json has the documented fields; junit.xml parses with one testcase per test

and the cheats a hostile or careless learner could try, each of which must earn nothing:

  exit0      std::exit(0) (and _exit(0)) inside the learner's functions: the test process ends
             before its record says "passed"
  fakelist   a static initializer that prints extra passing suites for --gtest_list_tests: the
             graded names come from tests/NN-topic/graded.txt, the fakes are ignored and reported
  macro      the learner's file redefines EXPECT_EQ, or puts its own copy of a provided header
             next to it: the lesson is reported as tampered
  forged     the learner writes a "passed" record to the record descriptor, without the token
  orphan     a test forks a detached process (new session) that rewrites report.json after
             grading: it is killed, the test is reported as having left a process, report.json
             stays the grader's
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from .common import ROOT, run

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
    # copy, not copy2: a fresh modification time, so the build sees the files as changed.
    shutil.copytree(ROOT / "exercises", SCRATCH, copy_function=shutil.copy)
    if not (BUILD / "build.ninja").exists():
        status, output = run(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-G", "Ninja",
                              "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1",
                              f"-DEDI_EXERCISES_ROOT={SCRATCH}", "-DEDI_TEST_TIMEOUT=3",
                              "-DEDI_BENCHMARKS=OFF", "-DEDI_MUTANTS=OFF"])
        if status != 0:
            raise SystemExit("configure failed:\n" + output[-3000:])


def grade(name, lesson="00", root=ROOT):
    """Grades with the grader of the tree at `root` (a copy, for the harness scenario). The graded
    sanitizer parts are tested by make test's solutions, stubs and mutants steps, not here."""
    report_dir = BUILD / "reports" / name
    status, output = run([sys.executable, "-m", "tools.grade", "check", "--build", str(BUILD), "--lesson", lesson,
                          "--perf", "off", "--sanitize", "off", "--report-dir", str(report_dir)], cwd=str(root),
                         env=dict(os.environ, NO_COLOR="1"))
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
    from . import harness
    for entry in harness.HARNESS:
        src = ROOT / entry
        (copy / entry).parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, copy / entry, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, copy / entry)
    status, output = run([sys.executable, "-m", "tools.grade", "harness", "check"], cwd=str(copy))
    check(status == 0, f"harness: the unmodified copy should be intact:\n{output}")
    grader = copy / "tests" / LESSON / "warmup_test.cpp"
    grader.write_text(grader.read_text() + "\n// an edit\n")
    status, output = run([sys.executable, "-m", "tools.grade", "harness", "check"], cwd=str(copy))
    check(status == 1 and f"tests/{LESSON}/warmup_test.cpp" in output, f"harness: the edit was not flagged:\n{output}")
    plant(solution())
    status, output, report, _ = grade("harness", root=copy)
    check("HARNESS MODIFIED: not a valid grade" in output, "harness: the scoreboard does not flag the edit")
    check(status != 0, f"harness: exit status {status} with an edited harness, expected non-zero")
    check(output.strip().splitlines()[-1].startswith("not a valid grade"), "harness: the last line should say why")
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


def wrong_solution():
    """The reference with invoice_total wrong: the cheats below must not make it pass."""
    text = solution()
    wrong = text.replace("  Amount total;\n", "  Amount total;\n  total += Amount{1};\n", 1)
    check(wrong != text, "the solution changed; update selftest_grader.py's wrong_solution()")
    return wrong


def prepend_to_functions(text, statement):
    """Puts `statement` first in each of the three exercise functions."""
    out = text
    for signature in ("std::size_t count_segments(std::string_view interchange) {",
                      "count_messages_by_type(std::string_view interchange) {",
                      "Amount invoice_total(std::string_view interchange) {"):
        check(signature in out, f"the solution changed: '{signature}' not found")
        out = out.replace(signature, signature + "\n  " + statement, 1)
    return out


def scenario_exit0():
    stub = (ROOT / "exercises" / LESSON / "warmup.cpp").read_text()
    for name, statement, header in (("exit0", "std::exit(0);", "#include <cstdlib>\n"),
                                    ("_exit0", "_exit(0);", "#include <unistd.h>\n")):
        plant(header + prepend_to_functions(stub, statement))
        status, output, report, _ = grade(name)
        tests = tests_of(report)
        check(status != 0, f"{name}: exit status {status}, expected non-zero")
        check(report["lessons"][0]["points"] == 0, f"{name}: {report['lessons'][0]['points']} points, expected 0")
        check(all(t["status"] == "crashed" for t in tests.values()),
              f"{name}: every test should be 'crashed', got {sorted({t['status'] for t in tests.values()})}")
        check("exited before the test finished" in output, f"{name}: the scoreboard should say the process exited early")


def scenario_fakelist():
    stub = (ROOT / "exercises" / LESSON / "warmup.cpp").read_text()
    fake = """
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
namespace {
const bool fake_listing = [] {
  std::ifstream cmdline("/proc/self/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  if (args.find("--gtest_list_tests") != std::string::npos) {
    for (int i = 0; i < 20; ++i) std::printf("Fake%d.\\n  Passes\\n", i);
    std::fflush(stdout);
  }
  if (args.find("--gtest_filter=Fake") != std::string::npos) std::exit(0);
  return true;
}();
}  // namespace
"""
    plant(stub + fake)
    status, output, report, _ = grade("fakelist")
    lesson = report["lessons"][0]
    check(status != 0, f"fakelist: exit status {status}, expected non-zero")
    check(lesson["points"] == 0, f"fakelist: {lesson['points']} points, expected 0")
    check(not any(t["name"].startswith("Fake") for t in lesson["tests"]), "fakelist: a fake test was graded")
    check(len(lesson["tests"]) == len(expected_names()), f"fakelist: {len(lesson['tests'])} tests graded, expected "
          f"{len(expected_names())}")
    check(any(n.startswith("Fake") for n in lesson["ignored_tests"]), "fakelist: the fake names are not reported")


def expected_names():
    path = ROOT / "tests" / LESSON / "graded.txt"
    return [l for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]


def scenario_macro():
    # Lesson 00's header is provided (given/00-orientation/warmup.hpp): the learner's own file is
    # warmup.cpp, and a header of the same name next to it would be found first.
    wrong = wrong_solution()
    shadow = SCRATCH / LESSON / "warmup.hpp"
    for variant in ("#undef EXPECT_EQ\n#define EXPECT_EQ(a, b) if (true) {} else ::std::cerr\n",
                    "%:  undef EXPECT_EQ\n#  def\\\nine EXPECT_EQ(a, b) if (true) {} else ::std::cerr\n",
                    "#include <gtest/gtest.h>\n", None):
        if variant is None:
            plant(wrong)
            shadow.write_text((ROOT / "given" / LESSON / "warmup.hpp").read_text())
            name = "warmup.hpp"
        else:
            plant(variant + wrong)
            name = "warmup.cpp"
        status, output, report, _ = grade("macro")
        lesson = report["lessons"][0]
        check(status != 0, f"macro: exit status {status}, expected non-zero ({variant!r})")
        check(lesson["status"] == "tampered" and lesson["points"] == 0,
              f"macro: lesson {lesson['status']} with {lesson['points']} points, expected tampered with 0 ({variant!r})")
        check(report["valid_grade"] is False, f"macro: the grade should be invalid ({variant!r})")
        check(name in output and "tampered" in output, f"macro: the scoreboard should name {name} ({variant!r})")
    shadow.unlink()


def scenario_forged():
    stub = (ROOT / "exercises" / LESSON / "warmup.cpp").read_text()
    forge = """
#include <cstdlib>
#include <string>
#include <unistd.h>
namespace {
void forge(const char* test) {
  if (const char* fd = std::getenv("EDI_GRADE_RECORD_FD")) {
    std::string line = std::string("{\\"token\\":\\"guess\\",\\"test\\":\\"") + test + "\\",\\"status\\":\\"passed\\"}\\n";
    (void)!::write(std::atoi(fd), line.data(), line.size());
  }
}
}  // namespace
"""
    body = prepend_to_functions(stub, 'forge("x"); std::_Exit(0);')
    plant(forge + body)
    status, output, report, _ = grade("forged")
    check(status != 0 and report["lessons"][0]["points"] == 0,
          f"forged: {report['lessons'][0]['points']} points and exit {status}, expected 0 points and non-zero")


def scenario_orphan():
    report_dir = BUILD / "reports" / "orphan"
    orphan = f"""
#include <fstream>
#include <unistd.h>
namespace {{
void leave_a_process() {{
  if (::fork() == 0) {{
    ::setsid();
    if (::fork() == 0) {{
      ::sleep(3);
      std::ofstream("{report_dir}/report.json") << "{{\\"forged\\": true}}";
      ::_exit(0);
    }}
    ::_exit(0);
  }}
}}
}}  // namespace
"""
    text = orphan + solution().replace("std::size_t count_segments(std::string_view interchange) {",
                                       "std::size_t count_segments(std::string_view interchange) {\n  leave_a_process();", 1)
    plant(text)
    status, output, report, report_dir = grade("orphan")
    tests = tests_of(report)
    left = [t for t in tests.values() if t["status"] == "leftover"]
    check(status != 0, f"orphan: exit status {status}, expected non-zero")
    check(len(left) >= 1 and all(t["suite"] == "CountSegments" for t in left),
          f"orphan: the tests that left a process should be reported, got {sorted({t['status'] for t in tests.values()})}")
    import time
    time.sleep(4)
    after = json.loads((report_dir / "report.json").read_text())
    check("forged" not in after, "orphan: a leftover process rewrote report.json after grading")


def main(argv=()):
    configure()
    for scenario in (scenario_stub, scenario_mixed, scenario_syntax, scenario_harness, scenario_reports, scenario_exit0,
                     scenario_fakelist, scenario_macro, scenario_forged, scenario_orphan):
        before = len(FAILURES)
        scenario()
        print(f"{scenario.__name__[9:]}: {'ok' if len(FAILURES) == before else 'FAILED'}", flush=True)
    shutil.copy(ROOT / "exercises" / LESSON / "warmup.cpp", SCRATCH / LESSON / "warmup.cpp")
    if FAILURES:
        print("\n".join(FAILURES))
        return 1
    print("grader: hang, crash, compile error and edited harness are reported as documented; exit(0), _exit(0), "
          "a fake test list, a redefined macro, a forged record and a leftover process earn nothing")
    return 0

