"""The grader of the workbook: `python3 -m tools.grade <command>` from the repository root.

    check        make check: build, run every graded test, print the scoreboard, write the reports
    harness      check | update the harness checksum (tools/grade/harness.sha256)
    expected     check | update each lesson's list of graded tests (tests/NN-topic/graded.txt)
    gradescope   REPORT: convert build/grade/report.json to a Gradescope results.json
    selftest     the grader's own tests (a step of make test)

Modules: grade (the pipeline from test to score), runner (one test in its own process, its
verdict from its token-signed record), tamper (the scan for redefined grader macros), harness,
expected, perf (the informational performance panel), common (paths, manifest, colours).
mutate.py is a standalone script the build runs to make a mutant.
"""
