"""Expectation files: the known divergences of one implementation.

harness/expectations/<impl>.toml:

    [[expect]]
    test = "EvbufferSearch.EmptyPatternReturnsStart"   # Suite.Case, or a glob
    status = "FAIL"                                     # what it does instead of PASS
    reason = "why: the libevent behaviour it differs from, and why that is OK"
    backend = "poll"                                    # optional: only in that column
    when = { ndebug = false, version = "2.1.*" }        # optional: only in such builds

`status` is one status or an array of the statuses allowed (`["PASS",
"FAIL"]`: a known-flaky test). `when` conditions the entry on the build and
the column: `asan` (the suite is built with AddressSanitizer), `tsan`
(built with ThreadSanitizer), `valgrind`
(run under memcheck), `ndebug` (the implementation's internal assertions
are compiled out) and `version` (a glob on its event_get_version()). An
entry applies only when all its conditions hold, and a condition on a fact
nobody knows does not hold.

A test with no applicable entry is expected to PASS. A missing file means no
entries. Among the entries that apply to a test in a column, a
backend-specific one wins over a general one; then the one with more `when`
conditions (so a conditioned entry over an unconditioned one); then an
exact name over a glob; then the first in file order.
The syntax in full: docs/expectations.md.
"""
import fnmatch
import json
import os
import tomllib

from . import status as st
from .cli import ToolError


_REQUIRED = ("test", "status", "reason")
_OPTIONAL = ("backend", "when")
# The facts a `when` table may name, and the type of each.
CONDITIONS = {"asan": bool, "tsan": bool, "valgrind": bool, "ndebug": bool, "version": str}


def _check_status(value, where):
    """The statuses of an entry's `status` (a string or an array), checked."""
    allowed = value if isinstance(value, list) else [value]
    if not allowed or not all(isinstance(s, str) for s in allowed):
        raise ToolError(f"{where}: 'status' must be a status or a non-empty array of statuses")
    for s in allowed:
        if s not in st.RUN_STATUSES:
            raise ToolError(f"{where}: status '{s}' is not one of {', '.join(st.RUN_STATUSES)}")
    if len(set(allowed)) != len(allowed):
        raise ToolError(f"{where}: 'status' lists a status twice")
    return allowed


def _check_when(when, where):
    if not isinstance(when, dict) or not when:
        raise ToolError(f"{where}: 'when' must be a table of conditions, e.g. when = {{ ndebug = true }}")
    for key, value in when.items():
        if key not in CONDITIONS:
            raise ToolError(f"{where}: unknown condition 'when.{key}' (known: {', '.join(CONDITIONS)})")
        kind = CONDITIONS[key]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            what = "true or false" if kind is bool else "a non-empty string (a glob)"
            raise ToolError(f"{where}: 'when.{key}' must be {what}")


def _when_key(entry):
    return tuple(sorted(entry.get("when", {}).items()))


