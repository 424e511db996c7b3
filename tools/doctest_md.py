#!/usr/bin/env python3
"""Runs the console examples of the documentation and compares their output with the text.

A console example is a fenced block whose first line is a `$ command`; the lines after a command,
up to the next `$` line or the end of the block, are what the command prints (standard output and
standard error together, as a terminal shows them). A command line ending in `\\` continues on the
next line.

    ```
    $ edi validate orders.edi; echo "exit status $?"
    orders.edi: valid (1 messages, 26 segments, 0 errors, 0 warnings)
    exit status 0
    ```

Every example is run unless the lines just above its fence say otherwise. Markers are HTML comments,
invisible in the rendered page and obvious in the raw Markdown:

    <!-- doctest: illustrative -->          not run: a measurement, a machine's lscpu, a sketch
    <!-- doctest: normalize=seconds,ls -->  run, and compare after these normalisations
    <!-- doctest: expensive -->             not run by default (it needs the whole default tree
                                            built, or is slow); checked when the caller passes each
                                            command's output (--output-of 'COMMAND=FILE') or asks
                                            for it (--run-expensive, after building build/default)
    <!-- doctest: file=orders.edi -->       (above a block without `$`) the block is the content of
                                            this file, written to the scratch directory
    <!-- doctest: file=orders.edi from=docs/edifact.md -->
                                            (anywhere) the same file, declared in another document
    <!-- doctest: create=bad1.edi -->       (above an example) write this file first, with the
                                            output the example shows for `$ cat bad1.edi`

Several settings may share one marker (`<!-- doctest: expensive normalize=ellipsis -->`).

Normalisations, applied to the documented and to the actual output alike:

    seconds     "seconds":0.000151376, `seconds  0.0001 (4 MB/s)`, `0.49 s elapsed` -> the number
                becomes <seconds> (and the MB/s that follows it <rate>)
    throughput  any `N MB/s`, `N GB/s` -> <rate> MB/s
    ls          `ls -l` lines keep only the size and the name (owner, mode and date vary)
    paths       absolute paths -> <path>
    loadavg     `load average: a, b, c` -> `load average: <load>`
    rss         `N KiB max resident` -> `<rss> KiB max resident`
    ellipsis    a documented line that is only `...` matches any number of lines (Python
                doctest's ELLIPSIS, for excerpts)

Trailing white space on a line and trailing blank lines are never significant.

Each document runs in a fresh scratch directory of its own, shared by its examples in order (an
example may read the files an earlier one wrote). The scratch directory stands in for the
repository root: it holds a symbolic link to each top-level entry of the repository (`data/...`
reads the workbook's samples), except build/, linked only with --run-expensive. The directory of
the `edi` binary comes first on PATH, so examples say `edi ...` (what the documents tell the reader
to set up), never build/default/tools/edi/edi. The binary is found in --bin-dir, else $EDI_BIN_DIR,
else build/default/tools/edi. The environment is pinned: LC_ALL=C.UTF-8, TZ=UTC, NO_COLOR=1.

Each mismatch is reported as `FILE:LINE: $ command` with a short diff; the exit status is 1 when
anything drifted, 2 when the runner cannot run (no `edi`, a bad marker), else 0.

    python3 tools/doctest_md.py [--bin-dir DIR] [--output-of 'COMMAND=FILE']... [--run-expensive]
                                [FILE.md ...]
    python3 tools/doctest_md.py --self-test
"""
import argparse
import difflib
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_GLOBS = ["README.md", "docs/*.md", "lessons/*/README.md"]
NORMALIZATIONS = {"seconds", "throughput", "ls", "paths", "loadavg", "rss", "ellipsis"}
MARKER = re.compile(r"^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
TIMEOUT = 120


class MarkerError(Exception):
    pass


class Example:
    def __init__(self, path, line, settings):
        self.path = path
        self.line = line          # 1-based line of the opening fence
        self.settings = settings  # dict from the markers above the fence
        self.commands = []        # (line, command, expected lines)


def parse_marker(text, where):
    settings = {}
    for word in text.split():
        key, _, value = word.partition("=")
        if key in ("illustrative", "expensive"):
            if value:
                raise MarkerError(f"{where}: '{key}' takes no value")
            settings[key] = True
        elif key == "normalize":
            names = [n for n in value.split(",") if n]
            unknown = [n for n in names if n not in NORMALIZATIONS]
            if unknown or not names:
                raise MarkerError(f"{where}: unknown normalisation {', '.join(unknown) or '(none)'}; "
                                  f"known: {', '.join(sorted(NORMALIZATIONS))}")
            settings.setdefault("normalize", set()).update(names)
        elif key in ("file", "from", "create"):
            if not value:
                raise MarkerError(f"{where}: '{key}' needs a value")
            if key == "create":
                settings.setdefault("create", []).extend(value.split(","))
            else:
                settings[key] = value
        else:
            raise MarkerError(f"{where}: unknown doctest setting '{word}'")
    return settings


def parse(path, text):
    """Returns (examples, files, imports) of one Markdown document: the console examples, the
    blocks declared as files ({name: content}) and the files taken from other documents."""
    lines = text.splitlines()
    examples, files, imports = [], {}, []
    pending = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line)
        if m:
            settings = parse_marker(m.group(1), f"{path}:{i + 1}")
            if "from" in settings:
                if "file" not in settings or len(settings) != 2:
                    raise MarkerError(f"{path}:{i + 1}: 'from=' goes with 'file=' alone")
                imports.append((i + 1, settings["file"], settings["from"]))
            else:
                for key, value in settings.items():
                    if key == "normalize":
                        pending.setdefault("normalize", set()).update(value)
                    elif key == "create":
                        pending.setdefault("create", []).extend(value)
                    else:
                        pending[key] = value
            i += 1
            continue
        f = FENCE.match(line)
        if not f:
            if line.strip():
                if pending:
                    raise MarkerError(f"{path}:{i + 1}: a doctest marker must come right above a fence")
            i += 1
            continue
        indent, fence = len(f.group(1)), f.group(2)
        start = i
        body = []
        i += 1
        while i < len(lines):
            c = FENCE.match(lines[i])
            if c and c.group(2)[0] == fence[0] and len(c.group(2)) >= len(fence) and not c.group(3).strip():
                break
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i].lstrip())
            i += 1
        i += 1
        settings, pending = pending, {}
        if "file" in settings:
            if len(settings) != 1:
                raise MarkerError(f"{path}:{start + 1}: 'file=' above a block goes alone")
            files[settings["file"]] = "".join(l + "\n" for l in body)
            continue
        if not body or not body[0].startswith("$ "):
            if settings:
                raise MarkerError(f"{path}:{start + 1}: doctest marker above a block that is not a "
                                  "console example (its first line is not `$ command`)")
            continue
        example = Example(path, start + 1, settings)
        j = 0
        while j < len(body):
            cmd_line = start + 2 + j
            command = body[j][2:]
            while command.endswith("\\") and j + 1 < len(body):
                j += 1
                command += "\n" + body[j]
            j += 1
            expected = []
            while j < len(body) and not body[j].startswith("$ "):
                expected.append(body[j])
                j += 1
            example.commands.append((cmd_line, command, expected))
        examples.append(example)
    if pending:
        raise MarkerError(f"{path}: a doctest marker at the end, above no block")
    return examples, files, imports


