#!/usr/bin/env python3
"""Study tools: `make run LESSON=NN` (the lesson's demo) and `make hint LESSON=NN` (the next hint).

Hints live in lessons/NN-topic/HINTS.md: a `## Exercise` heading per exercise and a `### Hint n`
heading per hint, from a nudge to nearly the answer. `make hint` shows the next hint not shown yet
and remembers it in build/hints/NN.json; `make hint LESSON=NN RESET=1` starts over.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "grade"))
from common import ROOT  # noqa: E402
import progress as prog  # noqa: E402


def lesson_dir(lesson):
    """lessons/NN-topic for a number, from the folder names (no build needed)."""
    if not lesson:
        raise SystemExit("say which lesson: LESSON=NN (the lessons are in lessons/)")
    number = str(lesson).zfill(2) if str(lesson).isdigit() else str(lesson)[:2]
    for path in sorted((ROOT / "lessons").iterdir()):
        if path.is_dir() and path.name.startswith(number + "-"):
            return path
    raise SystemExit(f"no lesson {lesson} in lessons/")


def parse_hints(text):
    """[(exercise, title, body)] in file order."""
    hints = []
    exercise = ""
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            exercise = line[3:].strip()
        elif line.startswith("### "):
            current = [exercise, line[4:].strip(), []]
            hints.append(current)
        elif current is not None:
            current[2].append(line)
    return [(e, t, "\n".join(b).strip()) for e, t, b in hints]


def hint(args):
    directory = lesson_dir(args.lesson)
    hints_file = directory / "HINTS.md"
    if not hints_file.exists():
        raise SystemExit(f"{hints_file.relative_to(ROOT)} does not exist")
    hints = parse_hints(hints_file.read_text())
    state_file = ROOT / "build" / "hints" / f"{directory.name[:2]}.json"
    state_file.parent.mkdir(parents=True, exist_ok=True)
    shown = 0
    if state_file.exists() and not args.reset:
        shown = json.loads(state_file.read_text()).get("shown", 0)
    if args.reset:
        state_file.write_text(json.dumps({"shown": 0}))
        print(f"Hints of lesson {directory.name} start over: `make hint LESSON={directory.name[:2]}` shows the first.")
        return 0
    if shown >= len(hints):
        print(f"All {len(hints)} hints of lesson {directory.name} were shown. "
              f"`make hint LESSON={directory.name[:2]} RESET=1` starts over; the solution is in "
              f"solutions/{directory.name}/.")
        return 0
    exercise, title, body = hints[shown]
    print(f"Lesson {directory.name}, {exercise}: {title}  ({shown + 1} of {len(hints)})\n")
    print(body)
    state_file.write_text(json.dumps({"shown": shown + 1}))
    return 0


def demo(args):
    directory = lesson_dir(args.lesson)
    number = directory.name[:2]
    build = ROOT / "build" / "default"
    target = f"demo{number}_{args.impl}"
    status, output = prog.build(build, [target], prog.Progress(), f"lesson {number}'s demo",
                                "about 1-2 minutes on 2 cores (the core library and the demo)")
    if status != 0:
        print(output)
        print(f"the demo did not build: fix the error above (make check LESSON={number} says the same)")
        return 1
    exe = build / "tests" / directory.name / target
    if not exe.exists():
        raise SystemExit(f"{target} was not found at {exe}")
    return os.spawnv(os.P_WAIT, str(exe), [str(exe), *args.rest])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "hint"])
    parser.add_argument("--lesson", default="")
    parser.add_argument("--impl", default="exercises", choices=["exercises", "solutions"])
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    sys.exit(hint(args) if args.command == "hint" else demo(args))


if __name__ == "__main__":
    main()
