"""Shared pieces of the grading scripts: paths, the lesson manifest, colours, running commands."""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build_dir(preset="default"):
    return ROOT / "build" / preset


def load_manifest(build):
    """The lessons CMake configured (<build>/lessons.json), sorted by number."""
    path = pathlib.Path(build) / "lessons.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: configure first (make does it for you)")
    data = json.loads(path.read_text())
    data["lessons"].sort(key=lambda lesson: lesson["number"])
    return data


def select_lessons(manifest, lesson):
    """All lessons, or the one whose number (or folder name) is `lesson`."""
    if not lesson:
        return manifest["lessons"]
    wanted = str(lesson).zfill(2) if str(lesson).isdigit() else str(lesson)
    chosen = [l for l in manifest["lessons"] if l["number"] == wanted or l["dir"] == wanted]
    if not chosen:
        known = ", ".join(l["number"] for l in manifest["lessons"])
        raise SystemExit(f"no lesson {lesson}: the lessons are {known}")
    return chosen


class Style:
    """ANSI colours on a terminal, none when NO_COLOR is set or output is not a terminal."""

    def __init__(self, stream=sys.stdout):
        self.on = stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def _wrap(self, code, text):
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def green(self, t):
        return self._wrap("32", t)

    def red(self, t):
        return self._wrap("31", t)

    def yellow(self, t):
        return self._wrap("33", t)

    def bold(self, t):
        return self._wrap("1", t)

    def dim(self, t):
        return self._wrap("2", t)


def run(cmd, cwd=None, env=None, timeout=None):
    """Runs `cmd`, returning (exit status, combined output). Never raises for a failed command."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
        return proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        return None, out