# --- normalisation and comparison -------------------------------------------------------------

SUBSTITUTIONS = {
    "seconds": [
        (re.compile(r'("seconds":)-?[0-9][0-9.eE+-]*'), r"\1<seconds>"),
        (re.compile(r"^(\s*seconds\s+)[0-9.]+ \([0-9.,]+ [MG]B/s\)"), r"\1<seconds> (<rate> MB/s)"),
        (re.compile(r"\b[0-9]+(\.[0-9]+)? s elapsed"), "<seconds> s elapsed"),
    ],
    "throughput": [(re.compile(r"\b[0-9][0-9.,]* [MG]B/s"), "<rate> MB/s")],
    "ls": [(re.compile(r"^[-dlcbps][-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+(.*)$"),
            r"\1 \2")],
    "paths": [(re.compile(r"(?<![\w.])/[\w.+-]+(/[\w.+-]+)*/?"), "<path>")],
    "loadavg": [(re.compile(r"load average: [0-9.]+, [0-9.]+, [0-9.]+"), "load average: <load>")],
    "rss": [(re.compile(r"\b[0-9]+ KiB max resident"), "<rss> KiB max resident")],
}


def normalize(lines, names):
    out = []
    for line in lines:
        for name in sorted(names):
            for pattern, replacement in SUBSTITUTIONS.get(name, []):
                line = pattern.sub(replacement, line)
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return out


