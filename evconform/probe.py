"""What the report says of each implementation, found out rather than
assumed: its version string and number (event_get_version), the file its
code runs from, and whether libevent's internal assertions are compiled in.

The probe (harness/probe/probe.c, built per implementation as
evc_probe_<impl>) prints the first three. Assertions: libevent's
EVUTIL_ASSERT logs "%s:%d: Assertion %s failed in %s" and is compiled out
by NDEBUG, taking that format string with it; its debug-mode checks
("called on a non-initialized event") stay in every build. So the code's
file holding the first string means "on"; holding only the second means
"off" (a libevent built with NDEBUG); holding neither, "unknown" (not a
libevent, or a very different one)."""
import json
import os
import subprocess

ASSERT_MARK = b"Assertion %s failed in %s"
LIBEVENT_MARK = b"called on a non-initialized event"


def assertions_in(path):
    """"on", "off" or "unknown" for the code in `path`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "unknown"
    if ASSERT_MARK in data:
        return "on"
    return "off" if LIBEVENT_MARK in data else "unknown"


def probe(binary):
    """The facts of the implementation the probe `binary` was built against
    ({} when the probe is missing or fails: the facts are then unknown)."""
    if not binary or not os.access(binary, os.X_OK):
        return {}
    try:
        p = subprocess.run([binary], capture_output=True, text=True, timeout=30)
        facts = json.loads(p.stdout) if p.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}
    loaded = facts.pop("loaded_from", "")
    if loaded and os.path.realpath(loaded) != os.path.realpath(binary):
        facts["library"] = os.path.realpath(loaded)
        facts["assertions"] = assertions_in(facts["library"])
    else:
        facts["library"] = "linked statically"
        facts["assertions"] = assertions_in(binary)
    return facts


def context(facts, build, valgrind):
    """The expectations context of a column (expectations.lookup)."""
    assertions = facts.get("assertions", "unknown")
    return {"asan": bool(build.get("asan")), "tsan": bool(build.get("tsan")), "valgrind": bool(valgrind),
            "ndebug": None if assertions == "unknown" else assertions == "off",
            "version": facts.get("version")}
