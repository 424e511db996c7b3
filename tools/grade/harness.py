"""Harness integrity: checksums of everything that decides a grade.

    python3 -m tools.grade harness check    exit 1 and list the files that differ from tools/grade/harness.sha256
    python3 -m tools.grade harness update   rewrite tools/grade/harness.sha256 (after changing the harness on purpose)

The harness is the graders and their support code (tests/, with each lesson's list of graded
tests), the core (core/), the code each lesson provides (given/), the grading and build scripts
(tools/, cmake/, CMakeLists.txt, CMakePresets.json, Makefile), the sample data (data/) and the
schema the lessons build in (lessons/04-caching/schema.sql). The learner's own exercise files and
the lesson texts are not part of it.

The digest of the checksum file itself is printed in every report: an instructor compares it with
the digest published for the course release (docs/grading.md), which catches an edited checksum
file too.
"""
import hashlib
import pathlib

from .common import ROOT

SUM_FILE = ROOT / "tools" / "grade" / "harness.sha256"
HARNESS = ["tests", "core", "given", "tools", "cmake", "data", "CMakeLists.txt", "CMakePresets.json", "Makefile",
           "lessons/04-caching/schema.sql"]
SKIP_PARTS = {"__pycache__"}


def harness_files():
    files = []
    for entry in HARNESS:
        path = ROOT / entry
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and not SKIP_PARTS & set(p.parts))
    return sorted(p for p in files if p != SUM_FILE)


def given_collisions(impl_root=None):
    """Files of exercises/NN-topic/ (or of `impl_root`/NN-topic/) and solutions/NN-topic/ named like a
    file of given/NN-topic/: the build would find one in place of the other. [(path, given path)]"""
    roots = [pathlib.Path(impl_root) if impl_root else ROOT / "exercises", ROOT / "solutions"]
    found = []
    for lesson in sorted((ROOT / "given").glob("*")):
        for given in sorted(p for p in lesson.iterdir() if p.is_file()):
            for root in roots:
                twin = root / lesson.name / given.name
                if twin.exists():
                    found.append((twin, given))
    return found


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current():
    return {str(p.relative_to(ROOT)): digest(p) for p in harness_files()}


def recorded():
    if not SUM_FILE.exists():
        return None
    sums = {}
    for line in SUM_FILE.read_text().splitlines():
        if line.strip():
            value, name = line.split(None, 1)
            sums[name.strip()] = value
    return sums


def status():
    """{"intact": bool, "modified": [...], "missing": [...], "added": [...], "digest": sha256 of the sum file}"""
    expected = recorded()
    if expected is None:
        return {"intact": False, "modified": [], "missing": [], "added": [], "digest": None,
                "error": f"{SUM_FILE.relative_to(ROOT)} is missing"}
    actual = current()
    modified = sorted(n for n in expected if n in actual and actual[n] != expected[n])
    missing = sorted(n for n in expected if n not in actual)
    added = sorted(n for n in actual if n not in expected)
    return {"intact": not (modified or missing or added), "modified": modified, "missing": missing,
            "added": added, "digest": digest(SUM_FILE)}


def update():
    lines = [f"{value}  {name}\n" for name, value in sorted(current().items())]
    SUM_FILE.write_text("".join(lines))
    print(f"wrote {SUM_FILE.relative_to(ROOT)}: {len(lines)} files, digest {digest(SUM_FILE)}")


def main(argv):
    if len(argv) != 1 or argv[0] not in ("check", "update"):
        raise SystemExit(__doc__)
    if argv[0] == "update":
        update()
        return 0
    s = status()
    if s["intact"]:
        print(f"harness intact ({len(recorded())} files, digest {s['digest']})")
        return 0
    for kind in ("modified", "missing", "added"):
        for name in s[kind]:
            print(f"harness {kind}: {name}")
    if s.get("error"):
        print(s["error"])
    return 1
