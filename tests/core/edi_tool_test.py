#!/usr/bin/env python3
"""The `edi` tool as a black box: the JSON of `stats` and `dump`, the exit codes of `validate`,
the determinism of `gen`, and that nothing is lost silently: failed writes, concurrent and killed
`gen -o`, bad numbers, long tags, long blank runs, many message types, standard input.

    python3 edi_tool_test.py build/default/tools/edi/edi data/

ctest runs it as the test `edi_tool` (label core).
"""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

EDI = ""
DATA = ""


def run(*args):
    return subprocess.run([EDI, *args], capture_output=True, timeout=60)


def sample(name):
    return os.path.join(DATA, name)


def write(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def sanitized():
    """Is the tool built with a sanitizer? Its memory is then the sanitizer's, not the tool's."""
    with open(EDI, "rb") as f:
        binary = f.read()
    return b"__asan_init" in binary or b"__tsan_init" in binary


# The commands that write to standard output, on a small valid file.
def writing_commands():
    f = sample("una_default.edi")
    return [["dump", f], ["dump", "--json", f], ["stats", f], ["stats", "--json", f], ["validate", f],
            ["validate", "--json", f], ["gen", "--messages", "5"], ["--help"]]


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


class WriteErrors(unittest.TestCase):
    def test_full_device(self):
        """Every command writing to /dev/full: status 2 and the reason, nothing else."""
        for args in writing_commands():
            with self.subTest(args=args), open("/dev/full", "wb") as full:
                result = subprocess.run([EDI, *args], stdout=full, stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, b"edi: cannot write output: No space left on device\n")

    def test_closed_stdout(self):
        """Every command with standard output closed (`>&-`): status 2 and the reason."""
        for args in writing_commands():
            with self.subTest(args=args):
                result = subprocess.run([EDI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        preexec_fn=lambda: os.close(1), timeout=60)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr, b"edi: cannot write output: Bad file descriptor\n")

    def test_gen_stops_at_the_first_failed_write(self):
        """`gen --size 1024G` into a full device ends at once (it would run for hours otherwise)."""
        with open("/dev/full", "wb") as full:
            result = subprocess.run([EDI, "gen", "--size", "1024G"], stdout=full, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, b"edi: cannot write output: No space left on device\n")
        result = run("gen", "--size", "1024G", "-o", "/dev/full")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, b"edi gen: cannot write /dev/full: No space left on device\n")

    def test_closed_pipe_ends_quietly(self):
        """`edi gen --size 1024G | head`: the reader closes the pipe; the tool ends by SIGPIPE, silently,
        whether SIGPIPE was inherited as default or as ignored."""
        for ignore in (False, True):
            with self.subTest(sigpipe_ignored=ignore):
                pre = (lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)) if ignore else None
                proc = subprocess.Popen([EDI, "gen", "--size", "1024G"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, preexec_fn=pre)
                self.assertTrue(proc.stdout.read(100).startswith(b"UNA:+.? '"))
                proc.stdout.close()
                _, err = proc.communicate(timeout=60)
                self.assertEqual(err, b"")
                self.assertEqual(proc.returncode, -signal.SIGPIPE)


class GenOutput(unittest.TestCase):
    def test_concurrent_runs_leave_one_whole_interchange(self):
        """Four `gen -o same.edi` at once: the file is one of the four outputs, whole; no temporary file stays."""
        expected = [run("gen", "--messages", "3000", "--seed", str(seed)).stdout for seed in range(4)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "same.edi")
            procs = [subprocess.Popen([EDI, "gen", "--messages", "3000", "--seed", str(seed), "-o", path],
                                      stderr=subprocess.PIPE) for seed in range(4)]
            for proc in procs:
                _, err = proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, 0, err)
            with open(path, "rb") as f:
                self.assertIn(f.read(), expected)
            self.assertEqual(os.listdir(tmp), ["same.edi"])
            self.assertEqual(run("validate", path).returncode, 0)

    def test_killed_run_leaves_the_old_file(self):
        """A `gen -o` killed while writing leaves the old file as it was (SIGKILL: its temporary file
        too, named .NAME.XXXXXX; SIGTERM and SIGINT: the temporary file is removed)."""
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig), tempfile.TemporaryDirectory() as tmp:
                path = write(tmp, "out.edi", b"old content")
                proc = subprocess.Popen([EDI, "gen", "--size", "1024G", "-o", path], stderr=subprocess.PIPE)
                # Wait until it has written into its temporary file (a bounded poll of the outcome, not a sleep).
                deadline = time.monotonic() + 60
                temporaries = []
                while time.monotonic() < deadline:
                    temporaries = glob.glob(os.path.join(tmp, ".out.edi.*"))
                    if temporaries and os.path.getsize(temporaries[0]) > 0:
                        break
                self.assertTrue(temporaries and os.path.getsize(temporaries[0]) > 0)
                proc.send_signal(sig)
                proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, -sig)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), b"old content")
                left = glob.glob(os.path.join(tmp, ".out.edi.*"))
                self.assertEqual(len(left), 1 if sig == signal.SIGKILL else 0)

    def test_new_file_is_whole_and_readable(self):
        """`gen -o` a new file: the bytes of standard output, with the umask's mode."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "new.edi")
            self.assertEqual(run("gen", "--messages", "7", "-o", path).returncode, 0)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), run("gen", "--messages", "7").stdout)
            mask = os.umask(0)
            os.umask(mask)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o666 & ~mask)

    def test_failure_gives_the_reason(self):
        """`gen -o` into a missing directory or onto a directory: status 2, the path and strerror."""
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "no", "x.edi")
            result = run("gen", "--messages", "2", "-o", missing)
            self.assertEqual(result.returncode, 2)
            self.assertEqual(result.stderr.decode(), f"edi gen: cannot write {missing}: No such file or directory\n")
            result = run("gen", "--messages", "2", "-o", tmp)
            self.assertEqual(result.returncode, 2)
            self.assertEqual(result.stderr.decode(), f"edi gen: cannot write {tmp}: Is a directory\n")


class Numbers(unittest.TestCase):
    def assert_refused(self, args, accepted):
        result = run(*args)
        self.assertEqual(result.returncode, 2, args)
        self.assertEqual(result.stdout, b"")
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(accepted, lines[0])

    def test_bad_sizes(self):
        """--size: digits, an optional fraction and unit; 1 byte to 1024G; anything else is refused."""
        for text in ("0.5", "1e-300", "1e30", "inf", "nan", "-1", "", " 1", "1 ", "0", "1025G", "12Q", ".5", "5.",
                     "0x10", "99999999999999999999"):
            with self.subTest(size=text):
                self.assert_refused(["gen", "--size", text], "expected a size from 1 to 1024G bytes")

    def test_bad_whole_numbers(self):
        """--seed, --messages, --syntax, --max-segment: whole, in range, or status 2 with the range."""
        cases = [(["gen", "--seed", v], "expected a whole number from 0 to 18446744073709551615")
                 for v in ("18446744073709551616", "-1", "1.0", "0x10", "+1", "", "1e3")]
        cases += [(["gen", "--messages", v], "expected a whole number from 1 to 1000000000")
                  for v in ("0", "1000000001", "-5", "2.5")]
        cases += [(["gen", "--syntax", v], "expected a whole number from 3 to 4") for v in ("5", "3.0", "4x")]
        cases += [([cmd, "--max-segment", "1K", sample("una_default.edi")], "expected a size from 256K to 4G bytes")
                  for cmd in ("stats", "validate", "dump")]
        for args, accepted in cases:
            with self.subTest(args=args):
                self.assert_refused(args, accepted)

    def test_good_numbers(self):
        """The extremes of each range are accepted; 0.5K is 512 bytes and 1M is 1048576."""
        self.assertEqual(run("gen", "--seed", "18446744073709551615", "--messages", "1").returncode, 0)
        self.assertEqual(run("gen", "--seed", "0", "--syntax", "4", "--messages", "1").returncode, 0)
        self.assertEqual(run("gen", "--size", "1M").stdout, run("gen", "--size", "1048576").stdout)
        self.assertEqual(run("gen", "--size", "0.5K").stdout, run("gen", "--size", "512").stdout)
        self.assertEqual(run("gen", "--size", "1.5k").stdout, run("gen", "--size", "1536").stdout)


class Inputs(unittest.TestCase):
    def test_long_tag_is_dumped_whole_and_reported_odd(self):
        """A 26-letter tag: `dump --json` prints it whole, `validate` reports it as an odd tag."""
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, "long.edi", b"UNB+UNOC:3+A+B+1'\nABCDEFGHIJKLMNOPQRSTUVWXYZ+1'\nU\x00NH+1'\nUNZ+0+1'\n")
            result = run("dump", "--json", path)
            self.assertEqual(result.returncode, 0, result.stderr)
            tags = [json.loads(line)["tag"] for line in result.stdout.decode().splitlines()]
            self.assertEqual(tags, ["UNB", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "U\x00NH", "UNZ"])
            self.assertIn(b'"tag":"U\\u0000NH"', result.stdout)
            result = run("validate", path)
            self.assertEqual(result.returncode, 1)
            out = result.stdout.decode()
            self.assertIn("long.edi:2:1: error: segment tag 'ABCDEFGHIJKLMNOP'... is not three", out)
            self.assertIn("long.edi:3:1: error: segment tag 'U\\x00NH' is not three", out)  # escaped, not raw
            self.assertNotIn("\x00", out)

    def test_blank_lines_beyond_the_limit(self):
        """16 MiB and more of blank lines before a valid interchange: valid, counted, dumped."""
        with open(sample("una_default.edi"), "rb") as f:
            valid = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, "blank.edi", b"\n" * (16 << 20) + b" \t\r\n" * 1000 + valid)
            result = run("validate", path)
            self.assertEqual(result.returncode, 0, result.stdout)
            self.assertIn(b"valid (1 messages, 19 segments, 0 errors, 0 warnings)", result.stdout)
            stats = json.loads(run("stats", "--json", path).stdout)
            self.assertEqual(stats["segments"], 19)
            self.assertEqual(run("dump", path).stdout, run("dump", sample("una_default.edi")).stdout)

    def test_limit_message_says_how_to_raise_it(self):
        """A segment over --max-segment: the message states the limit and the option that raises it."""
        text = b"UNB+UNOC:3+A+B+261127:1200+1'\nUNH+1+ORDERS:D:96A:UN'\nFTX+AAI+++" + b"x" * (300 << 10) + b"'\nUNT+3+1'\nUNZ+1+1'\n"
        said = ("segment longer than the reader's limit of 256K bytes: expected a segment terminator sooner "
                "(raise the limit with --max-segment, e.g. --max-segment 1M)")
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, "long.edi", text)
            result = run("validate", "--max-segment", "256K", path)
            self.assertEqual(result.returncode, 1)
            self.assertIn(f"long.edi:3:1: error: {said} [segment-too-long]".encode(), result.stdout)
            result = run("stats", "--max-segment", "256K", path)
            self.assertEqual(result.returncode, 1)
            self.assertIn(said.encode(), result.stderr)
            result = run("dump", "--max-segment", "256K", path)
            self.assertEqual(result.returncode, 1)
            self.assertIn(f"line 3, column 1 (byte 53): {said}".encode(), result.stderr)
            self.assertEqual(run("validate", "--max-segment", "1M", path).returncode, 0)
            default = run("validate", path)
            self.assertEqual(default.returncode, 0, default.stdout)

    def test_dash_is_standard_input(self):
        """`-` reads standard input in stats, validate and dump."""
        f = sample("syntax4_una.edi")
        for args in (["stats", "--json"], ["validate", "--json"], ["validate"], ["dump", "--json"], ["dump"]):
            with self.subTest(args=args), open(f, "rb") as stdin:
                piped = subprocess.run([EDI, *args, "-"], stdin=stdin, capture_output=True, timeout=60)
                direct = run(*args, f)
                self.assertEqual(piped.returncode, direct.returncode)
                self.assertEqual(piped.stderr, direct.stderr)
                if args[0] == "stats":
                    a, b = json.loads(piped.stdout), json.loads(direct.stdout)
                    self.assertEqual(a.pop("file"), "-")
                    for d in (a, b):
                        d.pop("seconds")
                        d.pop("file", None)
                    self.assertEqual(a, b)
                else:
                    self.assertEqual(piped.stdout, direct.stdout.replace(f.encode(), b"-"))


class StatsMemory(unittest.TestCase):
    def test_300000_distinct_message_types_in_bounded_memory(self):
        """300,000 distinct message types: under 64 MiB peak resident; the first 1000 by name, the
        rest counted together; status 0."""
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        def name(i):
            return "".join(letters[(i // 26 ** k) % 26] for k in range(5, -1, -1))
        body = "".join(f"UNH+1+{name(i)}:D:96A:UN'UNT+2+1'" for i in range(300_000))
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, "types.edi", f"UNB+UNOC:3+A+B+1'{body}UNZ+300000+1'".encode())
            with open(os.path.join(tmp, "out.json"), "w+b") as out, open(os.path.join(tmp, "err"), "w+b") as err:
                proc = subprocess.Popen([EDI, "stats", "--json", path], stdout=out, stderr=err)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                out.seek(0)
                stats = json.loads(out.read())
                err.seek(0)
                note = err.read().decode()
            self.assertEqual(proc.returncode, 0, note)
            self.assertEqual(stats["messages"], 300_000)
            self.assertEqual(len(stats["message_types"]), 1000)
            self.assertEqual(stats["other_message_types"], 299_000)
            self.assertEqual(stats["long_message_types"], 0)
            self.assertIn("more than 1000 distinct message types", note)
            if not sanitized():
                self.assertLess(usage.ru_maxrss * 1024, 64 << 20)  # ru_maxrss is in KiB on Linux

    def test_long_message_type_is_a_finding(self):
        """A type longer than six characters: counted as a message, not by type; reported; status 1."""
        text = b"UNB+UNOC:3+A+B+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+" + b"Y" * (10 << 20) + b":D'UNT+2+2'UNZ+2+1'"
        with tempfile.TemporaryDirectory() as tmp:
            path = write(tmp, "long_type.edi", text)
            result = run("stats", "--json", path)
            self.assertEqual(result.returncode, 1)
            stats = json.loads(result.stdout)
            self.assertEqual(stats["messages"], 2)
            self.assertEqual(stats["message_types"], {"ORDERS": 1})
            self.assertEqual(stats["long_message_types"], 1)
            self.assertIn(b"1 UNH segments name a message type longer than 6 characters", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: edi_tool_test.py EDI_TOOL DATA_DIR")
    EDI, DATA = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
