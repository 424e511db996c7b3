#!/usr/bin/env python3
"""make status [IMPL=exercises|solutions]: where you are in the course, from your last grades.

Reads build/grade/report.json (what the last `make check` wrote) and keeps each lesson's latest
result in build/grade/progress.json, so a `make check LESSON=01` after a full `make check` updates
lesson 01 and keeps the others (`--record` only does that, for calling after every grade). Prints a progress bar over every lesson in lessons/, each lesson's
tests and points, and the next thing to do: the first lesson not done, its first failing test with
its message, and the commands that regrade it and show a hint. Grades nothing itself and builds
nothing: it takes a second.
"""
import argparse
import json
import os
import pathlib
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT, Style  # noqa: E402
from study import parse_hints  # noqa: E402

REPORT = ROOT / "build" / "grade" / "report.json"
PROGRESS = ROOT / "build" / "grade" / "progress.json"


def lesson_folders():
    """[(number, folder name)] of every lesson in lessons/, in order."""
    return [(p.name[:2], p.name) for p in sorted((ROOT / "lessons").iterdir())
            if p.is_dir() and p.name[:2].isdigit() and p.name[2:3] == "-"]


def summarize(lesson, generated, sanitizer):
    """The part of a report's lesson that status needs."""
    failing = None
    for t in lesson.get("tests", []):
        if t.get("status") != "passed":
            failing = {"name": t.get("name", ""), "status": t.get("status") or "not run",
                       "message": (t.get("message") or "").strip().splitlines()[:1]}
            failing["message"] = failing["message"][0] if failing["message"] else ""
            break
    ce = lesson.get("compile_error")
    return {"name": lesson.get("name", ""), "status": lesson.get("status"), "passed": lesson.get("passed", 0),
            "total": lesson.get("total", 0), "points": lesson.get("points", 0.0),
            "max_points": lesson.get("max_points", 100.0), "generated": generated, "sanitizer": sanitizer,
            "next_failing": failing,
            "compile_error": f"{ce['file']}:{ce['line']}: {ce['message']}" if ce else None}


def update_progress(REPORT=REPORT, PROGRESS=PROGRESS):
    """Merges the last report into progress.json; returns the progress ({impl: {number: summary}})."""
    progress = {}
    if PROGRESS.exists():
        try:
            progress = json.loads(PROGRESS.read_text())
        except ValueError:
            progress = {}
    if REPORT.exists():
        try:
            report = json.loads(REPORT.read_text())
        except ValueError:
            report = None
        if report and report.get("lessons") is not None:
            impl = report.get("impl", "exercises")
            generated = report.get("generated", "")
            per_impl = progress.setdefault(impl, {})
            for lesson in report["lessons"]:
                old = per_impl.get(lesson["number"])
                if old is None or old.get("generated", "") <= generated:
                    per_impl[lesson["number"]] = summarize(lesson, generated, report.get("sanitizer"))
            PROGRESS.parent.mkdir(parents=True, exist_ok=True)
            tmp = PROGRESS.with_suffix(".tmp")
            tmp.write_text(json.dumps(progress, indent=2) + "\n")
            tmp.replace(PROGRESS)
    return progress


def bar(fraction, width):
    full = round(fraction * width)
    return "#" * full + "-" * (width - full)


def hints_state(folder):
    path = ROOT / "lessons" / folder / "HINTS.md"
    total = len(parse_hints(path.read_text())) if path.exists() else 0
    state = ROOT / "build" / "hints" / f"{folder[:2]}.json"
    shown = 0
    if state.exists():
        try:
            shown = json.loads(state.read_text()).get("shown", 0)
        except ValueError:
            shown = 0
    return shown, total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--report", default=str(REPORT), help="the grade report to read")
    parser.add_argument("--progress", default=str(PROGRESS), help="where the lessons' latest results are kept")
    parser.add_argument("--record", action="store_true",
                        help="only merge the last report into the progress file, print nothing (after each make check)")
    args = parser.parse_args()
    s = Style()
    progress = update_progress(pathlib.Path(args.report), pathlib.Path(args.progress)).get(args.impl, {})
    if args.record:
        return 0
    lessons = lesson_folders()
    if not progress:
        print(f"No grade of {args.impl}/ yet. `make check` grades every lesson (the first build takes about "
              f"5-10 minutes on 2 cores; later regrades take seconds), `make check LESSON=00` only the first.")
        return 0

    done = [n for n, _ in lessons if progress.get(n, {}).get("status") == "passed"]
    points = sum(progress.get(n, {}).get("points", 0.0) for n, _ in lessons)
    max_points = 100.0 * len(lessons)
    width = max(20, min(50, shutil.get_terminal_size((80, 20)).columns - 40))
    latest = max((e.get("generated", "") for e in progress.values()), default="")
    print(s.bold(f"Progress of {args.impl}/") + s.dim(f"  (from make check; the latest at {latest.replace('T', ' ')[:16]})"))
    print(f"[{s.green(bar(len(done) / len(lessons), width))}] {len(done)}/{len(lessons)} lessons done, "
          f"{points:.1f}/{max_points:.0f} points")
    print()
    for number, folder in lessons:
        entry = progress.get(number)
        name = f"{number} {folder[3:]}"
        if entry is None:
            print(f"  {name:<26}{s.dim(bar(0, 10))}  " + s.dim("not graded yet"))
            continue
        fraction = entry["points"] / entry["max_points"] if entry.get("max_points") else 0.0
        colour = s.green if entry["status"] == "passed" else s.red if entry["passed"] == 0 else s.yellow
        state = ("done" if entry["status"] == "passed" else "does not compile" if entry["status"] == "compile_error"
                 else "tampered: not graded" if entry["status"] == "tampered" else
                 f"{entry['passed']}/{entry['total']} tests")
        print(f"  {name:<26}{colour(bar(fraction, 10))} {entry['points']:5.1f}/100  {colour(state)}"
              + (s.dim(f"  (under {entry['sanitizer']})") if entry.get("sanitizer") else ""))

    todo = [(n, f) for n, f in lessons if progress.get(n, {}).get("status") != "passed"]
    print()
    if not todo:
        print(s.green(s.bold("Every lesson is done.")) + " `make bench` and `make profile` show how fast your code is.")
        return 0
    number, folder = todo[0]
    entry = progress.get(number)
    if entry is None:
        print(s.bold(f"Next: lesson {folder}") + " (not graded yet): read lessons/" + folder + "/README.md")
    elif entry.get("compile_error"):
        print(s.bold(f"Next: lesson {folder} does not compile: ") + entry["compile_error"])
    elif entry.get("next_failing"):
        t = entry["next_failing"]
        print(s.bold(f"Next: lesson {folder}, {t['name']}") + f" ({t['status'].replace('_', ' ')})")
        if t["message"]:
            print(f"  {t['message'][:300]}")
    shown, total = hints_state(folder)
    print(f"  make check LESSON={number}   " + ("regrade it" if entry else "grade it"))
    if total:
        print(f"  make hint LESSON={number}    a hint ({shown} of {total} shown)" if shown < total else
              f"  make hint LESSON={number}    every hint was shown; the reference is in solutions/{folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
