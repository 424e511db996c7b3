#!/usr/bin/env python3
"""The `edi` tool as a black box: the JSON of `stats` and `dump`, the exit codes of `validate`,
and the determinism of `gen`.

    python3 edi_tool_test.py build/default/tools/edi/edi data/

ctest runs it as the test `edi_tool` (label core).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

EDI = ""
DATA = ""


def run(*args):
    return subprocess.run([EDI, *args], capture_output=True, timeout=60)


def sample(name):
    return os.path.join(DATA, name)


class Stats(unittest.TestCase):
    def test_json_keys_and_counts(self):
        """`stats --json` prints one object per file with the documented keys and counts."""
        result = run("stats", "--json", sample("groups_ung_une.edi"), sample("syntax4_una.edi"))
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        groups, v4 = (json.loads(line) for line in lines)
        for key in ("bytes", "interchanges", "groups", "messages", "message_types", "segments", "elements",
                    "components", "seconds"):
            self.assertIn(key, groups)
        self.assertEqual(groups["bytes"], os.path.getsize(sample("groups_ung_une.edi")))
        self.assertEqual(groups["interchanges"], 1)
        self.assertEqual(groups["groups"], 2)
        self.assertEqual(groups["messages"], 3)
        self.assertEqual(groups["message_types"], {"ORDERS": 2, "INVOIC": 1})
        self.assertEqual(groups["segments"], 42)
        self.assertGreater(groups["components"], groups["elements"])
        self.assertGreaterEqual(groups["seconds"], 0)
        self.assertEqual(v4["message_types"], {"INVOIC": 1})


class Validate(unittest.TestCase):
    def test_valid_file_exits_0(self):
        """A valid file: exit 0 and the word "valid"."""
        result = run("validate", sample("una_default.edi"))
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn(b": valid (1 messages, 19 segments, 0 errors, 0 warnings)", result.stdout)

    def test_findings_exit_1_with_line_and_column(self):
        """An invalid file: exit 1, each finding as file:line:column: error: ... [code]."""
        result = run("validate", sample("bad_unt_count.edi"))
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(b"bad_unt_count.edi:19:1: error: UNT declares 18 segments; the message has 17 (UNH at line 3)", result.stdout)
        self.assertIn(b"[unt-count]", result.stdout)

    def test_json_findings(self):
        """`validate --json` lists findings with code, line, column and offset."""
        result = run("validate", "--json", sample("tags_two_and_four_letters.edi"))
        self.assertEqual(result.returncode, 1)
        report = json.loads(result.stdout)
        self.assertFalse(report["valid"])
        self.assertEqual([f["code"] for f in report["findings"]], ["odd-tag", "odd-tag"])
        self.assertEqual(report["findings"][0]["line"], 5)
        self.assertEqual(report["findings"][0]["column"], 1)

    def test_missing_file_exits_2(self):
        """A file that cannot be opened: exit 2."""
        self.assertEqual(run("validate", sample("no_such_file.edi")).returncode, 2)

    def test_empty_file_exits_2(self):
        """An empty file holds nothing to validate: exit 2."""
        with tempfile.NamedTemporaryFile(suffix=".edi") as empty:
            self.assertEqual(run("validate", empty.name).returncode, 2)

    def test_worst_status_of_several_files(self):
        """Several files: the worst status wins."""
        self.assertEqual(run("validate", sample("una_default.edi"), sample("missing_unz.edi")).returncode, 1)
        self.assertEqual(run("validate", sample("missing_unz.edi"), sample("nope.edi")).returncode, 2)


class Dump(unittest.TestCase):
    def test_json_repetitions_are_lists_of_component_lists(self):
        """`dump --json` on syntax 4: an element with repetitions is a list of component lists."""
        result = run("dump", "--json", sample("syntax4_una.edi"))
        self.assertEqual(result.returncode, 0, result.stderr)
        segments = [json.loads(line) for line in result.stdout.decode().splitlines()]
        self.assertEqual(len(segments), 19)
        ali = next(s for s in segments if s["tag"] == "ALI")
        self.assertEqual(ali["elements"], [[["DE"], ["NL"], ["FR"]]])
        nad = next(s for s in segments if s["tag"] == "NAD")
        self.assertEqual(nad["elements"], [["SU"], ["4012345000009", "", "9"]])
        self.assertEqual(segments[0]["tag"], "UNB")
        self.assertEqual(segments[0]["offset"], 10)

    def test_json_writes_invalid_utf8_as_u00xx(self):
        """Bytes that are not UTF-8 (ISO-8859-1 under UNOC) come out as \\u00XX, valid UTF-8 as is."""
        result = run("dump", "--json", sample("charset_latin1_under_unoc.edi"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"Caf\\u00e9 Lumi\\u00e8re SARL", result.stdout)
        result.stdout.decode("utf-8")  # the output itself is valid UTF-8
        utf8 = run("dump", "--json", sample("bom_utf8.edi"))
        self.assertIn("Café Lumière SARL".encode(), utf8.stdout)

    def test_json_unescapes_values(self):
        """Values are unescaped: ?+ is '+', ??' ends in '?'."""
        result = run("dump", "--json", sample("release_chars.edi"))
        values = [json.loads(line)["elements"] for line in result.stdout.decode().splitlines()]
        self.assertIn([["AAI"], [""], [""], ["Pallets + cartons, mixed"]], values)
        self.assertIn([["AAI"], [""], [""], ["Price incl. 2% discount?"]], values)

    def test_text_dump_prints_one_segment_per_line(self):
        """Plain `dump`: each segment's text and terminator on its own line."""
        result = run("dump", sample("layout_one_line.edi"))
        self.assertEqual(result.returncode, 0)
        lines = result.stdout.decode().splitlines()
        self.assertEqual(len(lines), 14)
        self.assertTrue(all(line.endswith("'") for line in lines))


class Gen(unittest.TestCase):
    def test_same_seed_same_bytes(self):
        """`gen` with the same seed writes the same bytes; another seed, other bytes."""
        a = run("gen", "--messages", "20", "--seed", "5")
        b = run("gen", "--messages", "20", "--seed", "5")
        c = run("gen", "--messages", "20", "--seed", "6")
        self.assertEqual(a.returncode, 0)
        self.assertEqual(a.stdout, b.stdout)
        self.assertNotEqual(a.stdout, c.stdout)
        self.assertTrue(a.stdout.startswith(b"UNA:+.? '"))

    def test_generated_file_validates(self):
        """A generated syntax 4 CR LF file validates with exit 0, and stats count its messages."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "gen.edi")
            result = run("gen", "--messages", "30", "--seed", "8", "--syntax", "4", "--crlf", "-o", path)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(run("validate", path).returncode, 0)
            stats = json.loads(run("stats", "--json", path).stdout)
            self.assertEqual(stats["messages"], 30)

    def test_bad_arguments_exit_2(self):
        """An unknown syntax version is refused."""
        self.assertEqual(run("gen", "--syntax", "5").returncode, 2)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: edi_tool_test.py EDI_TOOL DATA_DIR")
    EDI, DATA = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
