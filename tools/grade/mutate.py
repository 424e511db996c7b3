#!/usr/bin/env python3
"""Builds a mutant: a copy of a lesson's solution with one mistake put back.

    mutate.py SOLUTION_DIR SPEC OUT_DIR [GIVEN_DIR]

SPEC (tests/NN-topic/mutants/NAME.mutant) reads:

    # One line: what the mutant gets wrong (shown when no grader catches it).
    file: segment_pool.cpp
    --- find
    <exact lines of the solution>
    --- replace
    <what to put instead (may be empty)>
    --- end

An optional line `graders: a_test.cpp b_test.cpp` names the grader files that must catch the
mutant: only they are compiled against it (the others test the reference). Without it, every
grader file that includes a changed header does.

An optional line `caught-by: Suite.Test` names the test that catches it: `make test` runs that
test first, alone, and the whole suite only when it passes (a stale hint costs time, never a
verdict).

A spec may name a provided file of the lesson (given/NN-topic/, the GIVEN_DIR): that file alone
is copied next to the solution's and changed there; the build compiles the copy in its place. The
other given files stay where they are. (A copy of a given header is found through the include
path, so it reaches every file that includes it, except other given files in its own folder,
which find the original next to them.)

A spec may hold several file/find/replace blocks. Each `find` text must occur exactly once in
its file, so a mutant cannot silently stop applying when the solution changes.
"""
import pathlib
import shutil
import sys


def parse(spec_text):
    """Returns (description, [(file, find, replace), ...])."""
    lines = spec_text.splitlines(keepends=True)
    description = ""
    blocks = []
    current_file = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("#") and not description and current_file is None:
            description = stripped.lstrip("#").strip()
        elif stripped.startswith("file:"):
            current_file = stripped[len("file:"):].strip()
        elif stripped == "--- find":
            find, replace, section = [], [], "find"
            i += 1
            while i < len(lines) and lines[i].strip() != "--- end":
                if lines[i].strip() == "--- replace":
                    section = "replace"
                else:
                    (find if section == "find" else replace).append(lines[i])
                i += 1
            if current_file is None:
                raise SystemExit("mutate.py: a find block comes before any 'file:' line")
            blocks.append((current_file, "".join(find), "".join(replace)))
        i += 1
    if not blocks:
        raise SystemExit("mutate.py: the spec has no find/replace block")
    return description, blocks


def main(argv):
    if len(argv) not in (4, 5):
        raise SystemExit(__doc__)
    solution, spec, out = map(pathlib.Path, argv[1:4])
    given = pathlib.Path(argv[4]) if len(argv) == 5 else None
    _, blocks = parse(spec.read_text())
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(solution, out)
    for name, find, replace in blocks:
        target = out / name
        if not target.exists() and given is not None and (given / name).is_file():
            shutil.copyfile(given / name, target)
        text = target.read_text()
        count = text.count(find)
        if count != 1:
            raise SystemExit(f"mutate.py: {spec}: the text to find occurs {count} times in {name} (expected once):\n{find}")
        target.write_text(text.replace(find, replace))


if __name__ == "__main__":
    main(sys.argv)
