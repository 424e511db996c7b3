"""Runs one graded test in its own process and decides what happened to it.

Each test runs as `<grader> --gtest_filter=<Suite.Test>` in a new session (its own process
group), with a time limit. The grader's main() writes its records to a file descriptor this module
opened, each line carrying a token that was handed to the process on standard input (see
tests/support/grader_main.cpp). The verdict comes from those records and the exit status only:

  passed            the "passed" record with the token, and exit status 0
  failed            a "failed" record (first failed assertion with file and line)
  not_implemented   a stub's edi::NotImplemented
  skipped           GTEST_SKIP (earns nothing)
  timeout           still running at the limit: the whole process group is killed
  crashed           the process ended without a final record (exit, _exit, abort, a signal)
  race              ThreadSanitizer reported a data race (or another thread error)
  memory_error      AddressSanitizer / UndefinedBehaviorSanitizer reported an error
  leftover          the test passed but left a process running after it ended (killed)

This process makes itself a child subreaper (Linux), so a process that a test forks and detaches
(even into a new session) is re-parented here when its parent dies: sweep_orphans() finds such
processes, kills them and names the test that started them.
"""
import ctypes
import json
import os
import re
import secrets
import signal
import subprocess
import tempfile
import threading
import time

from .common import ROOT

PR_SET_CHILD_SUBREAPER = 36
ENV_TEST = "EDI_GRADE_TEST"
_lock = threading.Lock()
_active = set()  # pids of the test processes running now


def become_subreaper():
    """Orphans of the tests re-parent to this process instead of init (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children():
    """Pids whose parent is this process."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me:
            found.append(int(entry))
    return found