def matches(expected, actual, ellipsis):
    """Line-by-line equality; with ellipsis, an expected `...` line matches any run of lines."""
    if not ellipsis:
        return expected == actual
    memo = {}

    def match(i, j):
        if (i, j) not in memo:
            if i == len(expected):
                result = j == len(actual)
            elif expected[i].strip() == "...":
                result = any(match(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                result = j < len(actual) and expected[i] == actual[j] and match(i + 1, j + 1)
            memo[(i, j)] = result
        return memo[(i, j)]

    return match(0, 0)


def short_diff(expected, actual, limit=24):
    diff = list(difflib.unified_diff(expected, actual, "documented", "actual", n=1, lineterm=""))
    if len(diff) > limit:
        diff = diff[:limit] + [f"... ({len(diff) - limit} more diff lines)"]
    return ["    " + (d if len(d) <= 200 else d[:200] + "...") for d in diff]


# --- running ------------------------------------------------------------------------------------

def environment(bin_dir):
    env = dict(os.environ)
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    env.update(LC_ALL="C.UTF-8", TZ="UTC", NO_COLOR="1", TERM="dumb", COLUMNS="100")
    env.pop("CLICOLOR_FORCE", None)
    return env


def run_command(command, cwd, env):
    try:
        done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        output = done.stdout
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b"") + f"\n[doctest: timed out after {TIMEOUT} s]\n".encode()
    return output.decode("utf-8", errors="backslashreplace").splitlines()


class Report:
    def __init__(self, out):
        self.out = out
        self.counts = dict(examples=0, commands=0, illustrative=0, expensive_skipped=0, failed=0)

    def fail(self, where, command, lines):
        self.counts["failed"] += 1
        first, *more = command.splitlines()
        print(f"{where}: $ {first}{' ...' if more else ''}", file=self.out)
        for line in lines:
            print(line, file=self.out)


def check_document(examples, files, imports, declared, bin_dir, given, run_expensive, report, shown):
    env = environment(bin_dir)
    with tempfile.TemporaryDirectory(prefix="doctest-") as scratch:
        for entry in sorted(ROOT.iterdir()):
            # build/ only for --run-expensive: an example that is not marked must never touch the
            # caller's build trees
            if not entry.name.startswith(".") and (entry.name != "build" or run_expensive):
                (pathlib.Path(scratch) / entry.name).symlink_to(entry)
        for line, name, source in imports:
            if (source, name) not in declared and (ROOT / source).is_file():
                declared.update({(source, n): c for n, c in parse(source, (ROOT / source).read_text())[1].items()})
            if (source, name) not in declared:
                raise MarkerError(f"{shown}:{line}: no block declares file={name} in {source}")
            (pathlib.Path(scratch) / name).write_text(declared[(source, name)])
        for name, content in files.items():
            (pathlib.Path(scratch) / name).write_text(content)
        for ex in examples:
            s = ex.settings
            if s.get("illustrative"):
                report.counts["illustrative"] += 1
                continue
            if s.get("expensive") and not run_expensive and not all(c in given for _, c, _ in ex.commands):
                report.counts["expensive_skipped"] += 1
                continue
            report.counts["examples"] += 1
            names = s.get("normalize", set())
            for name in s.get("create", []):
                shown_cat = [exp for _, c, exp in ex.commands if c.strip() == f"cat {name}"]
                if not shown_cat:
                    raise MarkerError(f"{shown}:{ex.line}: create={name} needs a `$ cat {name}` in the example")
                (pathlib.Path(scratch) / name).write_text("".join(l + "\n" for l in shown_cat[0]))
            for line, command, expected in ex.commands:
                report.counts["commands"] += 1
                if command in given:
                    actual = given[command]
                else:
                    actual = run_command(command, scratch, env)
                want = normalize(expected, names)
                got = normalize(actual, names)
                if not matches(want, got, "ellipsis" in names):
                    report.fail(f"{shown}:{line}", command, short_diff(want, got))


def discover(paths):
    if paths:
        return [pathlib.Path(p) for p in paths]
    found = []
    for pattern in DEFAULT_GLOBS:
        found += sorted(ROOT.glob(pattern))
    return found


def display(path):
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv=None, out=sys.stdout, err=sys.stderr):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="Markdown files (default: README.md, docs/*.md, lessons/*/README.md)")
    parser.add_argument("--bin-dir", help="the directory of the edi binary (default: $EDI_BIN_DIR, "
                                          "else build/default/tools/edi)")
    parser.add_argument("--output-of", action="append", default=[], metavar="COMMAND=FILE",
                        help="use FILE as the output of COMMAND (exactly as written after `$ `) "
                             "instead of running it; how `expensive` examples are checked")
    parser.add_argument("--run-expensive", action="store_true",
                        help="run the expensive examples too (after the whole default tree is built)")
    parser.add_argument("--self-test", action="store_true", help="check the runner on planted examples")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test(out)

    bin_dir = pathlib.Path(args.bin_dir or os.environ.get("EDI_BIN_DIR") or ROOT / "build/default/tools/edi")
    if not bin_dir.is_absolute():
        bin_dir = pathlib.Path.cwd() / bin_dir
    if not os.access(bin_dir / "edi", os.X_OK):
        print(f"doctest: no executable edi in {bin_dir}: build it first "
              "(cmake --build build/default --target edi) or pass --bin-dir", file=err)
        return 2
    given = {}
    for item in args.output_of:
        command, sep, file = item.rpartition("=")
        if not sep or not command:
            print(f"doctest: --output-of wants COMMAND=FILE, not '{item}'", file=err)
            return 2
        given[command] = pathlib.Path(file).read_text(errors="backslashreplace").splitlines()

    report = Report(out)
    try:
        docs = []
        declared = {}
        for path in discover(args.files):
            shown = display(path)
            examples, files, imports = parse(shown, path.read_text())
            docs.append((path, shown, examples, files, imports))
            for name, content in files.items():
                declared[(shown, name)] = content
        for path, shown, examples, files, imports in docs:
            check_document(examples, files, imports, declared, bin_dir, given, args.run_expensive, report, shown)
    except MarkerError as e:
        print(f"doctest: {e}", file=err)
        return 2
    c = report.counts
    written = {command for doc in docs for ex in doc[2] for _, command, _ in ex.commands}
    unused = [cmd for cmd in given if cmd not in written]
    for cmd in unused:
        print(f"doctest: --output-of given for '{cmd}', which no example runs", file=out)
    print(f"doctest: {c['examples']} examples ({c['commands']} commands) checked, {c['failed']} drifted; "
          f"{c['illustrative']} illustrative, {c['expensive_skipped']} expensive not checked "
          f"(--output-of or --run-expensive checks them)", file=out)
    return 1 if c["failed"] or unused else 0


