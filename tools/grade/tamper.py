"""Finds learner files that could rewrite the graders from inside the build.

The graders include the learner's headers, so a header could `#undef EXPECT_EQ` and define it to
do nothing. This scan reads every file of exercises/NN-topic/ the way the preprocessor does
(comments removed, backslash-newlines joined, the digraph %: read as #) and reports:

  - a #define or #undef of a macro that GoogleTest, GoogleMock or the workbook's test support
    defines (EXPECT_EQ, TEST, GTEST_SKIP, ...), or of a C++ keyword;
  - #pragma push_macro / pop_macro or _Pragma naming such a macro;
  - an #include of a GoogleTest or GoogleMock header;
  - code in namespace `testing` (specialising GoogleTest's own templates);
  - a file named like a provided file of the lesson (given/NN-topic/): the build would find it
    first and use it in place of the provided one.

The provided files themselves are covered by the harness checksum (harness.py), not by this scan.

A lesson with a finding is reported as tampered and scores 0. docs/grading.md says what the scan
does not cover.
"""
import functools
import pathlib
import re

from .common import ROOT

MACRO_DEF = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(define|undef)[ \t]+([A-Za-z_]\w*)", re.M)
INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*[<\"]\s*(gtest|gmock)/", re.M)
PRAGMA = re.compile(r"(?:^[ \t]*#[ \t]*pragma[ \t]+(?:push_macro|pop_macro)|_Pragma)[^\n]*", re.M)
TESTING_NS = re.compile(r"\bnamespace\s+(?:::\s*)?testing\b|\b::testing::|\btesting\s*::\s*internal\b")
KEYWORDS = set("""alignas alignof and asm auto bool break case catch char class const consteval constexpr constinit
const_cast continue co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit
export extern false float for friend goto if inline int long mutable namespace new noexcept not nullptr operator or
private protected public register reinterpret_cast requires return short signed sizeof static static_assert
static_cast struct switch template this thread_local throw true try typedef typeid typename union unsigned using
virtual void volatile wchar_t while assert""".split())


def preprocess_text(text):
    """Comments removed (strings kept), line continuations joined, %: read as #."""
    text = text.replace("\\\r\n", "").replace("\\\n", "")
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            out.append(" " if j < 0 else " " + "\n" * text.count("\n", i, j))
            i = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out).replace("%:", "#")


@functools.lru_cache(maxsize=1)
def protected_macros():
    """Every macro name GoogleTest, GoogleMock and the workbook's test support define."""
    names = set()
    roots = [pathlib.Path("/usr/include/gtest"), pathlib.Path("/usr/include/gmock"), ROOT / "tests"]
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.suffix in (".h", ".hpp") and path.is_file():
                try:
                    names.update(MACRO_DEF.findall(path.read_text(errors="replace")))
                except OSError:
                    pass
    # Include guards of the test support are macros too, but redefining them is harmless noise.
    return {n for n in names if not n.endswith("_H_") or n.startswith("GTEST") or n.startswith("GMOCK")} | {
        "TEST", "TEST_F", "TEST_P", "TYPED_TEST", "EXPECT_EQ", "ASSERT_EQ"}


def line_of(text, index):
    return text.count("\n", 0, index) + 1


def scan_file(path):
    """Findings for one file: [(line, message)]."""
    try:
        raw = path.read_text(errors="replace")
    except OSError:
        return []
    text = preprocess_text(raw)
    protected = protected_macros()
    findings = []
    for m in DIRECTIVE.finditer(text):
        kind, name = m.group(1), m.group(2)
        if name in protected:
            findings.append((line_of(text, m.start()), f"#{kind} {name}: redefines a macro of the graders"))
        elif name in KEYWORDS:
            findings.append((line_of(text, m.start()), f"#{kind} {name}: redefines a C++ keyword"))
    for m in INCLUDE.finditer(text):
        findings.append((line_of(text, m.start()), f"includes {m.group(1)}/: exercises must not include the test framework"))
    for m in PRAGMA.finditer(text):
        if any(re.search(rf"\b{re.escape(n)}\b", m.group(0)) for n in protected):
            findings.append((line_of(text, m.start()), "saves or restores a macro of the graders with a pragma"))
    for m in TESTING_NS.finditer(text):
        findings.append((line_of(text, m.start()), "code in GoogleTest's namespace 'testing'"))
    return sorted(set(findings))


def scan_lesson(impl_root, lesson_dir):
    """Findings in every file of <impl_root>/<lesson_dir>: [(relative path, line, message)]."""
    folder = pathlib.Path(impl_root) / lesson_dir
    found = []
    if not folder.exists():
        return found
    given = ROOT / "given" / lesson_dir
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                rel = path.relative_to(ROOT)
            except ValueError:
                rel = path
            if (given / path.name).is_file():
                found.append((str(rel), 1, f"has the name of the provided given/{lesson_dir}/{path.name}, "
                                           "which it would replace in the build"))
            for line, message in scan_file(path):
                found.append((str(rel), line, message))
    return found
