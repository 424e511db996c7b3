#!/usr/bin/env python3
"""Converts build/grade/report.json into the results.json of Gradescope-style autograders.

    python3 tools/grade/to_gradescope.py build/grade/report.json > /autograder/results/results.json

One entry per graded test (name "lessonNN Suite.Test", its points and maximum, its status and
message), the total score, and the harness verdict in the output text. A modified harness scores
zero: the grade would not be valid.
"""
import json
import sys


def convert(report):
    tests = []
    for lesson in report["lessons"]:
        for t in lesson["tests"]:
            tests.append({
                "name": f"lesson{lesson['number']} {t['name']}",
                "score": t["points"],
                "max_score": t["max_points"],
                "status": "passed" if t["status"] == "passed" else "failed",
                "output": t["status"] + (": " + t["message"] if t["message"] else ""),
            })
    harness = report["harness"]
    valid = report.get("valid_grade", False)
    if valid:
        output = f"Harness intact (digest {harness.get('digest')})."
    else:
        changed = harness.get("modified", []) + harness.get("missing", []) + harness.get("added", [])
        output = "HARNESS MODIFIED: not a valid grade. Changed: " + ", ".join(changed)
    return {
        "score": round(report["totals"]["points"], 2) if valid else 0.0,
        "output": output,
        "tests": tests,
    }


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    with open(argv[1]) as f:
        json.dump(convert(json.load(f)), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv)