# --- the runner's own test ----------------------------------------------------------------------

SELF_TEST_DOC = """\
# planted

<!-- doctest: file=greeting.txt -->
```
hello
```

```
$ cat greeting.txt; echo "exit status $?"
hello
exit status 0
$ printf 'a\\nb\\n' \\
    | wc -l
2
```

<!-- doctest: normalize=seconds,ls,ellipsis -->
```
$ printf '{"seconds":0.0123,"n":1}\\n  seconds        0.0001 (4 MB/s)\\n'
{"seconds":0.5,"n":1}
  seconds        2.5 (1,234 MB/s)
$ touch f && chmod 644 f && ls -l f
-rw-r--r-- 1 someone users 0 Nov 27 21:35 f
$ seq 1 5
1
...
5
```

<!-- doctest: illustrative -->
```
$ false
anything at all
```

<!-- doctest: create=list.txt -->
```
$ cat list.txt
b
a
$ sort list.txt
a
b
```

<!-- doctest: expensive -->
```
$ make something-slow
result 1
```
"""

SELF_TEST_DRIFT = """\
# drifted

```
$ echo one; echo two
one
three
```

<!-- doctest: normalize=seconds -->
```
$ echo '{"seconds":1,"n":2}'
{"seconds":1,"n":3}
```
"""


