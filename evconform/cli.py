"""The one error type of the toolkit and the `main` wrapper of every tool:
a ToolError is printed as one line, `tool: message`, and the tool exits 2."""
import argparse
import json
import sys


class ToolError(Exception):
    """Bad input, or a tool or build that failed: the message is one line."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are ToolErrors (one line, exit 2)
    instead of argparse's usage block."""

    def error(self, message):
        raise ToolError(message)


def read_json(path, what):
    """A JSON file's document, or a ToolError naming `what` it should be."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ToolError(f"cannot read {what} {path}: {e}") from None


def one_prefix(tool, message):
    """`tool: message` with one prefix: a message that already carries one
    (a nested tool's line passed on, e.g. the implementations check's
    `evconform: ...` that CMake printed and the runner reports) keeps it
    once, whatever the tool."""
    message = str(message)
    for prefix in (f"{tool}: ", "evconform: "):
        while message.startswith(prefix):
            message = message[len(prefix):]
    return f"{tool}: {message}"


def main(tool, run, argv=None):
    """Runs `run(argv)` and exits with its status; a ToolError becomes
    `tool: message` on stderr and exit status 2."""
    try:
        status = run(sys.argv[1:] if argv is None else argv)
    except ToolError as e:
        print(one_prefix(tool, e), file=sys.stderr)
        status = 2
    sys.exit(status)