def load(path):
    """Returns a list of entries (dicts). Raises ToolError (a malformed file)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ToolError(f"{path}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ToolError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ToolError(f"{path}: not a text file (not UTF-8)") from None
    unknown = set(data) - {"expect"}
    if unknown:
        raise ToolError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    entries = data.get("expect", [])
    if not isinstance(entries, list):
        raise ToolError(f"{path}: 'expect' must be an array of tables ([[expect]])")
    seen = {}
    for i, e in enumerate(entries, 1):
        where = f"{path}: entry {i}"
        if not isinstance(e, dict):
            raise ToolError(f"{where}: must be a table")
        if isinstance(e.get("test"), str):
            where += f" ({e['test']})"
        extra = set(e) - set(_REQUIRED) - set(_OPTIONAL)
        if extra:
            raise ToolError(f"{where}: unknown key(s): {', '.join(sorted(extra))}")
        for key in ("test", "reason"):
            if not isinstance(e.get(key), str) or not e[key].strip():
                raise ToolError(f"{where}: '{key}' must be a non-empty string")
        if "status" not in e:
            raise ToolError(f"{where}: 'status' is missing")
        _check_status(e["status"], where)
        if "backend" in e and (not isinstance(e["backend"], str) or not e["backend"].strip()):
            raise ToolError(f"{where}: 'backend' must be a non-empty string")
        if "when" in e:
            _check_when(e["when"], where)
        key = (e["test"], e.get("backend"), _when_key(e))
        if key in seen:
            raise ToolError(f"{where}: test '{e['test']}' is listed twice for the same backend and "
                            f"conditions (entry {seen[key]})")
        seen[key] = i
    return entries


def context(asan=None, valgrind=None, assertions=None, version=None, tsan=None):
    """The facts `when` conditions are checked against, from what a run
    knows about its build and column: `assertions` is the column's
    detected "on" / "off" (None: unknown), the rest as in CONDITIONS."""
    ndebug = {"on": False, "off": True}.get(assertions)
    return {"asan": asan, "tsan": tsan, "valgrind": valgrind, "ndebug": ndebug, "version": version}


def holds(entry, ctx):
    """Whether every condition of `entry`'s `when` holds in `ctx` (a dict
    of facts, None or absent: unknown; an unknown fact holds no condition)."""
    for key, want in entry.get("when", {}).items():
        fact = (ctx or {}).get(key)
        if fact is None:
            return False
        if CONDITIONS[key] is str:
            if not fnmatch.fnmatchcase(str(fact), want):
                return False
        elif bool(fact) != want:
            return False
    return True


def lookup(entries, test, backend=None, context=None):
    """The entry that governs `test` in the column of `backend` (None: the
    implementation's only column) for the facts `context` (see holds();
    None: nothing known, so only unconditioned entries apply), or None
    (expected PASS). Among the entries that apply: backend-specific beats
    general, then more conditions beat fewer (conditioned beats
    unconditioned), then an exact name beats a glob, then file order."""
    if context:
        unknown = set(context) - set(CONDITIONS)
        if unknown:
            raise ValueError(f"unknown expectation context key(s): {', '.join(sorted(unknown))}")
    best, best_rank = None, None
    for index, e in enumerate(entries):
        if "backend" in e and (backend is None or e["backend"] != backend):
            continue
        exact = e["test"] == test
        if not exact and not fnmatch.fnmatchcase(test, e["test"]):
            continue
        if not holds(e, context):
            continue
        rank = ("backend" not in e, -len(e.get("when", {})), not exact, index)
        if best_rank is None or rank < best_rank:
            best, best_rank = e, rank
    return best


def allowed(entry):
    """The statuses `entry` allows, in file order (None: PASS only)."""
    if entry is None:
        return [st.PASS]
    return list(entry["status"]) if isinstance(entry["status"], list) else [entry["status"]]


def expected_of(entry):
    """The expected value recorded for a result: the allowed statuses joined
    by '|' in file order ("PASS|FAIL"; one status stays "FAIL"; None: "PASS").
    status.is_expected reads it."""
    return "|".join(allowed(entry))


def rebaseline(old, observed, context=None):
    """A new baseline from one run of an implementation, keeping what the
    old entries say wherever it is still true. `observed` is every result
    of the run: (test, backend (None for the plain column), status);
    `context` the run's facts (see holds()). Returns (kept, new):

    kept: the old entries, in file order and as written (status set,
      `when`, glob, reason), that govern no result they do not allow and
      name a test the run had (one shadowed by a better entry included:
      it may speak of a context the run did not have), and those whose
      `when` does not hold in `context` (another build, which this run
      says nothing about);
    new: (test, backend or None, status) for the results that are not
      PASS and that no kept entry governs: one general entry when every
      column of the test without a kept backend-specific entry got that
      status, else one per backend. The caller gives them a reason."""
    def named(e):
        return any((e["test"] == t or fnmatch.fnmatchcase(t, e["test"]))
                   and ("backend" not in e or e["backend"] == b) for t, b, _ in observed)

    kept = [e for e in old if not holds(e, context) or named(e)]
    while True:
        broken = set()
        for test, backend, status in observed:
            e = lookup(kept, test, backend, context)
            if e is not None and status not in allowed(e):
                broken.add(id(e))
        if not broken:
            break
        kept = [e for e in kept if id(e) not in broken]
    needs, columns = {}, {}
    for test, backend, status in observed:
        e = lookup(kept, test, backend, context)
        specific = e is not None and "backend" in e
        if not specific:
            columns.setdefault(test, []).append(backend)
        if e is None and status != st.PASS:
            needs.setdefault(test, {})[backend] = status
    new = []
    for test, by_backend in needs.items():
        statuses = set(by_backend.values())
        if len(statuses) == 1 and len(by_backend) == len(columns[test]):
            new.append((test, None, statuses.pop()))
        else:
            new += [(test, b, s) for b, s in sorted(by_backend.items(), key=lambda i: i[0] or "")]
    return kept, new


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML string


def write(path, entries, default_header):
    """Writes entries (dicts: test, status (a string or a list), reason,
    optional backend and when) as an expectations file that load() reads
    back. The file's own opening comment is kept; a new file gets
    default_header (comment lines)."""
    header = []
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.startswith("#"):
                    break
                header.append(line.rstrip("\n"))
    lines = (header or default_header) + [""]
    for e in entries:
        lines += ["[[expect]]", f"test = {_toml_value(e['test'])}", f"status = {_toml_value(e['status'])}",
                  f"reason = {_toml_value(e['reason'])}"]
        if e.get("backend"):
            lines.append(f"backend = {_toml_value(e['backend'])}")
        if e.get("when"):
            lines.append(f"when = {_toml_value(e['when'])}")
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
