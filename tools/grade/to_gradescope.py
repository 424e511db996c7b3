"""Converts build/grade/report.json into the results.json of Gradescope-style autograders.

    python3 -m tools.grade gradescope build/grade/report.json > /autograder/results/results.json

One entry per graded test (name "lessonNN Suite.Test", its points and maximum, its status and
message), the total score, and the validity verdict in the output text. A grade that is not valid
(modified harness, tampered lesson) scores zero; a partial one (sanitizer parts skipped) says so.
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
        if report.get("partial"):
            output += " Partial grade: the sanitizer parts were skipped."
    else:
        changed = harness.get("modified", []) + harness.get("missing", []) + harness.get("added", [])
        reasons = "; ".join(report.get("invalid_reasons", [])) or "the harness was modified"
        output = f"Not a valid grade: {reasons}." + (" Changed: " + ", ".join(changed) if changed else "")
    return {
        "score": round(report["totals"]["points"], 2) if valid else 0.0,
        "output": output,
        "tests": tests,
    }


def main(argv):
    if len(argv) != 1:
        raise SystemExit(__doc__)
    with open(argv[0]) as f:
        json.dump(convert(json.load(f)), sys.stdout, indent=2)
    print()
    return 0
