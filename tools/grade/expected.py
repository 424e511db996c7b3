"""The graded tests of every lesson, fixed by the harness (tests/NN-topic/graded.txt).

    python3 -m tools.grade expected check    exit 1 when a list differs from its reference grader's tests
    python3 -m tools.grade expected update   rewrite the lists from the reference graders (after adding a test)

`make check` runs exactly the names in graded.txt, never the names a learner's binary lists: a
test the list does not name is not graded (and reported), a listed test that does not run fails.
The lists are part of the checksummed harness; `make test` checks them against the reference.
"""
import pathlib

from . import runner
from .common import ROOT, load_manifest, run

HEADER = ("# The graded tests of this lesson, one per line: `make check` runs exactly these.\n"
          "# Generated from the reference grader by `python3 -m tools.grade expected update`;\n"
          "# `make test` checks that it is current.\n")


def path_of(lesson_dir):
    return ROOT / "tests" / lesson_dir / "graded.txt"


def load(lesson_dir):
    """The graded names of a lesson, in order, or None when the lesson has no list."""
    path = path_of(lesson_dir)
    if not path.exists():
        return None
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]


def reference_names(build, lesson):
    exe = pathlib.Path(build) / "tests" / lesson["dir"] / f"grade{lesson['number']}_solutions"
    if not exe.exists():
        return None
    return runner.list_tests(exe)


def main(argv):
    if len(argv) != 1 or argv[0] not in ("check", "update"):
        raise SystemExit(__doc__)
    build = ROOT / "build" / "default"
    lessons = load_manifest(build)["lessons"]
    status, output = run(["cmake", "--build", str(build), "--target", *[f"grade{l['number']}_solutions" for l in lessons]])
    if status != 0:
        raise SystemExit("the reference graders do not build:\n" + output[-3000:])
    problems = []
    for lesson in lessons:
        names = reference_names(build, lesson)
        if not names:
            problems.append(f"lesson {lesson['number']}: the reference grader lists no tests")
            continue
        if argv[0] == "update":
            path_of(lesson["dir"]).write_text(HEADER + "".join(n + "\n" for n in names))
            print(f"tests/{lesson['dir']}/graded.txt: {len(names)} tests")
        else:
            recorded = load(lesson["dir"])
            if recorded is None:
                problems.append(f"tests/{lesson['dir']}/graded.txt is missing")
            elif recorded != names:
                extra = sorted(set(names) - set(recorded))
                gone = sorted(set(recorded) - set(names))
                problems.append(f"tests/{lesson['dir']}/graded.txt is stale: not listed {extra[:5]}, no longer a test {gone[:5]}"
                                + (" (order differs)" if not extra and not gone else ""))
    if problems:
        print("\n".join(problems) + "\n(after adding or renaming a test on purpose: python3 -m tools.grade expected update)")
        return 1
    if argv[0] == "check":
        print(f"graded test lists current ({sum(len(load(l['dir']) or []) for l in lessons)} tests in {len(lessons)} lessons)")
    return 0