def _test_of(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            for item in f.read().split(b"\0"):
                if item.startswith(ENV_TEST.encode() + b"="):
                    return item.split(b"=", 1)[1].decode(errors="replace")
    except OSError:
        pass
    return None


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().decode(errors="replace").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def sweep_orphans():
    """Kills the processes left behind by tests and reaps them; returns {test id: processes killed}.

    A test's leftover re-parents to this process (a subreaper) when its parent dies, even after
    setsid(); its environment still names the test that started it."""
    killed = {}
    with _lock:
        for pid in _children():
            if pid in _active:
                continue
            if _state(pid) != "Z":
                test = _test_of(pid)
                if test is None:
                    continue  # not a test's process
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                killed[test] = killed.get(test, 0) + 1
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def _kill_group(pgid):
    """SIGKILLs a process group; True when something in it was still alive."""
    try:
        os.killpg(pgid, signal.SIGKILL)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def read_records(path, token, name):
    """The records of test `name` that carry `token`, in order."""
    records = []
    try:
        with open(path, "r", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict) and rec.get("token") == token and rec.get("test") == name:
                    records.append(rec)
    except OSError:
        pass
    return records


def run_test(exe, name, timeout, test_id, env=None, scratch=None):
    """Runs one test; returns a dict: status, message, seconds, output, exit."""
    token = secrets.token_hex(24)
    env = dict(env or os.environ)
    env.pop("EDI_GRADE_RESULTS", None)
    env.update({"GTEST_COLOR": "no", ENV_TEST: test_id})
    rec_fd, rec_path = tempfile.mkstemp(prefix="rec-", dir=scratch)
    out_fd, out_path = tempfile.mkstemp(prefix="out-", dir=scratch)
    env["EDI_GRADE_RECORD_FD"] = str(rec_fd)
    started = time.monotonic()
    timed_out = False
    leftover = False
    try:
        with _lock:  # a sweep must not take the new process for a leftover
            proc = subprocess.Popen([str(exe), f"--gtest_filter={name}"], stdin=subprocess.PIPE,
                                    stdout=out_fd, stderr=subprocess.STDOUT, pass_fds=(rec_fd,), env=env,
                                    start_new_session=True, cwd=scratch)
            _active.add(proc.pid)
    except OSError as e:
        os.close(rec_fd)
        os.close(out_fd)
        return {"status": "crashed", "message": f"the grader could not start: {e}", "seconds": 0.0, "output": "",
                "exit": None}
    try:
        try:
            proc.stdin.write((token + "\n").encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            code = proc.wait()
        # Whatever the test started in its process group must not outlive it.
        leftover = _kill_group(proc.pid) and not timed_out
    finally:
        with _lock:
            _active.discard(proc.pid)
        os.close(rec_fd)
        os.close(out_fd)
    seconds = time.monotonic() - started
    with open(out_path, "r", errors="replace") as f:
        output = f.read()
    records = read_records(rec_path, token, name)
    os.unlink(rec_path)
    os.unlink(out_path)
    status, message = classify(records, code, output, timed_out, timeout)
    if leftover and status == "passed":
        status, message = "leftover", "the test passed but left a process running after it ended (killed)"
    return {"status": status, "message": message, "seconds": round(seconds, 3), "output": output, "exit": code}


# --- the verdict --------------------------------------------------------------------------------

NIE = re.compile(r"not implemented yet: ([^\"\n]+)")


def classify(records, code, output, timed_out, timeout):
    final = records[-1] if records else None
    status = final.get("status") if final else None
    sanitizer = sanitizer_report(output, ROOT)
    if timed_out:
        return "timeout", f"stopped after its limit of {timeout:g} s (an endless loop or a deadlock?)"
    if sanitizer:
        return sanitizer
    if status == "not_implemented":
        return "not_implemented", "not implemented yet: " + final.get("what", "")
    if status == "failed":
        where = f" ({final['file']}:{final['line']})" if final.get("file") and final.get("line", -1) > 0 else ""
        return "failed", first_line(final.get("message", "")) + where
    if status == "skipped":
        return "skipped", "skipped: " + (first_line(final.get("message", "")) if final.get("message") else
                                         "the test skipped itself")
    if status == "passed" and code == 0:
        return "passed", ""
    nie = NIE.search(output or "")
    if nie and (code is None or code != 0):
        return "not_implemented", "not implemented yet: " + nie.group(1).strip()
    if status == "passed":
        detail = crash_detail(output)
        return "crashed", f"the test passed but its process then failed ({describe_exit(code)})" + (
            f": {detail}" if detail else "")
    if not records and re.search(r"Running 0 tests", output or ""):
        return "crashed", "the test did not run: the grader has no test of that name (an old build?)"
    detail = crash_detail(output)
    return "crashed", f"the test process exited before the test finished ({describe_exit(code)})" + (
        f": {detail}" if detail else "")


def describe_exit(code):
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def crash_detail(output):
    """The most telling line of a crash's output (terminate, an assertion, a segfault)."""
    for pattern in (r"(terminate called .*)", r"(what\(\): .*)", r"(Assertion .* failed.*)", r"(ERROR: LeakSanitizer: .*)"):
        m = re.search(pattern, output or "")
        if m:
            return m.group(1).strip()
    return ""


FRAME = re.compile(r"^\s*#\d+ .*?(?P<where>(?:/[^\s:]+|[\w./-]+\.(?:cpp|hpp|h|cc)):\d+)", re.M)


def _first_own_frame(block, root=None):
    """The first stack frame of `block` in the workbook's own files (not the standard library)."""
    frames = [m.group("where") for m in FRAME.finditer(block)]
    for where in frames:
        if "/usr/" in where or "libsanitizer" in where or "/gcc/" in where:
            continue
        if root and where.startswith(str(root)):
            where = os.path.relpath(where.rsplit(":", 1)[0], root) + ":" + where.rsplit(":", 1)[1]
        return where
    return frames[0] if frames else "?"


def sanitizer_report(output, root=None):
    """(status, message) for the first sanitizer report in `output`, or None."""
    if not output:
        return None
    m = re.search(r"WARNING: ThreadSanitizer: (?P<kind>[^\n(]+)", output)
    if m:
        kind = m.group("kind").strip()
        report = output[m.start():]
        end = report.find("SUMMARY: ThreadSanitizer")
        report = report[: end if end > 0 else 6000]
        accesses = re.split(r"\n(?=\s{0,4}(?:Previous |Atomic |)(?:[Ww]rite|[Rr]ead) of size|\s{0,4}Previous (?:write|read|atomic))",
                            report)
        parts = []
        for block in accesses[1:3]:
            head = block.strip().splitlines()[0]
            what = re.match(r"(Previous )?(atomic )?(\w+) of size \d+ at \S+ by (.+?):?$", head.strip(), re.I)
            who = what.group(4).rstrip(":") if what else ""
            verb = (what.group(3).lower() if what else "access")
            parts.append(f"{verb} at {_first_own_frame(block, root)}" + (f" ({who})" if who else ""))
        detail = " vs ".join(parts) if parts else _first_own_frame(report, root)
        return "race", f"ThreadSanitizer: {kind}: {detail}"
    m = re.search(r"ERROR: AddressSanitizer: (?P<kind>[\w-]+)", output)
    if m:
        report = output[m.start():m.start() + 8000]
        return "memory_error", f"AddressSanitizer: {m.group('kind')} at {_first_own_frame(report, root)}"
    m = re.search(r"(?P<where>[^\s:]+:\d+:\d+): runtime error: (?P<msg>[^\n]+)", output)
    if m:
        where = m.group("where")
        if root and where.startswith(str(root)):
            where = os.path.relpath(where, root)
        return "memory_error", f"UndefinedBehaviorSanitizer: {m.group('msg').strip()} at {where}"
    m = re.search(r"ERROR: LeakSanitizer: (?P<kind>[^\n]+)", output)
    if m:
        report = output[m.start():m.start() + 8000]
        return "memory_error", f"LeakSanitizer: {m.group('kind').strip()}: allocated at {_first_own_frame(report, root)}"
    return None


def first_line(message):
    lines = [l.strip() for l in (message or "").splitlines() if l.strip()]
    if not lines:
        return "failed"
    text = " ".join(lines[:4])
    return text if len(text) <= 300 else text[:297] + "..."


def list_tests(exe, timeout=30, env=None):
    """Names the grader binary lists (informational only: the graded names come from the harness)."""
    env = dict(env or os.environ)
    env[ENV_TEST] = "(listing)"
    env.pop("EDI_GRADE_RECORD_FD", None)
    try:
        with _lock:
            proc = subprocess.Popen([str(exe), "--gtest_list_tests"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, errors="replace", env=env,
                                    start_new_session=True)
            _active.add(proc.pid)
    except OSError:
        return []
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out = ""
        proc.wait()
    finally:
        _kill_group(proc.pid)
        with _lock:
            _active.discard(proc.pid)
    names, suite = [], None
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        elif suite:
            names.append(suite + line.split("#")[0].strip())
    return names