def self_test(out):
    import io
    failures = []
    with tempfile.TemporaryDirectory(prefix="doctest-self-") as tmp:
        tmp = pathlib.Path(tmp)
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        (bin_dir / "edi").write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / "edi").chmod(0o755)
        good, bad = tmp / "good.md", tmp / "bad.md"
        good.write_text(SELF_TEST_DOC)
        bad.write_text(SELF_TEST_DRIFT)
        other = tmp / "other.md"
        other.write_text(f"<!-- doctest: file=greeting.txt from={good} -->\n\n```\n$ cat greeting.txt\nhello\n```\n")
        slow = tmp / "slow.txt"

        def run(*argv):
            buffer = io.StringIO()
            status = main(["--bin-dir", str(bin_dir), *map(str, argv)], out=buffer, err=buffer)
            return status, buffer.getvalue()

        status, text = run(good)
        if status != 0 or "3 examples (7 commands) checked, 0 drifted; 1 illustrative, 1 expensive not checked" not in text:
            failures.append(f"the planted passing document does not pass (status {status}):\n{text}")
        status, text = run(bad)
        if status != 1 or f"{bad}:4: $ echo one; echo two" not in text or "-three" not in text \
                or "+two" not in text or f"{bad}:11:" not in text or "2 drifted" not in text:
            failures.append(f"the planted drift is not reported with its file, line and diff (status {status}):\n{text}")
        slow.write_text("result 1\n")
        status, text = run(good, "--output-of", f"make something-slow={slow}")
        if status != 0 or "4 examples (8 commands) checked" not in text:
            failures.append(f"--output-of does not check an expensive example (status {status}):\n{text}")
        slow.write_text("result 2\n")
        status, text = run(good, "--output-of", f"make something-slow={slow}")
        if status != 1 or f"{good}:48: $ make something-slow" not in text:
            failures.append(f"--output-of does not catch a drifted expensive example (status {status}):\n{text}")
        status, text = run(good, other)
        if status != 0 or "4 examples (8 commands) checked" not in text:
            failures.append(f"a file declared in another document is not found (status {status}):\n{text}")
        marker = tmp / "marker.md"
        marker.write_text("<!-- doctest: normalise=seconds -->\n```\n$ true\n```\n")
        status, _ = run(marker)
        if status != 2:
            failures.append(f"a misspelt marker is not refused (status {status})")
        status = main(["--bin-dir", str(tmp / "nowhere"), str(good)], out=io.StringIO(), err=io.StringIO())
        if status != 2:
            failures.append(f"a missing edi binary is not refused (status {status})")
    for f in failures:
        print("self-test FAILED: " + f, file=out)
    if not failures:
        print("doctest self-test: passed (a planted drift fails with file:line and a diff)", file=out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
