"""The one error type of the toolkit and the `main` wrapper of every tool:
a ToolError is printed as one line, `tool: message`, and the tool exits 2."""
import argparse
import sys


class ToolError(Exception):
    """Bad input, or a tool or build that failed: the message is one line."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are ToolErrors (one line, exit 2)
    instead of argparse's usage block."""

    def error(self, message):
        raise ToolError(message)


def main(tool, run, argv=None):
    """Runs `run(argv)` and exits with its status; a ToolError becomes
    `tool: message` on stderr and exit status 2."""
    try:
        status = run(sys.argv[1:] if argv is None else argv)
    except ToolError as e:
        print(f"{tool}: {e}", file=sys.stderr)
        status = 2
    sys.exit(status)
