"""python3 -m tools.grade <command> [arguments]: see tools/grade/__init__.py."""
import sys

from . import __doc__ as USAGE


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "check":
        from .grade import main as run
    elif command == "harness":
        from .harness import main as run
    elif command == "expected":
        from .expected import main as run
    elif command == "gradescope":
        from .to_gradescope import main as run
    elif command == "selftest":
        from .selftest_grader import main as run
    else:
        print(f"unknown command '{command}'\n{USAGE}", file=sys.stderr)
        return 2
    return run(rest)


try:
    sys.exit(main(sys.argv[1:]))
except BrokenPipeError:  # `| head`: the reader has what it wanted
    sys.exit(0)
