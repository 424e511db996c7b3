"""Progress lines and machine-load checks for `make bench`, `make profile` and `make status`.

The same style as `make check`: one updating line on standard error when it is a terminal, a
plain line at most every 10 s otherwise, nothing with --quiet. Builds go through ninja, whose
`[n/N]` steps are shown as they come, with an estimate when a build directory is built the first
time.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time

NINJA_STEP = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")


class Progress:
    """One updating line on a terminal, a plain line at most every 10 s otherwise, nothing when quiet."""

    def __init__(self, quiet=False, stream=None):
        # EDI_QUIET=1: no progress lines anywhere (what a terminal shows once the updating line is
        # cleared; the documentation's examples are compared that way).
        self.quiet = quiet or os.environ.get("EDI_QUIET") == "1"
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.width = 0
        self.said = 0.0  # when say() was last called (a ticker stays quiet while others speak)
        self.lock = threading.Lock()

    def say(self, text, force=False):
        if self.quiet:
            return
        with self.lock:
            self.said = time.monotonic()
            if self.tty:
                text = text[:max(20, shutil.get_terminal_size((100, 20)).columns - 1)]
                self.stream.write("\r" + text + " " * max(0, self.width - len(text)))
                self.stream.flush()
                self.width = len(text)
            elif force or time.monotonic() - self.last >= 10:
                print(text, file=self.stream, flush=True)
                self.last = time.monotonic()

    def note(self, text):
        """A line that stays (shown even when not a terminal, not when quiet)."""
        if self.quiet:
            return
        self.clear()
        print(text, file=self.stream, flush=True)

    def clear(self):
        with self.lock:
            if self.tty and self.width and not self.quiet:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()
                self.width = 0


def first_build(build):
    return not (pathlib.Path(build) / ".ninja_log").exists()


def build(build_dir, targets, progress, label, estimate):
    """Builds `targets` with ninja, showing its [n/N] steps. `estimate` is said once when the build
    directory has never been built ("about 2 minutes on 2 cores"). Returns (status, output)."""
    if first_build(build_dir):
        progress.note(f"first build of {label}: {estimate}; later runs take seconds")
    cmd = ["cmake", "--build", str(build_dir), "--target", *targets]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            stdin=subprocess.DEVNULL)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        m = NINJA_STEP.match(line.strip())
        if m:
            what = m.group(3).replace("Building CXX object ", "compiling ").replace("Linking CXX executable ", "linking ")
            progress.say(f"[{m.group(1)}/{m.group(2)}] building {label}: {what}", force=m.group(1) == "1")
    proc.wait()
    progress.clear()
    return proc.returncode, "".join(lines)


class Ticker:
    """A background progress line for a long step that has nothing else to say: "label: 42 s",
    quiet while other progress lines come (a build's [n/N] steps, for instance)."""

    def __init__(self, progress, label, expected_seconds=None):
        self.progress, self.label, self.expected = progress, label, expected_seconds
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.wait(1.0):
            if time.monotonic() - self.progress.said >= 2:
                about = f" of about {self.expected:.0f} s" if self.expected else ""
                self.progress.say(f"{self.label}: {time.monotonic() - self.started:.0f} s{about}")
                self.progress.said -= 2  # keep ticking every second

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.progress.clear()
        return False


def run_with_ticker(cmd, progress, label, expected_seconds=None, env=None, on_line=None):
    """Runs `cmd`, passing its output through line by line (to `on_line`, or standard output),
    while the progress line counts the seconds ("label: 12 s of about 40 s"). Returns the status."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            stdin=subprocess.DEVNULL, env=env)
    started = time.monotonic()

    def pump():
        for line in proc.stdout:
            progress.clear()
            if on_line:
                on_line(line)
            else:
                sys.stdout.write(line)
                sys.stdout.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    first = True
    while proc.poll() is None:
        elapsed = time.monotonic() - started
        about = f" of about {expected_seconds:.0f} s" if expected_seconds else ""
        progress.say(f"{label}: {elapsed:.0f} s{about}", force=first)
        first = False
        proc_wait(proc, 1.0)
    reader.join()
    progress.clear()
    return proc.returncode


def proc_wait(proc, seconds):
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def machine_load():
    """{"load_1min", "load_5min", "load_15min", "cores", "busy"}: busy when the 1-minute load
    average exceeds half the cores (other work then takes a share of the CPUs a benchmark uses)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return {"load_1min": None, "load_5min": None, "load_15min": None, "cores": cores(), "busy": False}
    n = cores()
    return {"load_1min": round(one, 2), "load_5min": round(five, 2), "load_15min": round(fifteen, 2),
            "cores": n, "busy": one > n / 2}


def load_warning(load, when):
    """The warning for a busy machine, or None."""
    if not load.get("busy"):
        return None
    return (f"warning: the machine is busy {when}: load average {load['load_1min']:.2f} on {load['cores']} "
            f"cores (more than half of them). Other work shares the CPUs, so times grow and spread, and "
            f"differences that need two free cores (contention, false sharing, speed-ups) shrink or vanish. "
            f"Measure again when it is quieter (`uptime`).")
