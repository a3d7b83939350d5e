"""Expectation files: the known divergences of one implementation.

harness/expectations/<impl>.toml:

    [[expect]]
    test = "EvbufferSearch.EmptyPatternReturnsStart"   # Suite.Case, or a glob
    status = "FAIL"                                     # what it does instead of PASS
    reason = "why: the libevent behaviour it differs from, and why that is OK"
    backend = "poll"                                    # optional: only in that column

A test with no entry is expected to PASS. A missing file means no entries.
An entry with `backend` applies only to that backend's column (for example
libevent/select); entries without it apply to every column of the
implementation.
"""
import fnmatch
import json
import os
import tomllib

from . import status as st
from .cli import ToolError


_KEYS = {"test", "status", "reason"}
_OPTIONAL = {"backend"}


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
    unknown = set(data) - {"expect"}
    if unknown:
        raise ToolError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    entries = data.get("expect", [])
    if not isinstance(entries, list):
        raise ToolError(f"{path}: 'expect' must be an array of tables ([[expect]])")
    seen = set()
    for i, e in enumerate(entries, 1):
        where = f"{path}: entry {i}"
        if not isinstance(e, dict):
            raise ToolError(f"{where}: must be a table")
        extra = set(e) - _KEYS - _OPTIONAL
        if extra:
            raise ToolError(f"{where}: unknown key(s): {', '.join(sorted(extra))}")
        for key in _KEYS:
            if not isinstance(e.get(key), str) or not e[key].strip():
                raise ToolError(f"{where}: '{key}' must be a non-empty string")
        if e["status"] not in st.RUN_STATUSES:
            raise ToolError(
                f"{where}: status '{e['status']}' is not one of {', '.join(st.RUN_STATUSES)}")
        if "backend" in e and (not isinstance(e["backend"], str) or not e["backend"].strip()):
            raise ToolError(f"{where}: 'backend' must be a non-empty string")
        key = (e["test"], e.get("backend"))
        if key in seen:
            raise ToolError(f"{where}: test '{e['test']}' is listed twice")
        seen.add(key)
    return entries


def lookup(entries, test, backend=None, context=None):
    """The entry that governs `test` in the column of `backend` (None: the
    implementation's only column), or None (expected PASS). Backend-specific
    entries win over general ones; within each, an exact name wins over the
    first matching glob."""
    specific = [e for e in entries if backend is not None and e.get("backend") == backend]
    general = [e for e in entries if "backend" not in e]
    for group in (specific, general):
        for e in group:
            if e["test"] == test:
                return e
        for e in group:
            if fnmatch.fnmatchcase(test, e["test"]):
                return e
    return None


def expected_of(entry):
    """The expected status of an entry (None: PASS)."""
    return entry["status"] if entry else st.PASS


def write(path, entries, default_header):
    """Writes entries (dicts: test, status, reason, optional backend) as an
    expectations file that load() reads back. The file's own opening
    comment is kept; a new file gets default_header (comment lines)."""
    header = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    break
                header.append(line.rstrip("\n"))
    lines = (header or default_header) + [""]
    quote = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731  (a JSON string is a TOML string)
    for e in entries:
        lines += ["[[expect]]"] + [f"{k} = {quote(e[k])}" for k in ("test", "status", "reason")]
        if e.get("backend"):
            lines.append(f"backend = {quote(e['backend'])}")
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
