"""Asking CTest: the test list is its json-v1 output (names, commands,
labels), for any selection of ctest arguments (-L, -R ...); a run streams
each finished test's outcome from ctest's progress lines."""
import json
import os
import re
import subprocess

from . import proc
from .cli import ToolError

# " 12/345 Test #67: name .....   Passed    0.12 sec", "***Exception: SegFault  0.01 sec"
_FINISHED = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) \.*\s*(?:\*\*\*)?(\S.*?)\s+[\d.]+ sec")
PASSED = ("Passed", "Skipped")  # a skip is neutral (the launcher's exit 77)


class Test:
    def __init__(self, doc):
        self.name = doc["name"]
        self.command = doc.get("command") or []
        self.labels = next((p["value"] for p in doc.get("properties", []) if p["name"] == "LABELS"), [])

    def label(self, key):
        """The value of the label '<key>:<value>', or ""."""
        return next((l.split(":", 1)[1] for l in self.labels if l.startswith(key + ":")), "")


def tests(build, selection=()):
    """The tests of `build` that `selection` (ctest arguments) selects."""
    try:
        p = proc.run(["ctest", "--test-dir", build, "--show-only=json-v1", *selection],
                     capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise ToolError("cannot list the tests with ctest: it ran over 120 s") from None
    if p.returncode != 0:
        raise ToolError(f"no CTest build in {build} (build first: cmake --build --preset default)")
    try:
        return [Test(t) for t in json.loads(p.stdout).get("tests", [])]
    except ValueError:
        raise ToolError("ctest printed no JSON test list") from None


def run(build, selection, jobs, env=None):
    """Runs the selection; yields (test name, passed, ctest's outcome) as
    each test finishes."""
    try:
        p = subprocess.Popen(["ctest", "--test-dir", build, "-j", str(jobs), *selection], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as e:
        raise ToolError(f"cannot run ctest: {e.strerror}") from None
    with p:
        for line in p.stdout:
            m = _FINISHED.match(line)
            if m:
                yield m.group(1), m.group(2) in PASSED, m.group(2)


_STARTED = re.compile(r"^\s*Start\s+\d+: (\S+)")
_DONE = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) ")


def watch(cmd, every=30.0):
    """Runs a ctest command line, passing its output through, and every
    `every` seconds names the tests that have been running that long (CTest
    itself says nothing until a test ends). Returns ctest's exit status."""
    import threading
    import time
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             errors="replace", bufsize=1)
    except OSError as e:
        raise ToolError(f"cannot run {cmd[0]}: {e.strerror}") from None
    running, lock, stop = {}, threading.Lock(), threading.Event()

    def tell():
        while not stop.wait(every):
            now = time.monotonic()
            with lock:
                slow = sorted(((now - t, n) for n, t in running.items() if now - t >= every),
                              reverse=True)
            if slow:
                print("still running: " + ", ".join(f"{n} ({s:.0f} s)" for s, n in slow[:4]),
                      flush=True)
    teller = threading.Thread(target=tell, daemon=True)
    teller.start()
    with p:
        for line in p.stdout:
            m = _STARTED.match(line)
            with lock:
                if m:
                    running[m.group(1)] = time.monotonic()
                else:
                    d = _DONE.match(line)
                    if d:
                        running.pop(d.group(1), None)
            print(line, end="", flush=True)
    stop.set()
    return p.returncode


def main(argv):
    """python3 -m evconform.ctest -- ctest ARGS...: ctest, saying what runs long."""
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv or os.path.basename(argv[0]) != "ctest":
        raise ToolError("usage: python3 -m evconform.ctest -- ctest [ARGS...]")
    return watch(argv)


if __name__ == "__main__":
    from . import cli
    cli.main("evconform", main)
